/** The only importer of bcrypt. */
import bcrypt from 'bcrypt';

const COST = 12;
/** A real hash of a random string: comparing against it when the account does not exist keeps timing flat. */
const DUMMY_HASH = bcrypt.hashSync('berth-no-such-user', COST);

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  return bcrypt.compare(password, hash ?? DUMMY_HASH);
}
