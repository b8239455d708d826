/**
 * `berth vars` (list) | `vars set K=V …` | `vars unset K …` | `vars import FILE`: the linked service's
 * variables. Values of secret variables are never printed (list shows "(secret)"). set/unset/import read
 * the variables, change them and write them back whole (PUT); a plain value keeps its stored secret flag,
 * `--secret` marks the values set now as secret. Changes apply at the next deploy (`berth up`).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCommand, usageError } from './arguments.js';
import { connectLinked, type ClientContext } from './client-context.js';
import { parseDotenv } from './dotenv-file.js';
import { EXIT, type ExitCode } from './exit-codes.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * The server treats these names as secret whatever their flag (src/projects/variables.secrets.ts, the same
 * pattern): *_KEY, *_SECRET, *_TOKEN, anything with PASSWORD or SECRET in it.
 */
const SECRET_NAME = /(^|_)(KEY|SECRET|TOKEN)$|PASSWORD|SECRET|PASSWD/i;
type KeyInfo = { key: string; secret: boolean; updatedAt: string };

export async function varsCommand(ctx: ClientContext, args: string[]): Promise<ExitCode> {
  const { positionals, values } = parseCommand('vars', args, { secret: { type: 'boolean' } }, 1000);
  const [action = 'list', ...rest] = positionals;
  const changes: Record<string, string> = {};
  const removals: string[] = [];
  if (action === 'set') {
    if (rest.length === 0) throw usageError('vars set: give KEY=value pairs');
    for (const pair of rest) {
      const eq = pair.indexOf('=');
      const key = eq > 0 ? pair.slice(0, eq) : '';
      if (!KEY.test(key)) throw usageError(`vars set: "${pair}" is not KEY=value`);
      changes[key] = pair.slice(eq + 1);
    }
  } else if (action === 'unset') {
    if (rest.length === 0 || rest.some((key) => !KEY.test(key))) throw usageError('vars unset: give variable names');
    removals.push(...rest);
  } else if (action === 'import') {
    if (rest.length !== 1) throw usageError('vars import: give one .env file');
    const file = resolve(ctx.settings.cwd, rest[0]!);
    const text = await readFile(file, 'utf8').catch(() => {
      throw usageError(`vars import: cannot read ${file}`);
    });
    Object.assign(changes, parseDotenv(text, rest[0]!));
  } else if (action !== 'list' || rest.length > 0) {
    throw usageError('usage: berth vars [list] | vars set K=V … [--secret] | vars unset K … | vars import FILE');
  }

  const { api, link } = await connectLinked(ctx);
  const path = `/services/${link.serviceId}/variables`;
  if (action === 'list') {
    const keys = (await api.get<KeyInfo[]>(`${path}/keys`)).map((k) => ({
      ...k,
      secret: k.secret || SECRET_NAME.test(k.key),
    }));
    const plain = keys.some((k) => !k.secret) ? await api.get<Record<string, string>>(path) : {};
    for (const k of keys) ctx.out.say(`${k.key}=${k.secret ? '(secret)' : (plain[k.key] ?? '')}`);
    ctx.out.json(
      Object.fromEntries(
        keys.map((k) => [k.key, k.secret ? { secret: true } : { secret: false, value: plain[k.key] ?? '' }]),
      ),
    );
    return EXIT.ok;
  }
  const current = await api.get<Record<string, string>>(path);
  const next: Record<string, string | { value: string; secret: boolean }> = { ...current };
  for (const [key, value] of Object.entries(changes)) next[key] = values.secret ? { value, secret: true } : value;
  const missing = removals.filter((key) => !(key in current));
  for (const key of removals) delete next[key];
  const stored = await api.json<Record<string, string>>('PUT', path, next);
  for (const key of missing) ctx.out.warn(`${key} was not set`);
  const changed = [...Object.keys(changes), ...removals.filter((key) => !missing.includes(key))];
  ctx.out.say(
    `${action === 'unset' ? 'Removed' : 'Set'} ${changed.join(', ') || 'nothing'} on ${link.project}/${link.service}; they apply at the next deploy (berth up).`,
  );
  ctx.out.json({ changed, keys: Object.keys(stored).sort() });
  return EXIT.ok;
}
