/**
 * The databases side of variable references (src/projects/variable-references.ts): `${{<database>.<VAR>}}`
 * in an app's variables is one of the database's connection variables, built from its sealed credentials.
 */
import type { SecretBox } from '../lib/secret-box.js';
import type { ReferenceSource } from '../projects/variable-references.js';
import { connectionVariables, openCredentials } from './credentials.js';
import { findDatabaseByName } from './databases.repository.js';

export function databaseReferences(secretBox: SecretBox): ReferenceSource {
  return {
    async offeredVariables(db, environmentId, name) {
      const database = await findDatabaseByName(db, environmentId, name);
      if (!database) return undefined;
      return connectionVariables(database, await openCredentials(db, secretBox, database.id));
    },
  };
}
