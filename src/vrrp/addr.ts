/**
 * Pure IPv4/IPv6 text <-> bytes helpers for the VRRP codec: no I/O, no `node:` imports.
 *
 * Parsing is strict (what `net.isIPv4`/`net.isIPv6` accept, without zone ids): dotted-quad octets have no
 * leading zeros, hextets are 1-4 hex digits, `::` stands for at least one zero group, an IPv4 tail is
 * allowed in the last 32 bits. Formatting follows RFC 5952: lower case, no leading zeros, the longest
 * run of two or more zero groups (the first one on a tie) becomes `::`, and IPv4-mapped addresses
 * (::ffff:0:0/96) are written with a dotted tail (§5), as glibc's inet_ntop and tcpdump do.
 */

import { formatIPv4, formatIPv6 } from '../net/ip-text.js';

export type IpFamily = 4 | 6;

export interface IpBytes {
  family: IpFamily;
  /** 4 octets for IPv4, 16 for IPv6 */
  bytes: Uint8Array;
}

const V4_OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Parses dotted-quad IPv4 text into 4 octets; undefined when it is not exactly that. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    if (!V4_OCTET.test(part)) return undefined;
    out[i] = Number(part);
  }
  return out;
}

/** Parses IPv6 text (RFC 4291 §2.2 forms) into 16 octets; undefined when invalid or carrying a zone id. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let body = text;
  let tail: Uint8Array | undefined;
  const lastColon = body.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (body.includes('.', lastColon)) {
    tail = parseIPv4(body.slice(lastColon + 1));
    if (!tail) return undefined;
    // Keep the colon(s) in front of the tail: "::1.2.3.4" leaves "::", "a::1.2.3.4" leaves "a::".
    body = body.slice(0, lastColon + 1);
    if (body.endsWith('::')) {
      // nothing to trim: "::" is the compression marker itself
    } else if (body.endsWith(':')) {
      body = body.slice(0, -1);
    }
  }
  const groupsWanted = tail ? 6 : 8;
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!HEXTET.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const left = parseGroups(halves[0] ?? '');
    const right = parseGroups(halves[1] ?? '');
    if (!left || !right) return undefined;
    const fill = groupsWanted - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    if (body === '') return undefined;
    const all = parseGroups(body);
    if (!all || all.length !== groupsWanted) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/** Parses an address of either family (or only of `family` when given). */
export function parseIp(text: string, family?: IpFamily): IpBytes | undefined {
  if (family !== 6) {
    const v4 = parseIPv4(text);
    if (v4) return { family: 4, bytes: v4 };
  }
  if (family !== 4) {
    const v6 = parseIPv6(text);
    if (v6) return { family: 6, bytes: v6 };
  }
  return undefined;
}

/** The one address formatter (src/net/ip-text.ts: RFC 5952 as inet_ntop prints it). */
export { formatIPv4, formatIPv6 };

export function formatIp(ip: IpBytes): string {
  return ip.family === 4 ? formatIPv4(ip.bytes) : formatIPv6(ip.bytes);
}

/** The canonical text of an address (RFC 5952 for IPv6), or undefined when it does not parse. */
export function canonicalIp(text: string, family?: IpFamily): string | undefined {
  const ip = parseIp(text, family);
  return ip ? formatIp(ip) : undefined;
}
