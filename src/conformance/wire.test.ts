import { describe, expect, it } from 'vitest';
import { addressHex, checksumOf, internetChecksum, rfcVirtualRouterMac, wireFields } from './wire.js';

// Packets written out octet by octet from RFC 3768 §5.1 / RFC 5798 §5.1, checksums summed by hand
// (RFC 1071 one's complement, checked with a separate Python one-liner): literals, not encoder output.
const hex = (s: string) => Buffer.from(s.replaceAll(' ', ''), 'hex');

// v2, VRID 51, priority 100, 1 address, auth type 1, 1 s, checksum 0x7b73, 192.0.2.10, "secret".
const V2 = hex('21 33 64 01 01 01 7b73 c000020a 7365637265740000');
// v3 over IPv4, VRID 7, priority 100, 1 address, 100 cs, checksum 0x059d with the pseudo-header of
// 192.0.2.2 → 224.0.0.18, length 12; 192.0.2.100.
const V3_4 = hex('31 07 64 01 0064 059d c0000264');
// v3 over IPv6, VRID 7, priority 100, 10 cs, checksum 0x3e14 with fe80::2 → ff02::12, length 24.
const V3_6 = hex('31 07 64 01 000a 3e14 20010db8000000000000000000000100');

describe('RFC 5798 §7.3 virtual router MAC', () => {
  it('00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6, VRID in hex', () => {
    expect(rfcVirtualRouterMac(51, 4)).toBe('00:00:5e:00:01:33');
    expect(rfcVirtualRouterMac(255, 6)).toBe('00:00:5e:00:02:ff');
    expect(rfcVirtualRouterMac(1, 4)).toBe('00:00:5e:00:01:01');
  });
});

describe('checksums (RFC 1071, RFC 3768 §5.3.8, RFC 5798 §5.2.8)', () => {
  it('RFC 1071 §3 example: 0001 f203 f4f5 f6f7 sums to 0xddf2, checksum 0x220d', () => {
    expect(internetChecksum(hex('0001f203f4f5f6f7'))).toBe(0x220d);
  });
  it('v2 covers the message alone', () => {
    expect(checksumOf(V2, 4, '192.0.2.1', '224.0.0.18')).toBe('v2');
    const bad = Buffer.from(V2);
    bad.writeUInt8(bad.readUInt8(7) ^ 1, 7);
    expect(checksumOf(bad, 4, '192.0.2.1', '224.0.0.18')).toBe('bad');
  });
  it('v3 over IPv4 and IPv6 includes the pseudo-header', () => {
    expect(checksumOf(V3_4, 4, '192.0.2.2', '224.0.0.18')).toBe('pseudo');
    expect(checksumOf(V3_6, 6, 'fe80::2', 'ff02::12')).toBe('pseudo');
    // The same bytes from another source do not hold: the source is in the sum.
    expect(checksumOf(V3_4, 4, '192.0.2.3', '224.0.0.18')).toBe('bad');
    expect(checksumOf(V3_6, 6, 'fe80::3', 'ff02::12')).toBe('bad');
  });
  it('a v3 checksum over the message alone is told apart', () => {
    const m = Buffer.from(V3_4);
    m.writeUInt16BE(0, 6);
    m.writeUInt16BE(internetChecksum(m), 6);
    expect(checksumOf(m, 4, '192.0.2.2', '224.0.0.18')).toBe('message');
  });
});

describe('fixed header fields as octets', () => {
  it('v2: Adver Int in seconds, Auth Type, auth data', () => {
    expect(wireFields(V2, 4)).toEqual({
      version: 2,
      type: 1,
      vrid: 51,
      priority: 100,
      count: 1,
      authTypeOrReserved: 1,
      intervalMs: 1000,
      addresses: ['c000020a'],
      authData: 'secret',
    });
  });
  it('v3: 12-bit Max Adver Int in centiseconds, reserved bits', () => {
    expect(wireFields(V3_6, 6)).toMatchObject({
      version: 3,
      vrid: 7,
      intervalMs: 100,
      authTypeOrReserved: 0,
    });
    expect(wireFields(V3_6, 6).addresses).toEqual([addressHex('2001:db8::100')]);
    const r = Buffer.from(V3_4);
    r.writeUInt8(0xf0 | r.readUInt8(4), 4);
    expect(wireFields(r, 4)).toMatchObject({ authTypeOrReserved: 15, intervalMs: 1000 });
  });
  it('address text forms compare by octets', () => {
    expect(addressHex('::192.0.2.1')).toBe(addressHex('::c000:201'));
    expect(addressHex('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(addressHex('192.0.2.1')).toBe('c0000201');
    expect(() => addressHex('2001:db8::1::2')).toThrow(/not an IPv6/);
  });
});
