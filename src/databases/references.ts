/**
 * The databases side of variable references (src/projects/variable-references.ts): `${{<database>.<VAR>}}`
 * in an app's variables is one of the database's connection variables, built from its sealed credentials.
 */
import type { SecretBox } from '../lib/secret-box.js';
import type { ReferenceSource } from '../projects/variable-references.js';
import { connectionVariables, openCredentials } from './credentials.js';
import type { DatabaseCluster } from './database-cluster.js';
import { findDatabaseByName } from './databases.repository.js';

/** `cluster`: databases run there, and apps reach each one at its Service's cluster IP. */
export function databaseReferences(secretBox: SecretBox, cluster?: Pick<DatabaseCluster, 'host'>): ReferenceSource {
  return {
    async offeredVariables(db, environmentId, name) {
      const database = await findDatabaseByName(db, environmentId, name);
      if (!database) return undefined;
      const host = await cluster?.host(database);
      return connectionVariables(database, await openCredentials(db, secretBox, database.id), host);
    },
  };
}
