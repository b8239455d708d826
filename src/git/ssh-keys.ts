/**
 * Users' SSH public keys for the built-in SSH remote: added with a name (the key line as `ssh-keygen`
 * writes it), listed with their fingerprint, deleted. A key belongs to one user and to one Berth only
 * (fingerprints are unique), so the key alone says who is pushing.
 */
import type { Db } from '../db/connection.js';
import { AppError } from '../errors.js';
import { newId, nowIso } from '../lib/ids.js';
import { findUserById, type User } from '../auth/users.repository.js';
import { isUniqueViolation } from '../projects/projects.repository.js';
import {
  deleteSshKeyRow,
  findSshKeyByFingerprint,
  insertSshKey,
  listSshKeyRows,
  touchSshKey,
} from './ssh-keys.repository.js';
import { parsePublicKey, type SshKeyLookup } from './ssh-server.js';
import { authorize } from '../auth/access.service.js';
import { gitPermission } from './git-remote.js';

export interface SshKey {
  id: string;
  name: string;
  algorithm: string;
  fingerprint: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

export async function listSshKeys(db: Db, userId: string): Promise<SshKey[]> {
  const rows = await listSshKeyRows(db, userId);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    algorithm: r.algorithm,
    fingerprint: r.fingerprint,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
  }));
}

export async function addSshKey(db: Db, userId: string, rawName: unknown, rawKey: unknown): Promise<SshKey> {
  const name = typeof rawName === 'string' ? rawName.trim() : '';
  if (!KEY_NAME.test(name)) {
    throw new AppError('VALIDATION_FAILED', 'Name the key with 1 to 64 letters, digits, spaces and . _ @ -', {
      details: { name: 'invalid' },
    });
  }
  const parsed = typeof rawKey === 'string' ? parsePublicKey(rawKey) : undefined;
  if (!parsed) {
    throw new AppError(
      'VALIDATION_FAILED',
      'Paste one public key line, e.g. the contents of ~/.ssh/id_ed25519.pub (ed25519, ECDSA or RSA; never the private key).',
      { details: { publicKey: 'invalid' } },
    );
  }
  const id = newId('key');
  try {
    await insertSshKey(db, {
      id,
      user_id: userId,
      name,
      algorithm: parsed.algorithm,
      public_key: parsed.publicKey,
      fingerprint: parsed.fingerprint,
      created_at: nowIso(),
      last_used_at: null,
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('CONFLICT', 'This key is already added to Berth.', {
        details: { publicKey: 'taken' },
      });
    throw error;
  }
  return (await listSshKeys(db, userId)).find((k) => k.id === id)!;
}

export async function deleteSshKey(db: Db, userId: string, id: string): Promise<void> {
  if (!(await deleteSshKeyRow(db, userId, id))) throw new AppError('NOT_FOUND', 'No such SSH key.');
}

export function sshKeyLookup(db: Db): SshKeyLookup {
  return {
    async findByFingerprint(fingerprint) {
      const row = await findSshKeyByFingerprint(db, fingerprint);
      if (!row) return undefined;
      const user: User | undefined = await findUserById(db, row.user_id);
      return user ? { user, publicKey: row.public_key, keyId: row.id } : undefined;
    },
    async touch(keyId) {
      await touchSshKey(db, keyId, nowIso());
    },
    async authorize(user, projectName, verb) {
      // A key acts with its user's whole account (no token narrows it); push is a write.
      const method = verb === 'receive-pack' ? 'POST' : 'GET';
      return (
        await authorize(db, { user }, { permission: gitPermission(verb), source: 'git', id: projectName, method })
      ).decision;
    },
  };
}
