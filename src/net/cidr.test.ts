import { describe, expect, it } from 'vitest';
import { type Cidr, parseAddress, parseCidr, sameAddress, subnetContains } from './cidr.js';

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  if (!c) throw new Error(`${text} does not parse`);
  return c;
};

describe('parseCidr: IPv4', () => {
  it('parses ADDRESS/PREFIX', () => {
    expect(parseCidr('10.5.247.2/24')).toEqual({
      family: 4,
      address: '10.5.247.2',
      prefix: 24,
      value: 0x0a05f702n,
    });
  });

  it('takes a bare address as a host route', () => {
    expect(parseCidr('203.0.113.140')).toEqual({
      family: 4,
      address: '203.0.113.140',
      prefix: 32,
      value: 0xcb00718cn,
    });
  });

  it('accepts the edge prefixes and addresses', () => {
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ prefix: 0, value: 0n });
    expect(parseCidr('255.255.255.255/32')).toMatchObject({ prefix: 32, value: 0xffffffffn });
  });

  it.each([
    ['1.2.3.4/33', 'prefix > 32'],
    ['1.2.3', 'three octets'],
    ['x/24', 'not an address'],
    ['1.2.3.256/24', 'octet > 255'],
    ['1.2.3.4/', 'empty prefix'],
    ['1.2.3.4/-1', 'negative prefix'],
    ['1.2.3.4/24/8', 'two prefixes'],
    ['1.2.3.4/2a', 'prefix not a number'],
    ['1.2.3.4/ 24', 'blank in prefix'],
    ['1.2.3.4/1000', 'four-digit prefix'],
    ['', 'empty'],
    ['/24', 'no address'],
  ])('rejects %j (%s)', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('parseCidr: IPv6', () => {
  it('parses ADDRESS/PREFIX', () => {
    expect(parseCidr('2001:db8::1/64')).toEqual({
      family: 6,
      address: '2001:db8::1',
      prefix: 64,
      value: 0x20010db8000000000000000000000001n,
    });
  });

  it('takes a bare address as /128', () => {
    expect(parseCidr('fe80::1')).toMatchObject({
      family: 6,
      prefix: 128,
      value: 0xfe800000000000000000000000000001n,
    });
  });

  it('expands :: wherever it stands', () => {
    expect(cidr('::').value).toBe(0n);
    expect(cidr('::/0').prefix).toBe(0);
    expect(cidr('::1').value).toBe(1n);
    expect(cidr('1::').value).toBe(1n << 112n);
    expect(cidr('1:2::7:8').value).toBe(0x00010002000000000000000000070008n);
    expect(cidr('1:2:3:4:5:6:7:8').value).toBe(0x00010002000300040005000600070008n);
    expect(cidr('FFFF::').value).toBe(0xffffn << 112n);
  });

  it('reads an embedded IPv4 tail as the last 32 bits', () => {
    expect(cidr('::ffff:192.0.2.1').value).toBe(0xffffc0000201n);
    expect(cidr('64:ff9b::203.0.113.5/96').value).toBe(0x0064ff9b0000000000000000cb007105n);
    expect(cidr('::1.2.3.4').value).toBe(0x01020304n);
    expect(cidr('1:2:3:4:5:6:1.2.3.4').value).toBe(0x00010002000300040005000601020304n);
  });

  it.each([
    ['2001:db8::/129', 'prefix > 128'],
    ['2001:db8:::1/64', 'three colons'],
    ['1::2::3', 'two ::'],
    ['12345::/64', 'hextet too long'],
    ['g::1', 'not hex'],
    ['1:2:3:4:5:6:7:8:9', 'nine hextets'],
  ])('rejects %j (%s)', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('rejects an address with a zone id instead of throwing', () => {
    expect(parseCidr('fe80::%eth0/64')).toBeUndefined();
  });
});

describe('parseAddress', () => {
  it('accepts bare addresses only', () => {
    expect(parseAddress('10.0.0.1')).toMatchObject({ family: 4, prefix: 32 });
    expect(parseAddress('2001:db8::1')).toMatchObject({ family: 6, prefix: 128 });
    expect(parseAddress('10.0.0.1/24')).toBeUndefined();
    expect(parseAddress('web1')).toBeUndefined();
  });
});

describe('subnetContains', () => {
  it('checks IPv4 network bits', () => {
    const net = cidr('203.0.113.1/24');
    expect(subnetContains(net, cidr('203.0.113.140'))).toBe(true);
    expect(subnetContains(net, cidr('203.0.113.0'))).toBe(true);
    expect(subnetContains(net, cidr('203.0.113.255'))).toBe(true);
    expect(subnetContains(net, cidr('203.0.114.1'))).toBe(false);
    expect(subnetContains(net, cidr('10.5.247.10'))).toBe(false);
  });

  it('honours prefixes that do not end on an octet', () => {
    const net = cidr('10.0.0.5/30');
    expect(['10.0.0.4', '10.0.0.7'].map((a) => subnetContains(net, cidr(a)))).toEqual([true, true]);
    expect(['10.0.0.3', '10.0.0.8'].map((a) => subnetContains(net, cidr(a)))).toEqual([false, false]);
  });

  it('handles /0 and host prefixes', () => {
    expect(subnetContains(cidr('0.0.0.0/0'), cidr('198.51.100.7'))).toBe(true);
    expect(subnetContains(cidr('10.0.0.1/32'), cidr('10.0.0.1'))).toBe(true);
    expect(subnetContains(cidr('10.0.0.1/32'), cidr('10.0.0.2'))).toBe(false);
    expect(subnetContains(cidr('::/0'), cidr('2001:db8::1'))).toBe(true);
    expect(subnetContains(cidr('::1/128'), cidr('::1'))).toBe(true);
  });

  it('checks IPv6 network bits', () => {
    const net = cidr('2001:db8:0:1::1/64');
    expect(subnetContains(net, cidr('2001:db8:0:1:ffff:ffff:ffff:ffff'))).toBe(true);
    expect(subnetContains(net, cidr('2001:db8:0:2::1'))).toBe(false);
    expect(subnetContains(cidr('::ffff:0:0/96'), cidr('::ffff:192.0.2.1'))).toBe(true);
  });

  it('never mixes families', () => {
    expect(subnetContains(cidr('0.0.0.0/0'), cidr('::1'))).toBe(false);
    expect(subnetContains(cidr('::/0'), cidr('10.0.0.1'))).toBe(false);
    // ::ffff:10.0.0.1 is IPv6, even though its low 32 bits are 10.0.0.1.
    expect(subnetContains(cidr('10.0.0.0/8'), cidr('::ffff:10.0.0.1'))).toBe(false);
  });
});

describe('sameAddress', () => {
  it('compares family and value, not text or prefix', () => {
    expect(sameAddress(cidr('10.0.0.1/24'), cidr('10.0.0.1/25'))).toBe(true);
    expect(sameAddress(cidr('2001:db8::1/64'), cidr('2001:DB8:0:0::1'))).toBe(true);
    expect(sameAddress(cidr('::a00:1'), cidr('10.0.0.1'))).toBe(false);
    expect(sameAddress(cidr('10.0.0.1'), cidr('10.0.0.2'))).toBe(false);
  });
});
