/** MariaDB (official mariadb image): the mariadb-* tool names, which 11.x keeps and 10.5+ already has. */
import { mysqlFamily } from './mysql-family.js';

export const mariadb = mysqlFamily(
  'mariadb',
  { client: 'mariadb', dump: 'mariadb-dump', admin: 'mariadb-admin' },
  'mariadb:11',
  ['11', '10.11', '10.6'],
);
