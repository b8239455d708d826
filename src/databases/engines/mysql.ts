/** MySQL (official mysql image). Tests run it on the MariaDB stand-in image: same contract, same tools. */
import { mysqlFamily } from './mysql-family.js';

export const mysql = mysqlFamily('mysql', { client: 'mysql', dump: 'mysqldump', admin: 'mysqladmin' }, 'mysql:8.4', [
  '8.4',
  '8.0',
]);
