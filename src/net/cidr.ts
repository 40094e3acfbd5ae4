import { isIPv4, isIPv6 } from 'node:net';

/** An interface address with its prefix, e.g. 10.5.247.2/24 or 2001:db8::1/64. */
export interface Cidr {
  family: 4 | 6;
  address: string;
  prefix: number;
  /** The address as a big integer, for containment checks. */
  value: bigint;
}

function v4ToBigInt(a: string): bigint {
  return a.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBigInt(a: string): bigint {
  let text = a;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4?.[1]) {
    const n = v4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].reduce((acc, h) => (acc << 16n) | BigInt(Number.parseInt(h, 16)), 0n);
}

/** Parses "ADDR/PREFIX" (or a bare address, taken as a host route). Returns undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  // A zone id (fe80::1%eth0) names an interface, not an address: never part of a lab address.
  if (extra !== undefined || address.includes('%')) return undefined;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (!family) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  const value = family === 4 ? v4ToBigInt(address) : v6ToBigInt(address);
  return { family, address, prefix, value };
}

export function parseAddress(text: string): Cidr | undefined {
  return text.includes('/') ? undefined : parseCidr(text);
}

/** True when `addr` lies inside the subnet of `net` (same family, same network bits). */
export function subnetContains(net: Cidr, addr: Cidr): boolean {
  if (net.family !== addr.family) return false;
  const bits = BigInt(net.family === 4 ? 32 : 128);
  const shift = bits - BigInt(net.prefix);
  return net.value >> shift === addr.value >> shift;
}

export function sameAddress(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.value === b.value;
}
