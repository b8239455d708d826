// Source validation: tables of good and bad git URLs, branches and image references, and the SSRF
// address policy. Nothing here connects anywhere: host names are answered by a fake resolver (or are
// `localhost`, which never reaches DNS), and every refusal happens before any connection is possible.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import {
  validateBranch,
  validateGitUrl,
  validateImageRef,
  validateServiceSource,
  type HostResolver,
} from '../../src/source/source-validation.js';
import { redactSecrets } from '../../src/lib/redact.js';

const DNS: Record<string, string[]> = {
  'github.com': ['140.82.112.3'],
  'ghcr.io': ['140.82.112.33', '2606:50c0:8000::154'],
  'registry.example.com': ['93.184.215.14'],
  'internal.example': ['10.1.2.3'],
  'rebind.example': ['169.254.169.254'],
  'mixed.example': ['140.82.112.3', '10.0.0.1'],
  'mapped.example': ['::ffff:169.254.169.254'],
  'v6meta.example': ['fd00:ec2::254'],
};
const lookups: string[] = [];
const fakeDns: HostResolver = async (host) => {
  lookups.push(host);
  const answer = DNS[host];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return answer;
};

const STRICT = { allowPrivate: false };
const PRIVATE_OK = { allowPrivate: true };
const HEX64 = 'a'.repeat(64);

async function rejection(promise: Promise<unknown>): Promise<{ message: string; details: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAppError(error), `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, 'VALIDATION_FAILED');
    return { message: error.message, details: error.details ?? {} };
  }
  assert.fail('expected a rejection');
}

describe('git URLs', () => {
  it('accepts https, ssh and scp-like URLs and normalises them', async () => {
    const good: [string, string][] = [
      ['https://github.com/owner/repo.git', 'https://github.com/owner/repo.git'],
      ['  HTTPS://GitHub.com/Owner/Repo.git  ', 'https://github.com/Owner/Repo.git'],
      ['https://140.82.112.3:8443/owner/repo', 'https://140.82.112.3:8443/owner/repo'],
      ['https://[2606:50c0:8000::153]/o/r.git', 'https://[2606:50c0:8000::153]/o/r.git'],
      ['ssh://git@github.com/owner/repo.git', 'ssh://git@github.com/owner/repo.git'],
      ['ssh://git@github.com:2222/owner/repo.git', 'ssh://git@github.com:2222/owner/repo.git'],
      ['git+ssh://git@github.com/owner/repo.git', 'ssh://git@github.com/owner/repo.git'],
      ['git@github.com:owner/repo.git', 'git@github.com:owner/repo.git'],
      ['deploy@140.82.112.3:~/apps/site.git', 'deploy@140.82.112.3:~/apps/site.git'],
    ];
    for (const [input, normalised] of good) {
      assert.equal(await validateGitUrl(input, STRICT, fakeDns), normalised, input);
    }
  });

  it('refuses option-like, shell-like, local and helper URLs without resolving anything', async () => {
    const bad: unknown[] = [
      '; touch /tmp/x',
      '$(id)',
      '`id`',
      '--upload-pack=touch /tmp/x',
      '-u touch /tmp/x',
      '-oProxyCommand=touch /tmp/x',
      'file:///etc',
      'FILE:///etc/passwd',
      'ext::sh -c touch% /tmp/pwned',
      'ext::sh',
      'fd::17',
      'git://github.com/owner/repo.git',
      'gopher://github.com/x',
      '/etc/passwd',
      '../other-repo',
      'C:\\repo',
      'https://github.com\\@evil.example/x',
      'https://github.com/o/r.git?upload-pack=x',
      'https://github.com/o/r.git#x',
      'https://github.com/o/r.git\n--upload-pack=x',
      'https://github.com/o/r .git',
      'https://github.com/o/r\u0000.git',
      'https://gïthub.com/o/r.git',
      'https://github.com/o/$(id)',
      'https://github.com/o/r;id',
      'ssh://-oProxyCommand=touch%20x/r.git',
      'ssh://git@github.com/o/r%0a.git',
      'git@github.com:-oProxyCommand=touch',
      'git@github.com:o/r.git;id',
      '-x@github.com:o/r.git',
      'a@b@github.com:o/r.git',
      'https://' + 'a'.repeat(2100) + '.com/x',
      '',
      '   ',
      42,
      null,
      undefined,
      { url: 'https://github.com/o/r' },
    ];
    lookups.length = 0;
    for (const input of bad) {
      await rejection(validateGitUrl(input, PRIVATE_OK, fakeDns));
    }
    assert.deepEqual(lookups, [], 'no DNS query for syntactically bad URLs');
  });

  it('says why, for the common mistakes', async () => {
    assert.match((await rejection(validateGitUrl('file:///etc', STRICT))).message, /file:\/\//);
    assert.match((await rejection(validateGitUrl('ext::sh -c x', STRICT))).message, /ext::/);
    assert.match((await rejection(validateGitUrl('--upload-pack=x', STRICT))).message, /must not start with "-"/);
    assert.match((await rejection(validateGitUrl('git://github.com/o/r', STRICT))).message, /https:\/\//);
    for (const withCredentials of [
      'https://user:ghp_secret@github.com/o/r.git',
      'https://ghp_secret@github.com/o/r.git',
      'ssh://git:hunter2@github.com/o/r.git',
      'git:hunter2@github.com:o/r.git',
    ]) {
      const { message, details } = await rejection(validateGitUrl(withCredentials, STRICT, fakeDns));
      assert.match(message, /credentials field/, withCredentials);
      assert.ok(!message.includes('secret') && !message.includes('hunter2'), 'the secret is not echoed');
      assert.ok(details.url);
    }
  });

  it('refuses link-local, metadata and other special addresses in every spelling, even with private sources allowed', async () => {
    const alwaysBad = [
      'http://169.254.169.254/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:169.254.169.254]/',
      'http://0xA9FEA9FE/',
      'http://2852039166/',
      'https://169.254.169.254/x.git',
      'http://[::ffff:169.254.169.254]/x.git',
      'http://[::ffff:a9fe:a9fe]/x.git',
      'http://0xA9FEA9FE/x.git',
      'http://2852039166/x.git',
      'http://0251.0376.0251.0376/x.git',
      'http://169.254.43518/x.git',
      'https://[fe80::1]/x.git',
      'https://[fd00:ec2::254]/x.git',
      'https://100.100.100.200/x.git',
      'http://0/x.git',
      'https://0.0.0.0/x.git',
      'https://[::]/x.git',
      'https://224.0.0.1/x.git',
      'https://255.255.255.255/x.git',
      'https://[64:ff9b::a9fe:a9fe]/x.git',
      'https://[2002:a9fe:a9fe::1]/x.git',
      'ssh://git@169.254.169.254/x.git',
      'ssh://git@0xa9fea9fe/x.git',
      'git@169.254.169.254:x.git',
      'git@[fe80::1]:x.git',
      'https://rebind.example/x.git',
      'https://mapped.example/x.git',
      'https://v6meta.example/x.git',
    ];
    for (const url of alwaysBad) {
      const { message } = await rejection(validateGitUrl(url, PRIVATE_OK, fakeDns));
      assert.match(message, /address/, url);
    }
    assert.match((await rejection(validateGitUrl('http://169.254.169.254/', PRIVATE_OK))).message, /link-local.*never/);
  });

  it('refuses loopback and private hosts by default and allows them when the operator opts in', async () => {
    const privateUrls: [string, string][] = [
      ['http://localhost/', 'http://localhost/'],
      ['http://127.0.0.1/', 'http://127.0.0.1/'],
      ['http://10.0.0.8/', 'http://10.0.0.8/'],
      ['http://localhost/x.git', 'http://localhost/x.git'],
      ['http://127.0.0.1/x.git', 'http://127.0.0.1/x.git'],
      ['http://127.0.0.1:8080/team/x.git', 'http://127.0.0.1:8080/team/x.git'],
      ['http://0x7f.1/x.git', 'http://127.0.0.1/x.git'],
      ['http://2130706433/x.git', 'http://127.0.0.1/x.git'],
      ['http://[::1]/x.git', 'http://[::1]/x.git'],
      ['http://[::ffff:127.0.0.1]/x.git', 'http://[::ffff:7f00:1]/x.git'],
      ['https://10.0.0.5/x.git', 'https://10.0.0.5/x.git'],
      ['https://172.16.0.1/x.git', 'https://172.16.0.1/x.git'],
      ['https://192.168.1.10/x.git', 'https://192.168.1.10/x.git'],
      ['https://[fd12:3456::1]/x.git', 'https://[fd12:3456::1]/x.git'],
      ['https://internal.example/x.git', 'https://internal.example/x.git'],
      ['https://mixed.example/x.git', 'https://mixed.example/x.git'],
      ['ssh://git@localhost:2222/x.git', 'ssh://git@localhost:2222/x.git'],
      ['git@10.0.0.7:x.git', 'git@10.0.0.7:x.git'],
    ];
    for (const [url, normalised] of privateUrls) {
      const { message } = await rejection(validateGitUrl(url, STRICT, fakeDns));
      assert.match(message, /BERTH_ALLOW_PRIVATE_SOURCES/, url);
      if (url.includes('mixed')) continue; // one public and one private answer: http(s) would work, but see below
      assert.equal(await validateGitUrl(url, PRIVATE_OK, fakeDns), normalised, url);
    }
  });

  it('accepts plain http only for servers on a private network', async () => {
    for (const url of ['http://github.com/o/r.git', 'http://140.82.112.3/o/r.git', 'http://mixed.example/x.git']) {
      assert.match((await rejection(validateGitUrl(url, PRIVATE_OK, fakeDns))).message, /Use https:\/\//, url);
    }
    assert.equal(
      await validateGitUrl('https://mixed.example/x.git', PRIVATE_OK, fakeDns),
      'https://mixed.example/x.git',
    );
  });

  it('says so when a host cannot be found', async () => {
    const { message, details } = await rejection(validateGitUrl('https://nowhere.example/x.git', STRICT, fakeDns));
    assert.match(message, /could not be found/);
    assert.equal(details.url, 'host not found');
  });
});

describe('branches', () => {
  it('accepts ordinary names and defaults to main', () => {
    for (const name of ['main', 'master', 'feature/x-1', 'release-1.2', 'v1.0_rc', 'a/b/c', 'UPPER']) {
      assert.equal(validateBranch(name), name);
    }
    assert.equal(validateBranch(undefined), 'main');
    assert.equal(validateBranch(''), 'main');
    assert.equal(validateBranch(' dev '), 'dev');
  });

  it('refuses what git check-ref-format refuses, and more', () => {
    const bad: unknown[] = [
      '-x',
      '--upload-pack=touch /tmp/x',
      'a..b',
      'HEAD@{1}',
      'x.lock',
      'a/x.lock/b',
      '/a',
      'a/',
      'a//b',
      '.hidden',
      'a/.b',
      'a.',
      'a b',
      'a;b',
      '; touch /tmp/x',
      '$(id)',
      'a~1',
      'a^',
      'a:b',
      'a\\b',
      'a\nb',
      'HEAD',
      'x'.repeat(201),
      42,
      {},
    ];
    for (const name of bad) {
      assert.throws(
        () => validateBranch(name),
        (error: unknown) => isAppError(error) && error.code === 'VALIDATION_FAILED' && Boolean(error.details?.branch),
        String(name),
      );
    }
  });
});

describe('image references', () => {
  it('accepts the Docker reference grammar', async () => {
    const good = [
      'nginx',
      'nginx:1.27',
      'nginx:1.27-alpine',
      'library/nginx:latest',
      'my_app',
      'a__b/c---d.e',
      'berth-test/node:20-slim',
      'ghcr.io/owner/app:v1',
      'registry.example.com:5000/team/app:2024.01',
      `registry.example.com/team/app@sha256:${HEX64}`,
      `nginx:1.27@sha256:${HEX64}`,
      '140.82.112.3:5000/app:1',
      '[2606:50c0:8000::154]:5000/app',
    ];
    for (const image of good) assert.equal(await validateImageRef(image, STRICT, fakeDns), image, image);
    assert.equal(await validateImageRef('  nginx  ', STRICT, fakeDns), 'nginx');
  });

  it('refuses option-like and malformed references', async () => {
    const bad: unknown[] = [
      '-v',
      '--help',
      'nginx; rm -rf /',
      '$(id)',
      'nginx latest',
      'Nginx',
      'nginx:',
      'nginx:-x',
      'nginx:.x',
      'nginx@sha256:abc',
      'nginx@md5:' + HEX64,
      'nginx@sha256:' + HEX64 + '@sha256:' + HEX64,
      'a//b',
      '/nginx',
      'nginx/',
      'a..b',
      'a-/b',
      'registry.example.com:99999/app',
      'registry.example.com:/app',
      '_registry.example.com/app',
      'x'.repeat(600),
      '',
      7,
    ];
    lookups.length = 0;
    for (const image of bad) {
      const { details } = await rejection(validateImageRef(image, PRIVATE_OK, fakeDns));
      assert.ok(details.image, String(image));
    }
    assert.deepEqual(lookups, []);
  });

  it('checks the registry host like a git host', async () => {
    for (const image of [
      '169.254.169.254/app',
      '169.254.169.254:5000/app',
      '[fe80::1]:5000/app',
      'rebind.example/app',
    ]) {
      await rejection(validateImageRef(image, PRIVATE_OK, fakeDns));
    }
    // Spellings a resolver and the engine could read differently are refused outright.
    for (const image of ['2852039166:5000/app', '0x7f.1:5000/app', '0xa9.0xfe.0xa9.0xfe/app']) {
      await rejection(validateImageRef(image, PRIVATE_OK, fakeDns));
    }
    for (const image of [
      'localhost/app',
      'localhost:5000/app:1',
      '127.0.0.1:5000/app',
      '[::1]:5000/app',
      'internal.example/a',
    ]) {
      assert.match((await rejection(validateImageRef(image, STRICT, fakeDns))).message, /BERTH_ALLOW_PRIVATE/, image);
      assert.equal(await validateImageRef(image, PRIVATE_OK, fakeDns), image);
    }
  });
});

describe('validateServiceSource', () => {
  it('normalises each source type', async () => {
    assert.deepEqual(await validateServiceSource({ type: 'git', url: 'https://github.com/o/r.git' }, STRICT, fakeDns), {
      type: 'git',
      url: 'https://github.com/o/r.git',
      branch: 'main',
    });
    assert.deepEqual(
      await validateServiceSource(
        { type: 'git', url: 'git@github.com:o/r.git', branch: 'prod', extra: 1 },
        STRICT,
        fakeDns,
      ),
      { type: 'git', url: 'git@github.com:o/r.git', branch: 'prod' },
    );
    assert.deepEqual(await validateServiceSource({ type: 'image', image: 'nginx:1.27' }, STRICT), {
      type: 'image',
      image: 'nginx:1.27',
    });
    assert.deepEqual(await validateServiceSource({ type: 'push' }, STRICT), { type: 'push', branch: 'main' });
    assert.deepEqual(await validateServiceSource({ type: 'push', branch: 'live' }, STRICT), {
      type: 'push',
      branch: 'live',
    });
    assert.deepEqual(await validateServiceSource({ type: 'git', url: 'http://127.0.0.1:9/r.git' }, PRIVATE_OK), {
      type: 'git',
      url: 'http://127.0.0.1:9/r.git',
      branch: 'main',
    });
  });

  it('names the bad field', async () => {
    const cases: [unknown, string][] = [
      [null, 'type'],
      ['git', 'type'],
      [{}, 'type'],
      [{ type: 'svn', url: 'x' }, 'type'],
      [{ type: 'git' }, 'url'],
      [{ type: 'git', url: 'file:///etc' }, 'url'],
      [{ type: 'git', url: 'http://169.254.169.254/' }, 'url'],
      [{ type: 'git', url: 'https://github.com/o/r', branch: '-x' }, 'branch'],
      [{ type: 'image', image: '--privileged' }, 'image'],
      [{ type: 'image' }, 'image'],
      [{ type: 'push', branch: 'a..b' }, 'branch'],
    ];
    for (const [input, field] of cases) {
      const { details } = await rejection(validateServiceSource(input, PRIVATE_OK, fakeDns));
      assert.ok(details[field], `${JSON.stringify(input)} → ${field}`);
    }
  });
});

describe('redactSecrets', () => {
  it('removes secrets and URL credentials', () => {
    assert.equal(redactSecrets('token ghp_abc123 and ghp_abc123', ['ghp_abc123']), 'token [redacted] and [redacted]');
    assert.equal(redactSecrets('https://u:p@host/x', []), 'https://[redacted]@host/x');
    assert.equal(redactSecrets('abc', ['']), 'abc');
  });
});
