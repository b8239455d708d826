import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkCompose } from '../../src/stacks/compose-check.js';
import { envFilePath, loadEnvFiles, withEnvFiles } from '../../src/stacks/compose-env-file.js';

let root: string;
let checkout: string;

before(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'berth-env-file-')));
  checkout = join(root, 'checkout');
  await mkdir(join(checkout, 'deploy', 'conf'), { recursive: true });
  await writeFile(join(root, 'outside.env'), 'STOLEN=yes\n');
  await writeFile(join(checkout, '.env'), 'SHARED=root\nROOT_ONLY=1\n');
  await writeFile(join(checkout, 'deploy', 'app.env'), '# app\nSHARED=app\nQUOTED="a b"\nexport EXPORTED=x\n');
  await writeFile(join(checkout, 'deploy', 'conf', 'broken.env'), 'not a line\n');
  await symlink(join(root, 'outside.env'), join(checkout, 'deploy', 'escape.env'));
  await symlink('/etc/passwd', join(checkout, 'deploy', 'passwd.env'));
  await symlink('app.env', join(checkout, 'deploy', 'inside-link.env'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('an env_file path is normalised relative to the compose file and may not leave the repository', () => {
  assert.equal(envFilePath('.', '.env'), '.env');
  assert.equal(envFilePath('.', './conf/../app.env'), 'app.env');
  assert.equal(envFilePath('deploy', 'app.env'), 'deploy/app.env');
  assert.equal(envFilePath('deploy', '../.env'), '.env');
  assert.equal(envFilePath('deploy/conf', './../../x.env'), 'x.env');
  for (const [dir, path] of [
    ['.', '../.env'],
    ['deploy', '../../.env'],
    ['deploy', 'conf/../../../etc/passwd'],
    ['.', '/etc/passwd'],
    ['.', '~/.env'],
    ['.', ''],
    ['.', '.'],
    ['.', 'C:\\env'],
    ['.', 'https://example.test/x.env'],
  ] as const)
    assert.equal(envFilePath(dir, path), undefined, `${dir} + ${path}`);
});

test('the checker reads env_file in every form for a repository file and refuses it, naming the line, for a pasted one', () => {
  const text = [
    'services:',
    '  a:',
    '    image: x',
    '    env_file: .env',
    '  b:',
    '    image: x',
    '    env_file: [one.env, ./two.env]',
    '  c:',
    '    image: x',
    '    env_file:',
    '      - path: ./opt.env',
    '        required: false',
    '      - three.env',
    '',
  ].join('\n');
  const fromRepo = checkCompose(text, { composeDir: 'deploy' });
  assert.deepEqual(fromRepo.problems, []);
  assert.deepEqual(
    fromRepo.stack!.services.map((s) => s.envFiles),
    [
      [{ path: '.env', required: true }],
      [
        { path: 'one.env', required: true },
        { path: './two.env', required: true },
      ],
      [
        { path: './opt.env', required: false },
        { path: 'three.env', required: true },
      ],
    ],
  );
  const pasted = checkCompose(text);
  assert.deepEqual(
    pasted.problems.map((p) => [p.field, p.line]),
    [
      ['services.a.env_file', 4],
      ['services.b.env_file', 7],
      ['services.c.env_file', 11],
    ],
  );
  assert.match(pasted.problems[0]!.message, /a pasted stack has no files; put the variables under environment:/);
  const escaping = checkCompose('services:\n  a:\n    image: x\n    env_file: ["ok.env", "../../x.env"]\n', {
    composeDir: 'deploy',
  });
  assert.deepEqual(
    escaping.problems.map((p) => [p.field, p.line]),
    [['services.a.env_file.1', 4]],
  );
  assert.match(escaping.problems[0]!.message, /inside the repository/);
  const absolute = checkCompose('services:\n  a:\n    image: x\n    env_file:\n      - path: /etc/environment\n', {
    composeDir: '.',
  });
  assert.deepEqual(
    absolute.problems.map((p) => [p.field, p.line]),
    [['services.a.env_file.0', 5]],
  );
});

test('env files are read in order under the service environment, and links out of the checkout are refused', async () => {
  assert.deepEqual(
    await loadEnvFiles(checkout, 'deploy', [
      { path: '../.env', required: true },
      { path: 'app.env', required: true },
      { path: 'missing.env', required: false },
    ]),
    { SHARED: 'app', ROOT_ONLY: '1', QUOTED: 'a b', EXPORTED: 'x' },
  );
  assert.deepEqual(await loadEnvFiles(checkout, 'deploy', [{ path: 'inside-link.env', required: true }]), {
    SHARED: 'app',
    QUOTED: 'a b',
    EXPORTED: 'x',
  });
  for (const path of ['escape.env', 'passwd.env'])
    await assert.rejects(loadEnvFiles(checkout, 'deploy', [{ path, required: true }]), /outside it/);
  await assert.rejects(loadEnvFiles(checkout, 'deploy', [{ path: '../../outside.env', required: true }]), /leaves/);
  await assert.rejects(loadEnvFiles(checkout, 'deploy', [{ path: 'missing.env', required: true }]), /not in the/);
  await assert.rejects(loadEnvFiles(checkout, 'deploy', [{ path: 'conf', required: true }]), /not a regular file/);
  await assert.rejects(loadEnvFiles(checkout, 'deploy', [{ path: 'conf/broken.env', required: true }]), /broken\.env/);

  const definition = checkCompose(
    'services:\n  a:\n    image: x\n    env_file: [app.env]\n    environment: {SHARED: own}\n',
    { composeDir: 'deploy' },
  ).stack!;
  await withEnvFiles(definition, checkout, 'deploy');
  assert.deepEqual(definition.services[0]!.environment, { SHARED: 'own', QUOTED: 'a b', EXPORTED: 'x' });
});
