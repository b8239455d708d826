import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ignoreRules } from '../../src/lib/ignore-rules.js';
import { compileSchema } from '../../src/lib/json-schema.js';
import { parseYaml } from '../../src/lib/yaml-document.js';

test('parseYaml resolves anchors and << merges and says on which line a value is', () => {
  const text = [
    'x-base: &base',
    '  privileged: true',
    'services:',
    '  web:',
    '    <<: *base',
    '    image: app',
    '',
  ].join('\n');
  const parsed = parseYaml(text);
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual((parsed.value as { services: unknown }).services, { web: { privileged: true, image: 'app' } });
  assert.equal(parsed.lineOf(['services', 'web', 'image']), 6);
  assert.equal(parsed.lineOf(['x-base', 'privileged']), 2);
  assert.equal(parsed.lineOf(['services', 'nothing']), undefined);
});

test('parseYaml reports syntax errors and duplicate keys with their line, and refuses an alias bomb', () => {
  assert.equal(parseYaml('a: 1\nb: [\n').problems.length > 0, true);
  const duplicate = parseYaml('a: 1\nb: 2\na: 3\n');
  assert.equal(duplicate.problems[0]?.line, 3);
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++)
    levels.push(
      `${'b'.repeat(i)}: &${'b'.repeat(i)} [${Array(10)
        .fill(i === 1 ? '*a' : `*${'b'.repeat(i - 1)}`)
        .join(',')}]`,
    );
  const bomb = parseYaml(levels.join('\n'));
  assert.equal(bomb.problems.length > 0, true, 'an exponential alias expansion is refused');
  assert.equal(bomb.value, null);
});

test('parseYaml reads JSON too, with lines', () => {
  const parsed = parseYaml('{\n  "start": "node x.js",\n  "replicas": "two"\n}\n');
  assert.equal(parsed.lineOf(['replicas']), 3);
});

test('compileSchema names each offending field', () => {
  const check = compileSchema({
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string' }, replicas: { type: 'integer', minimum: 1 } },
  });
  assert.deepEqual(check({ name: 'a', replicas: 2 }), []);
  const problems = check({ replicas: 0, colour: 'red' });
  assert.deepEqual(problems.map((p) => p.field).sort(), ['colour', 'name', 'replicas']);
  assert.equal(problems.find((p) => p.field === 'colour')?.message, 'is not a known setting');
  assert.deepEqual(problems.find((p) => p.field === 'replicas')?.path, ['replicas']);
});

test('ignoreRules follows .gitignore semantics', () => {
  const ignored = ignoreRules(['node_modules/', '*.log', '!keep.log', '/build']);
  assert.equal(ignored('node_modules/x/index.js'), true);
  assert.equal(ignored('src/debug.log'), true);
  assert.equal(ignored('keep.log'), false);
  assert.equal(ignored('build/out.js'), true);
  assert.equal(ignored('src/build/out.js'), false);
  assert.equal(ignored('src/index.ts'), false);
});
