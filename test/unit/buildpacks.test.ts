/**
 * How Berth decides to build a source: detection order, lockfiles, start commands, the Procfile
 * override and its safety rules, and the text of the generated Dockerfiles. No Docker needed.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BuildLimiter } from '../../src/build/build-limiter.js';
import { detectBuild, type BuildPlan } from '../../src/build/detect.js';
import { renderDockerfile } from '../../src/build/dockerfile-template.js';
import { webCommandOf } from '../../src/build/procfile.js';
import { commandArgv, parseStartCommand } from '../../src/build/start-command.js';
import { loadConfig } from '../../src/config.js';
import { AppError, isAppError } from '../../src/errors.js';
import type { BuildSettings } from '../../src/projects/service.types.js';

const config = loadConfig({ BERTH_BUILDPACK_IMAGE_NODE: 'berth-test/node:20-slim' }, '/srv');
const made: string[] = [];

/** A throwaway source tree from { path: content }. */
async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-buildpacks-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function detect(files: Record<string, string>, settings: BuildSettings = {}): Promise<BuildPlan> {
  return detectBuild(await tree(files), settings, config);
}

type BuildpackPlan = Extract<BuildPlan, { kind: 'buildpack' }>;
async function buildpack(files: Record<string, string>, settings: BuildSettings = {}): Promise<BuildpackPlan> {
  const plan = await detect(files, settings);
  assert.equal(plan.kind, 'buildpack', `expected a buildpack, got ${plan.explanation}`);
  return plan as BuildpackPlan;
}

async function detectError(files: Record<string, string>, settings: BuildSettings = {}): Promise<string> {
  try {
    await detect(files, settings);
  } catch (err) {
    assert.ok(isAppError(err), String(err));
    assert.equal(err.code, 'VALIDATION_FAILED');
    return err.message;
  }
  assert.fail('expected detection to fail');
}

function cmdLine(plan: BuildpackPlan): string {
  return plan.dockerfile.split('\n').find((l) => l.startsWith('CMD '))!;
}

const pkg = (json: object): string => JSON.stringify(json);
const START = pkg({ name: 'a', scripts: { start: 'node server.js' } });

after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe('build detection order', () => {
  it('prefers the repository Dockerfile over every buildpack', async () => {
    const plan = await detect({ Dockerfile: 'FROM scratch', 'package.json': START, 'index.html': '<p>' });
    assert.equal(plan.kind, 'dockerfile');
    assert.equal(plan.dockerfile, 'Dockerfile');
    assert.equal(plan.explanation, 'Using the Dockerfile in the repository root');
  });

  it('picks node, then python, then go, then static', async () => {
    const all = { 'package.json': START, 'requirements.txt': 'flask\n', 'go.mod': 'module x\n', 'index.html': '<p>' };
    assert.equal((await buildpack(all)).name, 'node');
    const { 'package.json': _n, ...noNode } = all;
    assert.equal((await buildpack({ ...noNode, 'app.py': '' })).name, 'python');
    const { 'requirements.txt': _p, ...goAndStatic } = noNode;
    assert.equal((await buildpack({ ...goAndStatic, 'main.go': 'package main\n' })).name, 'go');
    assert.equal((await buildpack({ 'index.html': '<p>' })).name, 'static');
  });

  it('explains the choice in one line', async () => {
    const plan = await buildpack({ 'package.json': START, 'package-lock.json': '{}' });
    assert.equal(
      plan.explanation,
      'Using the node buildpack: found package.json and package-lock.json; starting with the start script',
    );
  });

  it('falls through a package.json that cannot start to the static buildpack when it has a build script', async () => {
    const plan = await buildpack({ 'package.json': pkg({ scripts: { build: 'vite build' } }), 'src/main.js': '' });
    assert.equal(plan.name, 'static');
    assert.match(plan.dockerfile, /RUN \["npm","run","build"\]/);
  });

  it('says what it looked for when nothing matches', async () => {
    const message = await detectError({ 'README.md': 'hello' });
    assert.match(message, /no Dockerfile and no buildpack matched/);
    assert.match(message, /package\.json/);
    const noStart = await detectError({ 'package.json': pkg({ name: 'lib' }) });
    assert.match(noStart, /node: package\.json has no start script/);
  });

  it('honours a forced buildpack and rejects unknown ones', async () => {
    const files = { 'package.json': START, 'index.html': '<p>' };
    assert.equal((await buildpack(files, { buildpack: 'static' })).name, 'static');
    assert.match(await detectError(files, { buildpack: 'ruby' }), /Unknown buildpack "ruby"/);
    assert.match(await detectError({ 'index.html': '<p>' }, { buildpack: 'node' }), /node buildpack was chosen/);
  });
});

describe('build settings: context and Dockerfile path', () => {
  it('uses a Dockerfile path relative to a monorepo context', async () => {
    const plan = await detect(
      { 'apps/web/docker/Web.Dockerfile': 'FROM scratch', 'apps/web/package.json': START },
      { context: 'apps/web', dockerfilePath: 'docker/Web.Dockerfile' },
    );
    assert.equal(plan.kind, 'dockerfile');
    assert.equal(plan.dockerfile, 'docker/Web.Dockerfile');
    assert.match(plan.context, /apps\/web$/);
  });

  it('detects buildpacks inside the context only', async () => {
    const plan = await buildpack({ Dockerfile: 'FROM scratch', 'site/index.html': '<p>' }, { context: './site/' });
    assert.equal(plan.name, 'static');
  });

  it('rejects paths that leave the repository, and missing files', async () => {
    for (const context of ['../etc', '/etc', 'a/../../b', '-rf', 'a b']) {
      assert.match(await detectError({ 'index.html': '' }, { context }), /must be a path inside the repository/);
    }
    assert.match(await detectError({ 'index.html': '' }, { context: 'nope' }), /is not a directory/);
    assert.match(await detectError({ 'index.html': '' }, { dockerfilePath: 'Dockerfile.prod' }), /No Dockerfile at/);
  });

  it('does not follow symlinks out of the tree', async () => {
    const outside = await tree({ 'package.json': START });
    const dir = await tree({ 'index.html': '<p>' });
    await symlink(join(outside, 'package.json'), join(dir, 'package.json'));
    const plan = await detectBuild(dir, {}, config);
    assert.equal(plan.kind === 'buildpack' && plan.name, 'static', 'the linked package.json counts as absent');
    const linkedContext = await tree({});
    await symlink(outside, join(linkedContext, 'app'));
    await assert.rejects(detectBuild(linkedContext, { context: 'app' }, config), /is not a directory/);
  });
});

describe('node buildpack', () => {
  it('finds the package manager from the lockfile', async () => {
    const cases: [Record<string, string>, RegExp, RegExp][] = [
      [
        { 'package-lock.json': '{}' },
        /COPY --chown=node:node package\.json package-lock\.json \.\//,
        /\["npm","ci","--include=dev"\]/,
      ],
      [{}, /COPY --chown=node:node package\.json \.\//, /\["npm","install","--include=dev"\]/],
      [{ 'yarn.lock': '' }, /package\.json yarn\.lock/, /\["corepack","yarn","install","--frozen-lockfile"\]/],
      [
        { 'yarn.lock': '', '.yarnrc.yml': '' },
        /COPY --chown=node:node \. \./,
        /\["corepack","yarn","install","--immutable"\]/,
      ],
      [
        { 'pnpm-lock.yaml': '' },
        /package\.json pnpm-lock\.yaml/,
        /\["corepack","pnpm","install","--frozen-lockfile"\]/,
      ],
    ];
    for (const [files, copy, install] of cases) {
      const plan = await buildpack({ 'package.json': START, ...files });
      assert.match(plan.dockerfile, copy);
      assert.match(plan.dockerfile, install);
    }
    const pnpm = await buildpack({ 'package.json': START, 'pnpm-lock.yaml': '' });
    assert.equal(pnpm.facts.packageManager, 'pnpm');
    assert.equal(pnpm.explanation.includes('pnpm-lock.yaml'), true);
  });

  it('starts like npm start: start script, else main, else server.js or index.js', async () => {
    assert.equal(cmdLine(await buildpack({ 'package.json': START })), 'CMD ["node","server.js"]');
    const shelly = pkg({ scripts: { start: 'node a.js && node b.js' } });
    assert.equal(cmdLine(await buildpack({ 'package.json': shelly })), 'CMD ["npm","start"]');
    const hooked = pkg({ scripts: { start: 'node a.js', prestart: 'node migrate.js' } });
    assert.equal(cmdLine(await buildpack({ 'package.json': hooked })), 'CMD ["npm","start"]');
    const main = { 'package.json': pkg({ main: 'lib/app.js' }), 'lib/app.js': '' };
    assert.equal(cmdLine(await buildpack(main)), 'CMD ["node","lib/app.js"]');
    const server = await buildpack({ 'package.json': pkg({ main: 'missing.js' }), 'server.js': '', 'index.js': '' });
    assert.equal(cmdLine(server), 'CMD ["node","server.js"]');
    assert.equal(cmdLine(await buildpack({ 'package.json': '{}', 'index.js': '' })), 'CMD ["node","index.js"]');
  });

  it('generates a Dockerfile that installs, builds, prunes and runs as the node user', async () => {
    const plan = await buildpack({
      'package.json': pkg({ scripts: { start: 'node dist/server.js', build: 'tsc' } }),
      'package-lock.json': '{}',
    });
    assert.equal(
      plan.dockerfile,
      [
        "# Generated by Berth's node buildpack (buildpacks/node/Dockerfile.eta); do not edit.",
        `# ${plan.explanation}`,
        'FROM berth-test/node:20-slim',
        "# The official image's `node` user: the app does not run as root.",
        'WORKDIR /app',
        'RUN ["chown", "node:node", "/app"]',
        'USER node',
        'ENV PATH=/app/node_modules/.bin:$PATH \\',
        '    NPM_CONFIG_UPDATE_NOTIFIER=false \\',
        '    NPM_CONFIG_FUND=false \\',
        '    NPM_CONFIG_AUDIT=false \\',
        '    COREPACK_ENABLE_DOWNLOAD_PROMPT=0',
        '# Dependencies first, so this layer is reused until the manifests change.',
        'COPY --chown=node:node package.json package-lock.json ./',
        'RUN ["npm","ci","--include=dev"]',
        'COPY --chown=node:node . .',
        'RUN ["npm","run","build"]',
        'RUN ["npm","prune","--omit=dev"]',
        'ENV NODE_ENV=production',
        'CMD ["node","dist/server.js"]',
        '',
      ].join('\n'),
    );
  });

  it('installs everything first for workspaces', async () => {
    const plan = await buildpack({
      'package.json': pkg({ workspaces: ['packages/*'], scripts: { start: 'node s.js' } }),
    });
    assert.match(plan.dockerfile, /COPY --chown=node:node \. \.\nRUN \["npm","install","--include=dev"\]/);
  });
});

describe('python buildpack', () => {
  it('runs gunicorn, uvicorn or the app file', async () => {
    const gunicorn = await buildpack({ 'requirements.txt': 'Flask==3.0\ngunicorn==22.0\n', 'app.py': '' });
    assert.equal(cmdLine(gunicorn), 'CMD ["gunicorn","app:app"]');
    assert.match(gunicorn.explanation, /found requirements\.txt and gunicorn; starting with gunicorn serving app:app/);

    const django = await buildpack({ 'requirements.txt': 'django\ngunicorn\n', 'manage.py': '', 'shop/wsgi.py': '' });
    assert.equal(cmdLine(django), 'CMD ["gunicorn","shop.wsgi:application"]');

    const uvicorn = await buildpack({ 'requirements.txt': 'fastapi\nuvicorn[standard]>=0.30\n', 'main.py': '' });
    assert.equal(
      cmdLine(uvicorn),
      'CMD ["/bin/sh","-c","exec uvicorn \\"$BERTH_ASGI_APP\\" --host 0.0.0.0 --port \\"${PORT:-8000}\\""]',
    );
    assert.match(uvicorn.dockerfile, /^ENV BERTH_ASGI_APP=main:app$/m);

    const both = await buildpack({ 'requirements.txt': 'gunicorn\nuvicorn\n', 'main.py': '' });
    assert.equal(cmdLine(both), 'CMD ["gunicorn","--worker-class","uvicorn.workers.UvicornWorker","main:app"]');

    const plain = await buildpack({ 'pyproject.toml': '[project]\nname = "x"\n', 'main.py': '' });
    assert.equal(cmdLine(plain), 'CMD ["python","main.py"]');
    assert.match(plain.dockerfile, /COPY --chown=app:app \. \.\nRUN \["pip", "install", "\."\]/);
  });

  it('generates a Dockerfile that caches requirements and runs unprivileged', async () => {
    const plan = await buildpack({ 'requirements.txt': 'flask\n', 'app.py': '' });
    assert.match(plan.dockerfile, /^FROM python:3\.12-slim$/m);
    assert.match(
      plan.dockerfile,
      /COPY requirements\.txt \.\/\nRUN \["pip", "install", "--requirement", "requirements\.txt"\]\nCOPY --chown=app:app \. \.\nUSER app\n/,
    );
    assert.doesNotMatch(plan.dockerfile, /BERTH_ASGI_APP/);
  });

  it('explains a missing app module', async () => {
    assert.match(await detectError({ 'requirements.txt': 'gunicorn\n' }), /gunicorn is a dependency but no app module/);
  });
});

describe('go buildpack', () => {
  it('builds the root main package into a distroless image', async () => {
    const plan = await buildpack({
      'go.mod': 'module github.com/acme/shop/v2\n\ngo 1.22\n',
      'go.sum': '',
      'main.go': 'package main\nfunc main() {}\n',
    });
    assert.match(plan.dockerfile, /^FROM golang:1\.22 AS build$/m);
    assert.match(plan.dockerfile, /^COPY go\.mod go\.sum \.\/$/m);
    assert.match(plan.dockerfile, /RUN \["go","build","-trimpath","-ldflags=-s -w","-o","\/out\/bin\/shop","\."\]/);
    assert.match(plan.dockerfile, /^FROM gcr\.io\/distroless\/static-debian12$/m);
    assert.equal(cmdLine(plan), 'CMD ["/app/bin/shop"]');
    assert.equal(plan.facts.goVersion, '1.22');
  });

  it('finds a main package under cmd/', async () => {
    const plan = await buildpack({ 'go.mod': 'module example.com/tools\n', 'cmd/api/main.go': 'package main\n' });
    assert.match(plan.dockerfile, /"\/out\/bin\/api","\.\/cmd\/api"\]/);
    assert.match(plan.dockerfile, /^COPY go\.mod \.\/$/m);
    assert.match(await detectError({ 'go.mod': 'module x\n', 'lib.go': 'package lib\n' }), /no main package/);
  });
});

describe('static buildpack', () => {
  it('serves index.html from the root or a build output directory', async () => {
    const root = await buildpack({ 'index.html': '<p>' });
    assert.match(root.dockerfile, /^COPY \. \/srv\/site$/m);
    assert.equal(cmdLine(root), 'CMD ["node","/usr/local/lib/berth/static-server.mjs","/srv/site"]');
    assert.match(root.buildArgs.BERTH_STATIC_SERVER!, /createServer/);
    assert.match(root.dockerfile, /^ARG BERTH_STATIC_SERVER$/m);
    const dist = await buildpack({ 'dist/index.html': '<p>', 'README.md': '' });
    assert.match(dist.dockerfile, /^COPY dist \/srv\/site$/m);
    assert.equal(dist.explanation.startsWith('Using the static buildpack: found dist/index.html'), true);
  });

  it('builds with npm first when package.json has a build script', async () => {
    const plan = await buildpack(
      { 'package.json': pkg({ scripts: { build: 'vite build' } }), 'package-lock.json': '{}', 'public/index.html': '' },
      { buildpack: 'static' },
    );
    assert.match(plan.dockerfile, /^FROM berth-test\/node:20-slim AS build$/m);
    assert.match(plan.dockerfile, /RUN \["npm","ci","--include=dev"\]\nCOPY \. \.\nRUN \["npm","run","build"\]/);
    assert.match(plan.dockerfile, /"dist","build","public"\]$/m);
    assert.match(plan.dockerfile, /^COPY --from=build \/site \/srv\/site$/m);
  });
});

describe('Procfile', () => {
  it('overrides the start command of any buildpack', async () => {
    const node = await buildpack({
      'package.json': START,
      Procfile: 'worker: node w.js\nweb: node web.js --name "my app"\n',
    });
    assert.equal(cmdLine(node), 'CMD ["node","web.js","--name","my app"]');
    assert.match(node.explanation, /starting with the Procfile web: line$/);
    const python = await buildpack({
      'requirements.txt': 'gunicorn\n',
      'app.py': '',
      Procfile: 'web: gunicorn app:server\n',
    });
    assert.equal(cmdLine(python), 'CMD ["gunicorn","app:server"]');
  });

  it('fills in a missing start command', async () => {
    const plan = await buildpack({ 'package.json': '{}', Procfile: 'web: node main.mjs' });
    assert.equal(cmdLine(plan), 'CMD ["node","main.mjs"]');
  });

  it('expands variables through a shell only when the line uses them', async () => {
    const plan = await buildpack({ 'package.json': START, Procfile: 'web: node server.js --port $PORT' });
    assert.equal(cmdLine(plan), 'CMD ["/bin/sh","-c","exec node server.js --port $PORT"]');
    const env = parseStartCommand('NODE_ENV=production node s.js', 'Procfile web');
    assert.deepEqual(commandArgv(env), ['env', 'NODE_ENV=production', 'node', 's.js']);
    const both = parseStartCommand('WORKERS=2 gunicorn -b "0.0.0.0:${PORT:-8000}" app:app', 'Procfile web');
    assert.deepEqual(commandArgv(both), [
      '/bin/sh',
      '-c',
      'exec env WORKERS=2 gunicorn -b "0.0.0.0:${PORT:-8000}" app:app',
    ]);
  });

  it('rejects lines that need more of a shell than variable expansion', async () => {
    const unsafe = [
      'node server.js; touch /tmp/x',
      'node server.js && rm -rf /',
      'node server.js | tee log',
      'node server.js > out.log',
      'node `id`.js',
      'node $(id).js',
      'node "$(id)".js',
      'node "`id`"',
      'node server.js &',
      'node *.js',
      'node ~/server.js',
      'node server.js # comment',
      'node "unclosed',
      "node 'unclosed",
      'node \\; ls',
      'node ${PORT:-$(id)}',
      'node server.js\u0007',
      'node (sub)',
    ];
    for (const line of unsafe) {
      assert.throws(
        () => parseStartCommand(line, 'Procfile web'),
        (err: unknown) => err instanceof AppError && err.code === 'VALIDATION_FAILED',
        line,
      );
    }
    assert.match(await detectError({ 'package.json': START, Procfile: 'web: node a.js; id' }), /uses ";"/);
    const quoted = parseStartCommand("node app.js --title 'a; b && c | $(d)'", 'Procfile web');
    assert.deepEqual(commandArgv(quoted), ['node', 'app.js', '--title', 'a; b && c | $(d)']);
  });

  it('refuses variables where the runtime image has no shell', async () => {
    const files = { 'go.mod': 'module x\n', 'main.go': 'package main\n' };
    assert.match(await detectError({ ...files, Procfile: 'web: bin/x --port $PORT' }), /has no shell/);
    const plan = await buildpack({ ...files, Procfile: 'web: bin/x --verbose' });
    assert.equal(cmdLine(plan), 'CMD ["bin/x","--verbose"]');
  });

  it('reads only the web line', () => {
    assert.equal(webCommandOf('# comment\nrelease: migrate\r\nweb:   node s.js  \n'), 'node s.js');
    assert.equal(webCommandOf('worker: x\n'), undefined);
  });
});

describe('Dockerfile templates', () => {
  it('refuse to write anything but plain tokens', () => {
    const data = { explanation: 'x', facts: { siteDir: '.' }, command: ['node'], buildArgs: [] };
    for (const image of ['node:20 slim', 'node\nRUN id', '$(id)', '-x']) {
      assert.throws(
        () => renderDockerfile('static', { ...data, images: { static: image, node: image } }),
        /not a plain token/,
      );
    }
  });

  it('keep comments on one line and argv in JSON', () => {
    const text = renderDockerfile('static', {
      explanation: 'line one\nRUN id',
      images: { static: 'node:20-slim' },
      facts: { siteDir: '.', serverPath: '/s.mjs', siteRoot: '/srv/site' },
      command: ['node', 'a"b', '$HOME'],
      buildArgs: [],
    });
    assert.match(text, /^# line one RUN id$/m);
    assert.doesNotMatch(text, /^RUN id/m);
    assert.match(text, /^CMD \["node","a\\"b","\$HOME"\]$/m);
  });
});

describe('build limiter', () => {
  it('runs one at a time in arrival order and lets a cancelled waiter go', async () => {
    const limiter = new BuildLimiter(1);
    const order: string[] = [];
    const first = await limiter.acquire();
    let waited = 0;
    const second = limiter
      .acquire(undefined, () => (waited += 1))
      .then((release) => {
        order.push('second');
        return release;
      });
    const abort = new AbortController();
    const third = limiter.acquire(abort.signal, () => (waited += 1));
    assert.deepEqual(limiter.load(), { running: 1, waiting: 2 });
    abort.abort();
    await assert.rejects(third, /build cancelled/);
    order.push('first done');
    first();
    (await second)();
    assert.deepEqual(order, ['first done', 'second']);
    assert.equal(waited, 2);
    assert.deepEqual(limiter.load(), { running: 0, waiting: 0 });
  });
});
