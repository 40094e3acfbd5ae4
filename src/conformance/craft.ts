/**
 * Whole Ethernet frames carrying a VRRP message, with every field settable, wrong values included: what
 * the conformance tester sends. The VRRP message comes from the shared codec (src/vrrp/packet.ts, whose
 * encoder writes whatever fits a field); this file adds the IP and Ethernet headers and the mutations
 * that live outside the message (TTL, source address, length, padding). A frame meant to hold a valid
 * checksum is summed again by the judges' own routine (./wire.ts): a codec checksum bug shared by
 * tsvrrpd's receiver and the tester would otherwise make a bad frame look good to both. Pure.
 */
import { parseMac } from '../capture/decode/ethernet.js';
import {
  type EncodeInput,
  type EncodeOptions,
  encodeVrrp,
  VRRP_MULTICAST_V4,
  VRRP_MULTICAST_V6,
  VRRP_PROTOCOL,
  VRRP_TTL,
} from '../vrrp/packet.js';
import { addressBytes, checksumOf, rfcVirtualRouterMac } from './wire.js';

export interface CraftSpec {
  family: 4 | 6;
  advert: EncodeInput;
  /** checksum form or a wrong checksum, version nibble override */
  encode?: EncodeOptions;
  /** IPv4 address / IPv6 (link-local) address the packet claims to come from */
  srcIp: string;
  /** default 224.0.0.18 / ff02::12 */
  dstIp?: string;
  /** default the virtual router MAC of the VRID (RFC 5798 §7.3) */
  srcMac?: string;
  /** default the group's multicast MAC (01:00:5e:00:00:12 / 33:33:00:00:00:12) */
  dstMac?: string;
  /** IPv4 TTL / IPv6 hop limit, default 255 */
  ttl?: number;
  /** the pseudo-header's source (v3 checksum) when it must differ from `srcIp`; default srcIp */
  checksumSrc?: string;
  /** cut this many octets off the end of the VRRP message (IP lengths follow: a truncated packet) */
  truncate?: number;
  /** octets after the IP datagram (Ethernet padding, not counted by the IP length) */
  padding?: number;
}

/** RFC 5798 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6. */
export const virtualMac = rfcVirtualRouterMac;

function groupMac(family: 4 | 6): string {
  return family === 4 ? '01:00:5e:00:00:12' : '33:33:00:00:00:12';
}

function ipBytes(text: string, family: 4 | 6): Uint8Array {
  const b = addressBytes(text);
  if (b.length !== (family === 4 ? 4 : 16)) throw new RangeError(`${text} is not an IPv${family} address`);
  return b;
}

function ipv4HeaderChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

let ipId = 0;

export function craftFrame(spec: CraftSpec): Buffer {
  const { family } = spec;
  const dstIp = spec.dstIp ?? (family === 4 ? VRRP_MULTICAST_V4 : VRRP_MULTICAST_V6);
  const full = encodeVrrp(
    spec.advert,
    { family, src: spec.checksumSrc ?? spec.srcIp, dst: dstIp },
    spec.encode,
  );
  if (spec.encode?.checksum === undefined && spec.encode?.versionField === undefined) {
    const want = spec.advert.version === 2 ? 'v2' : (spec.encode?.checksumForm ?? 'pseudo');
    const got = checksumOf(full, family, spec.checksumSrc ?? spec.srcIp, dstIp);
    if (got !== want)
      throw new Error(`the tester's frame should hold a ${want} checksum, the judge sums it as ${got}`);
  }
  const message = spec.truncate ? full.subarray(0, Math.max(0, full.length - spec.truncate)) : full;
  const ttl = spec.ttl ?? VRRP_TTL;
  let ip: Buffer;
  if (family === 4) {
    ip = Buffer.alloc(20 + message.length);
    ip[0] = 0x45;
    ip[1] = 0xc0; // precedence "internetwork control", as VRRP speakers send
    ip.writeUInt16BE(ip.length, 2);
    ipId = (ipId + 1) & 0xffff;
    ip.writeUInt16BE(ipId, 4);
    ip[8] = ttl;
    ip[9] = VRRP_PROTOCOL;
    ip.set(ipBytes(spec.srcIp, 4), 12);
    ip.set(ipBytes(dstIp, 4), 16);
    ip.writeUInt16BE(ipv4HeaderChecksum(ip.subarray(0, 20)), 10);
    message.copy(ip, 20);
  } else {
    ip = Buffer.alloc(40 + message.length);
    ip.writeUInt32BE(0x6c000000, 0); // version 6, traffic class 0xc0
    ip.writeUInt16BE(message.length, 4);
    ip[6] = VRRP_PROTOCOL;
    ip[7] = ttl;
    ip.set(ipBytes(spec.srcIp, 6), 8);
    ip.set(ipBytes(dstIp, 6), 24);
    message.copy(ip, 40);
  }
  const frame = Buffer.alloc(14 + ip.length + (spec.padding ?? 0));
  parseMac(spec.dstMac ?? groupMac(family)).copy(frame, 0);
  parseMac(spec.srcMac ?? virtualMac(spec.advert.vrid, family)).copy(frame, 6);
  frame.writeUInt16BE(family === 4 ? 0x0800 : 0x86dd, 12);
  ip.copy(frame, 14);
  return frame;
}

/** An ARP request "who has `target`? tell `senderIp`" from `senderMac`, broadcast: asks who holds a VIP. */
export function arpRequest(senderMac: string, senderIp: string, target: string): Buffer {
  const f = Buffer.alloc(42);
  Buffer.from('ffffffffffff', 'hex').copy(f, 0);
  parseMac(senderMac).copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14);
  f.writeUInt16BE(0x0800, 16);
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20);
  parseMac(senderMac).copy(f, 22);
  f.set(ipBytes(senderIp, 4), 28);
  f.set(ipBytes(target, 4), 38);
  return f;
}

/**
 * An ICMPv6 Neighbor Solicitation for `target` from `srcIp`/`srcMac` to the target's solicited-node
 * group, with the source link-layer address option: asks who holds an IPv6 VIP.
 */
export function neighborSolicitation(srcMac: string, srcIp: string, target: string): Buffer {
  const t = ipBytes(target, 6);
  const group = Buffer.from([
    0xff,
    0x02,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    0xff,
    t[13] ?? 0,
    t[14] ?? 0,
    t[15] ?? 0,
  ]);
  const f = Buffer.alloc(14 + 40 + 32);
  Buffer.from([0x33, 0x33, 0xff, t[13] ?? 0, t[14] ?? 0, t[15] ?? 0]).copy(f, 0);
  parseMac(srcMac).copy(f, 6);
  f.writeUInt16BE(0x86dd, 12);
  f.writeUInt32BE(0x60000000, 14);
  f.writeUInt16BE(32, 18);
  f[20] = 58;
  f[21] = 255;
  f.set(ipBytes(srcIp, 6), 22);
  f.set(group, 38);
  const icmp = 54;
  f[icmp] = 135;
  f.set(t, icmp + 8);
  f[icmp + 24] = 1; // source link-layer address
  f[icmp + 25] = 1;
  parseMac(srcMac).copy(f, icmp + 26);
  let sum = 0;
  const add = (b: Uint8Array) => {
    for (let i = 0; i < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  };
  add(f.subarray(22, 38));
  add(group);
  sum += 32 + 58;
  add(f.subarray(icmp));
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f.writeUInt16BE(~sum & 0xffff, icmp + 2);
  return f;
}
