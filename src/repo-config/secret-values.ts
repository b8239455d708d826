/**
 * berth.json is committed to a repository, so it may hold references and plain configuration but never a
 * secret value. A variable whose name says it is a secret (…SECRET…, …PASSWORD…, …TOKEN…, …KEY…) must take
 * its value from a `${{service.VAR}}` reference; a URL with a password in it is refused under any name.
 */
import { findReferences } from '../projects/variable-references.js';

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|KEY/i;
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

export interface SecretProblem {
  key: string;
  message: string;
}

export function secretProblems(variables: Record<string, string>): SecretProblem[] {
  const problems: SecretProblem[] = [];
  for (const [key, value] of Object.entries(variables)) {
    const isReference = findReferences(value).length > 0;
    if (SECRET_NAME.test(key) && !isReference) {
      problems.push({
        key,
        message:
          'looks like a secret and has a literal value: berth.json is committed with your code, so it may not ' +
          'hold secrets. Set the value as a variable in the panel or API, or reference one with ${{service.VAR}}',
      });
    } else if (!isReference && URL_WITH_PASSWORD.test(value)) {
      problems.push({
        key,
        message:
          'is a URL with a password in it: berth.json may not hold secrets. Reference it with ${{service.VAR}} ' +
          'or set it in the panel or API',
      });
    }
  }
  return problems;
}
