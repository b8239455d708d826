/** Values Berth puts into Kubernetes labels that come from elsewhere (the install id). Pure. */

// A label value: at most 63 characters, alphanumeric at both ends, `-`, `_` and `.` between.
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * The install id as a label value. Install ids are 12 random bytes in base64url (src/data-dir.ts), so about one in
 * sixteen starts or ends with `-` or `_`, which Kubernetes refuses in a label value (a whole namespace
 * then fails to apply). Those become `h` + the id's bytes in hex, cut to 63: stable for the install, and
 * the same on every object, so it still tells one install's objects from another's.
 */
export function installLabelValue(installId: string): string {
  if (LABEL_VALUE.test(installId)) return installId;
  return `h${Buffer.from(installId, 'utf8').toString('hex')}`.slice(0, 63);
}
