/**
 * The real template catalog (src/templates/catalog): at least 15 templates load; each template.json
 * passes its schema; each compose file passes the compose check with its variables filled (defaults,
 * generated values, and the stack address Berth provides); every `${VAR}` is declared; every variable
 * that holds a password, secret, key or token is generated; every image has a pinned tag; the routed
 * service is in the file; icons are an SVG file or a short emoji or letter, never a remote URL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCompose } from '../../src/stacks/compose-check.js';
import { referencedNames } from '../../src/stacks/compose-interpolate.js';
import { generateValue } from '../../src/templates/generate-value.js';
import { BUILT_IN_CATALOG, loadCatalog } from '../../src/templates/template-catalog.js';
import { PROVIDED_VARIABLES } from '../../src/templates/template.types.js';

const catalog = await loadCatalog(BUILT_IN_CATALOG);

test('the catalog has at least 15 templates and every folder loads', () => {
  assert.deepEqual(catalog.problems, []);
  assert.ok(catalog.templates.length >= 15, `${catalog.templates.length} templates`);
  for (const expected of [
    'uptime-kuma',
    'gitea',
    'n8n',
    'ghost',
    'umami',
    'plausible',
    'metabase',
    'minio',
    'vaultwarden',
  ])
    assert.ok(
      catalog.templates.some((t) => t.id === expected),
      expected,
    );
});

for (const template of catalog.templates) {
  test(`template ${template.id}: passes the compose check, declares and generates its variables, pins its images`, () => {
    const values: Record<string, string> = { BERTH_URL: 'http://x-y.localhost', BERTH_HOST: 'x-y.localhost' };
    for (const [key, spec] of Object.entries(template.variables))
      values[key] = spec.generate ? generateValue(spec.generate) : (spec.default ?? '');
    const result = checkCompose(template.compose, { variables: values });
    assert.deepEqual(result.problems, [], JSON.stringify(result.problems));
    const stack = result.stack!;
    assert.ok(
      stack.services.some((s) => s.name === template.routedService),
      `routed service ${template.routedService} is in the file`,
    );
    const declared = new Set([...Object.keys(template.variables), ...PROVIDED_VARIABLES]);
    for (const name of referencedNames(template.compose)) assert.ok(declared.has(name), `\${${name}} is declared`);
    for (const [key, spec] of Object.entries(template.variables)) {
      if (/PASSWORD|SECRET|TOKEN|KEY/.test(key)) assert.ok(spec.generate, `${key} is generated`);
      assert.ok(spec.generate || spec.default !== undefined, `${key} has a default or is generated`);
    }
    for (const service of stack.services) {
      assert.ok(service.image, `${service.name} names an image (templates build nothing)`);
      const tag = /:([^/:@]+)$/.exec(service.image!)?.[1];
      assert.ok(tag && tag !== 'latest', `${service.image} has a pinned tag`);
    }
    assert.doesNotMatch(template.icon, /^[a-z]+:/i);
    if (template.icon.endsWith('.svg')) {
      assert.match(template.iconSvg ?? '', /<svg/);
      assert.doesNotMatch(template.iconSvg ?? '', /<script|href="http|url\(http/i);
    } else assert.ok([...template.icon].length <= 3, `icon ${template.icon} is a short emoji or letter`);
  });
}

test('generated values are random and of the promised shape', () => {
  assert.match(generateValue('secret'), /^[A-Za-z0-9_-]{64}$/);
  assert.match(generateValue('hex32'), /^[0-9a-f]{64}$/);
  assert.match(generateValue('password'), /^[A-Za-z0-9]{24}$/);
  assert.notEqual(generateValue('password'), generateValue('password'));
});
