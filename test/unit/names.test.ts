import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { checkName, RESERVED_NAMES } from '../../src/projects/names.js';

function codeOf(raw: unknown): string {
  try {
    checkName(raw, 'project');
    return 'OK';
  } catch (error) {
    assert.ok(isAppError(error));
    return error.code;
  }
}

describe('project, service and environment names', () => {
  const table: Array<[unknown, string]> = [
    ['shop', 'OK'],
    ['a', 'OK'],
    ['web-2', 'OK'],
    ['my-cool-app', 'OK'],
    ['a'.repeat(63), 'OK'],
    ['  shop  ', 'OK'],
    ['a'.repeat(64), 'VALIDATION_FAILED'],
    ['', 'VALIDATION_FAILED'],
    ['UPPER', 'VALIDATION_FAILED'],
    ['Shop', 'VALIDATION_FAILED'],
    ['2fast', 'VALIDATION_FAILED'],
    ['-web', 'VALIDATION_FAILED'],
    ['web-', 'VALIDATION_FAILED'],
    ['we--b', 'VALIDATION_FAILED'],
    ['web_app', 'VALIDATION_FAILED'],
    ['web.app', 'VALIDATION_FAILED'],
    ['; touch /tmp/x', 'VALIDATION_FAILED'],
    ['$(id)', 'VALIDATION_FAILED'],
    ['`id`', 'VALIDATION_FAILED'],
    ['--upload-pack=x', 'VALIDATION_FAILED'],
    ['../etc', 'VALIDATION_FAILED'],
    ['web\napp', 'VALIDATION_FAILED'],
    ['wéb', 'VALIDATION_FAILED'],
    [42, 'VALIDATION_FAILED'],
    [undefined, 'VALIDATION_FAILED'],
    ['berth', 'NAME_RESERVED'],
    ['admin', 'NAME_RESERVED'],
    ['api', 'NAME_RESERVED'],
    ['www', 'NAME_RESERVED'],
    ['localhost', 'NAME_RESERVED'],
    ['default', 'NAME_RESERVED'],
  ];
  for (const [raw, expected] of table) {
    it(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(codeOf(raw), expected));
  }

  it('every reserved name would otherwise be a valid name', () => {
    for (const name of RESERVED_NAMES) assert.match(name, /^[a-z][a-z0-9-]*[a-z0-9]$/);
  });

  it('says what is allowed', () => {
    assert.throws(
      () => checkName('UPPER', 'service'),
      (error: Error) => /service name/.test(error.message) && /lowercase letters/.test(error.message),
    );
    assert.throws(() => checkName('x'.repeat(70), 'project'), /70 characters long; the limit is 63/);
    assert.equal(checkName('  shop ', 'project'), 'shop');
  });
});
