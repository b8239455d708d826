/** The ACME account key: created once, kept in the data dir's secrets (0600), reused for every order. */
import { chmod, readFile, writeFile } from 'node:fs/promises';

let pending: Promise<string> | undefined;

export function readOrCreateKeyFile(file: string, create: () => Promise<string>): Promise<string> {
  pending ??= (async () => {
    try {
      return await readFile(file, 'utf8');
    } catch {
      const key = await create();
      // 'wx': never overwrite a key another process wrote meanwhile.
      await writeFile(file, key, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
      await chmod(file, 0o600);
      return readFile(file, 'utf8');
    }
  })();
  const result = pending;
  result.catch(() => (pending = undefined));
  return result;
}
