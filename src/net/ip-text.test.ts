import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6 } from './ip-text.js';

const v6 = (hex: string) => formatIPv6(Buffer.from(hex.replaceAll(' ', ''), 'hex'));

// Expected text as glibc's inet_ntop(AF_INET6) printed it on this machine (Debian 12, glibc 2.36).
describe('IPv6 text as inet_ntop prints it', () => {
  it.each([
    ['0000 0000 0000 0000 0000 0000 c000 0201', '::192.0.2.1'],
    ['0000 0000 0000 0000 0000 ffff c000 0201', '::ffff:192.0.2.1'],
    ['0000 0000 0000 0000 0000 0000 0000 0002', '::2'],
    ['0000 0000 0000 0000 0000 0000 0000 0101', '::101'],
    ['0000 0000 0000 0000 0000 0000 0000 0001', '::1'],
    ['0000 0000 0000 0000 0000 0000 0000 0000', '::'],
    ['2001 0db8 0000 0000 0000 0000 0000 0001', '2001:db8::1'],
    ['2001 0db8 0000 0001 0000 0000 0000 0001', '2001:db8:0:1::1'],
    ['2001 0db8 0000 0000 0001 0000 0000 0001', '2001:db8::1:0:0:1'],
    ['2001 0db8 0001 0001 0001 0001 0001 0000', '2001:db8:1:1:1:1:1:0'],
    ['fe80 0000 0000 0000 0200 00ff fe00 0101', 'fe80::200:ff:fe00:101'],
    ['ff02 0000 0000 0000 0000 0000 0000 0012', 'ff02::12'],
    ['0000 0000 0000 0000 0001 0000 c000 0201', '::1:0:c000:201'],
  ])('%s → %s', (hex, text) => {
    expect(v6(hex)).toBe(text);
  });

  it('reads from an offset', () => {
    expect(formatIPv6(Buffer.from(`00${'0'.repeat(24)}c0000201`, 'hex'), 1)).toBe('::192.0.2.1');
    expect(formatIPv4(Uint8Array.from([9, 192, 0, 2, 1]), 1)).toBe('192.0.2.1');
  });
});
