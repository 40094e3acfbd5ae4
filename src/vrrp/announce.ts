/**
 * The frames a new master sends so that neighbours move the virtual addresses to it: gratuitous ARP
 * (IPv4, RFC 5798 §6.4.1 / RFC 826) and unsolicited Neighbor Advertisement (IPv6, RFC 4861 §7.2.6). Pure
 * builders of whole Ethernet frames, byte for byte what keepalived 2.2.7 sends (checked against its
 * frames in src/capture/fixtures).
 */
import { parseIPv4, parseIPv6 } from './addr.js';

const BROADCAST = Buffer.from('ffffffffffff', 'hex');
/** 33:33 + the low 32 bits of ff02::1 (RFC 2464 §7) */
const ALL_NODES_MAC = Buffer.from('333300000001', 'hex');
const ALL_NODES = parseIPv6('ff02::1') as Uint8Array;

/** RFC 5798 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6. */
export function virtualRouterMac(vrid: number, family: 4 | 6): string {
  return `00:00:5e:00:0${family === 4 ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

export function macBytes(mac: string): Buffer {
  const hex = mac.replaceAll(':', '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) throw new RangeError(`not a MAC address: ${mac}`);
  return Buffer.from(hex, 'hex');
}

function ipv4(text: string): Uint8Array {
  const b = parseIPv4(text);
  if (!b) throw new RangeError(`not an IPv4 address: ${text}`);
  return b;
}

function ipv6(text: string): Uint8Array {
  const b = parseIPv6(text);
  if (!b) throw new RangeError(`not an IPv6 address: ${text}`);
  return b;
}

/** ARP request "who-has VIP tell VIP" from `mac`, broadcast; target hardware address all ones as keepalived. */
export function gratuitousArp(mac: string, vip: string): Buffer {
  const src = macBytes(mac);
  const ip = ipv4(vip);
  const f = Buffer.alloc(42);
  BROADCAST.copy(f, 0);
  src.copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16); // IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  src.copy(f, 22);
  f.set(ip, 28);
  BROADCAST.copy(f, 32);
  f.set(ip, 38);
  return f;
}

export interface NaFlags {
  /** R: the sender is a router (default true, as keepalived) */
  router?: boolean;
  /** O: override existing cache entries (default true) */
  override?: boolean;
}

/**
 * Unsolicited NA for `vip` to all nodes, from the VIP itself, hop limit 255, with S clear (it answers no
 * solicitation) and the target link-layer address option carrying `mac`.
 */
export function unsolicitedNa(mac: string, vip: string, flags: NaFlags = {}): Buffer {
  const src = macBytes(mac);
  const target = ipv6(vip);
  const f = Buffer.alloc(14 + 40 + 32);
  ALL_NODES_MAC.copy(f, 0);
  src.copy(f, 6);
  f.writeUInt16BE(0x86dd, 12);
  // IPv6 header
  f.writeUInt32BE(0x60000000, 14);
  f.writeUInt16BE(32, 18);
  f[20] = 58; // ICMPv6
  f[21] = 255;
  f.set(target, 22);
  f.set(ALL_NODES, 38);
  // ICMPv6 NA
  const icmp = 54;
  f[icmp] = 136;
  f[icmp + 1] = 0;
  f[icmp + 4] = ((flags.router ?? true) ? 0x80 : 0) | ((flags.override ?? true) ? 0x20 : 0);
  f.set(target, icmp + 8);
  f[icmp + 24] = 2; // target link-layer address
  f[icmp + 25] = 1; // in units of 8 octets
  src.copy(f, icmp + 26);
  f.writeUInt16BE(icmpv6Checksum(f.subarray(22, 38), f.subarray(38, 54), f.subarray(icmp)), icmp + 2);
  return f;
}

function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, msg: Uint8Array): number {
  let sum = 0;
  const add = (b: Uint8Array) => {
    for (let i = 0; i < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  };
  add(src);
  add(dst);
  sum += msg.length + 58;
  add(msg);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
