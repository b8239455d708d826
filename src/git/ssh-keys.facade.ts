/** A user's SSH keys for git push, as the HTTP layer manages them. */
import type { Db } from '../db/connection.js';
import { bindFirst } from '../lib/bind-first.js';
import { addSshKey, deleteSshKey, listSshKeys } from './ssh-keys.js';

export function createSshKeysFacade(db: Db) {
  return { list: bindFirst(db, listSshKeys), add: bindFirst(db, addSshKey), remove: bindFirst(db, deleteSshKey) };
}

export type SshKeysFacade = ReturnType<typeof createSshKeysFacade>;
