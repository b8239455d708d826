/** Test helpers for two-factor logins: codes computed from the enrolled secret, as an authenticator app would. */
import { Secret, TOTP } from 'otpauth';
import type { InjectClient } from './inject-client.js';
import { csrfTokenOf } from './inject-client.js';

/** The 6-digit code of `secret` at `at` (ms). */
export function codeAt(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });
}

/** Enrols the signed-in client: starts, reads the secret off the page, confirms with a code. */
export async function enrol(client: InjectClient): Promise<{ secret: string; recoveryCodes: string[] }> {
  const start = await client.postForm('/account/two-factor/start', { _csrf: await client.csrfFrom('/account') });
  const secret = /id="two-factor-secret">([A-Z2-7]+)</.exec(start.body)?.[1];
  if (!secret) throw new Error(`no secret on the page:\n${start.body.slice(0, 800)}`);
  const confirm = await client.postForm('/account/two-factor/confirm', {
    _csrf: csrfTokenOf(start.body),
    code: codeAt(secret, Date.now()),
  });
  if (confirm.statusCode !== 200) throw new Error(`enrolment failed: ${confirm.statusCode}`);
  const recoveryCodes = [...confirm.body.matchAll(/<code class="recovery-code">([a-z0-9-]+)<\/code>/g)].map(
    (m) => m[1]!,
  );
  return { secret, recoveryCodes };
}

/** Email and password on the login form; returns the response (303 to /login/two-factor when a code is due). */
export async function passwordStep(client: InjectClient, account: { email: string; password: string }) {
  return client.postForm('/login', { _csrf: await client.csrfFrom('/login'), ...account });
}

export async function codeStep(client: InjectClient, code: string) {
  return client.postForm('/login/two-factor', { _csrf: await client.csrfFrom('/login/two-factor'), code });
}
