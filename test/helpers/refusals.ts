/** Asserts that a request was refused as bad input: 400 BAD_REQUEST (malformed) or 422 VALIDATION_FAILED (invalid value). */
import assert from 'node:assert/strict';

export function assertBadInput(res: { statusCode: number; body: string }, label = ''): void {
  const expected: Record<number, string> = { 400: 'BAD_REQUEST', 422: 'VALIDATION_FAILED' };
  assert.ok(res.statusCode in expected, `${label} → ${res.statusCode} ${res.body.slice(0, 200)}`);
  if (res.body.startsWith('{')) {
    const body = JSON.parse(res.body) as { error: { code: string } };
    assert.equal(body.error.code, expected[res.statusCode], label);
  }
}
