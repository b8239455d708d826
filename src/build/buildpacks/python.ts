/**
 * python: requirements.txt or pyproject.toml. gunicorn or uvicorn among the dependencies picks the
 * server and the app module is found by convention (Django's <project>/wsgi.py, wsgi.py, app.py,
 * main.py); without a server, `python app.py` or `python main.py`.
 */
import type { SourceTree } from '../source-tree.js';
import type { StartCommand } from '../start-command.js';
import type { Buildpack, Detected, Miss } from './types.js';

type Server = 'gunicorn' | 'uvicorn' | 'gunicorn+uvicorn';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** uvicorn does not read PORT itself, so a fixed script maps it; the module comes in through ENV, never inlined. */
export const UVICORN_SCRIPT = 'exec uvicorn "$BERTH_ASGI_APP" --host 0.0.0.0 --port "${PORT:-8000}"';

function mentions(text: string, name: string): boolean {
  // A requirement line ("gunicorn==22.0", "uvicorn[standard]") or a quoted pyproject dependency.
  return new RegExp(`(^|["'\\s])${name}(?![A-Za-z0-9_-])`, 'im').test(text);
}

async function findModule(tree: SourceTree, kind: 'wsgi' | 'asgi'): Promise<string | undefined> {
  if (await tree.isFile('manage.py')) {
    // Django: the project package holds wsgi.py / asgi.py with an `application`.
    for (const dir of await tree.list('.')) {
      if (IDENTIFIER.test(dir) && (await tree.isFile(`${dir}/${kind}.py`))) return `${dir}.${kind}:application`;
    }
  }
  const candidates: readonly [string, string][] =
    kind === 'wsgi'
      ? [
          ['wsgi.py', 'wsgi:application'],
          ['app.py', 'app:app'],
          ['main.py', 'main:app'],
        ]
      : [
          ['main.py', 'main:app'],
          ['app.py', 'app:app'],
          ['asgi.py', 'asgi:application'],
        ];
  for (const [file, module] of candidates) if (await tree.isFile(file)) return module;
  return undefined;
}

export const pythonBuildpack: Buildpack = {
  name: 'python',
  images: ['python'],
  runtimeHasShell: true,
  async detect(tree: SourceTree): Promise<Detected | Miss | undefined> {
    const requirements = await tree.readText('requirements.txt');
    const pyproject = requirements === undefined ? await tree.readText('pyproject.toml') : undefined;
    if (requirements === undefined && pyproject === undefined) return undefined;
    const deps = requirements ?? pyproject ?? '';
    const gunicorn = mentions(deps, 'gunicorn');
    const uvicorn = mentions(deps, 'uvicorn');
    const server: Server | null =
      gunicorn && uvicorn ? 'gunicorn+uvicorn' : gunicorn ? 'gunicorn' : uvicorn ? 'uvicorn' : null;
    const module = server ? await findModule(tree, server === 'gunicorn' ? 'wsgi' : 'asgi') : undefined;

    let start: StartCommand | undefined;
    if (server === 'gunicorn' && module) {
      // gunicorn binds 0.0.0.0:$PORT by itself when PORT is set, which Berth always does.
      start = { kind: 'argv', argv: ['gunicorn', module], source: `gunicorn serving ${module}` };
    } else if (server === 'gunicorn+uvicorn' && module) {
      start = {
        kind: 'argv',
        argv: ['gunicorn', '--worker-class', 'uvicorn.workers.UvicornWorker', module],
        source: `gunicorn with uvicorn workers serving ${module}`,
      };
    } else if (server === 'uvicorn' && module) {
      start = { kind: 'shell', script: UVICORN_SCRIPT, source: `uvicorn serving ${module}` };
    } else {
      for (const file of ['app.py', 'main.py']) {
        if (await tree.isFile(file)) {
          start = { kind: 'argv', argv: ['python', file], source: file };
          break;
        }
      }
    }
    return {
      found: [requirements !== undefined ? 'requirements.txt' : 'pyproject.toml', ...(server ? [server] : [])],
      facts: {
        installer: requirements !== undefined ? 'requirements' : 'pyproject',
        server,
        asgiApp: server === 'uvicorn' ? module : null,
      },
      start,
      missingStart: server
        ? `${server} is a dependency but no app module was found (wsgi.py, app.py or main.py); add a Procfile with a web: line`
        : 'there is no app.py or main.py to run; add one or a Procfile with a web: line',
    };
  },
};
