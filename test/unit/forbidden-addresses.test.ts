// The SSRF address policy: which IP addresses a source may point at, by default and with private
// sources allowed. Pure classification: nothing here resolves or connects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isForbiddenAddress } from '../../src/source/source-validation.js';

describe('isForbiddenAddress', () => {
  it('classifies addresses for both policies', () => {
    // [address, forbidden by default, forbidden with private sources allowed]
    const table: [string, boolean, boolean][] = [
      ['8.8.8.8', false, false],
      ['140.82.112.3', false, false],
      ['172.32.0.1', false, false],
      ['127.0.0.1', true, false],
      ['127.8.9.10', true, false],
      ['10.1.2.3', true, false],
      ['172.31.255.255', true, false],
      ['192.168.0.1', true, false],
      ['100.64.0.1', true, false],
      ['169.254.169.254', true, true],
      ['169.254.0.1', true, true],
      ['100.100.100.200', true, true],
      ['0.0.0.0', true, true],
      ['0.1.2.3', true, true],
      ['224.0.0.1', true, true],
      ['240.0.0.1', true, true],
      ['255.255.255.255', true, true],
      ['::1', true, false],
      ['[::1]', true, false],
      ['::', true, true],
      ['fe80::1', true, true],
      ['fe80::1%eth0', true, true],
      ['febf::1', true, true],
      ['fc00::1', true, false],
      ['fd00:ec2::254', true, true],
      ['ff02::1', true, true],
      ['::ffff:169.254.169.254', true, true],
      ['::ffff:a9fe:a9fe', true, true],
      ['::ffff:127.0.0.1', true, false],
      ['::ffff:10.0.0.1', true, false],
      ['::ffff:8.8.8.8', false, false],
      ['::169.254.169.254', true, true],
      ['64:ff9b::a9fe:a9fe', true, true],
      ['64:ff9b::808:808', false, false],
      ['2002:a9fe:a9fe::1', true, true],
      ['2002:808:808::1', false, false],
      ['2001:db8::1', true, true],
      ['2606:4700::1111', false, false],
      ['not-an-ip', true, true],
      ['0x7f.1', true, true],
      ['2852039166', true, true],
      ['', true, true],
    ];
    for (const [ip, strict, lenient] of table) {
      assert.equal(isForbiddenAddress(ip, false), strict, `${ip} (default)`);
      assert.equal(isForbiddenAddress(ip, true), lenient, `${ip} (private allowed)`);
    }
  });
});
