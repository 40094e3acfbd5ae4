import { formatIPv4 as formatIpv4, formatIPv6 as formatIpv6 } from '../../net/ip-text.js';
import type { Decoded } from './ethernet.js';

export const IP_PROTO = {
  HOPOPT: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  AH: 51,
  ICMPV6: 58,
  NO_NEXT: 59,
  DSTOPTS: 60,
  VRRP: 112,
} as const;

export interface IpFragment {
  /** Byte offset of this fragment in the original datagram. */
  offset: number;
  /** More fragments follow. */
  more: boolean;
  /** IPv4 identification (16 bits) or IPv6 fragment header identification (32 bits). */
  id: number;
}

export interface IpPacket {
  family: 4 | 6;
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** The upper-layer protocol: for IPv6, the Next Header after the extension headers. */
  proto: number;
  /** Upper-layer bytes, cut at the IP total/payload length (Ethernet padding removed). */
  payload: Buffer;
  /** Set when the header was read but the packet is damaged or cut short by the capture's snap length. */
  error?: string;
  /** Set when the packet is a fragment; upper layers are only decoded from the first one (offset 0). */
  fragment?: IpFragment;
}

export interface IpDecoded extends Decoded<IpPacket> {
  /** Upper-layer length as the IP header declares it (may exceed `payload.length` when snapped). */
  upperLen?: number;
}

/** The one address formatter (src/net/ip-text.ts: RFC 5952 as inet_ntop, tcpdump and tshark print it). */
export { formatIpv4, formatIpv6 };

export function decodeIpv4(buf: Buffer): IpDecoded {
  if (buf.length < 20) return { error: `ipv4: truncated header (${buf.length} of 20 bytes)` };
  const version = (buf[0] as number) >> 4;
  if (version !== 4) return { error: `ipv4: version field is ${version}` };
  const hlen = ((buf[0] as number) & 0x0f) * 4;
  if (hlen < 20) return { error: `ipv4: header length ${hlen} < 20` };
  if (buf.length < hlen) return { error: `ipv4: truncated options (${buf.length} of ${hlen} header bytes)` };
  const total = buf.readUInt16BE(2);
  const value: IpPacket = {
    family: 4,
    src: formatIpv4(buf, 12),
    dst: formatIpv4(buf, 16),
    ttl: buf[8] as number,
    proto: buf[9] as number,
    payload: buf.subarray(hlen),
  };
  const flagsOffset = buf.readUInt16BE(6);
  const more = (flagsOffset & 0x2000) !== 0;
  const offset = (flagsOffset & 0x1fff) * 8;
  if (more || offset > 0) value.fragment = { offset, more, id: buf.readUInt16BE(4) };
  if (total < hlen) {
    value.error = `total length ${total} < header length ${hlen}`;
    return { value, upperLen: value.payload.length };
  }
  if (total > buf.length) {
    value.error = `truncated: total length ${total}, ${buf.length} bytes captured`;
  } else {
    value.payload = buf.subarray(hlen, total);
  }
  return { value, upperLen: total - hlen };
}

const EXT_NAMES: ReadonlyMap<number, string> = new Map([
  [IP_PROTO.HOPOPT, 'hop-by-hop options'],
  [IP_PROTO.ROUTING, 'routing'],
  [IP_PROTO.FRAGMENT, 'fragment'],
  [IP_PROTO.AH, 'authentication'],
  [IP_PROTO.DSTOPTS, 'destination options'],
]);

/** IPv6 with the extension headers (hop-by-hop, routing, fragment, AH, destination) skipped. */
export function decodeIpv6(buf: Buffer): IpDecoded {
  if (buf.length < 40) return { error: `ipv6: truncated header (${buf.length} of 40 bytes)` };
  const version = (buf[0] as number) >> 4;
  if (version !== 6) return { error: `ipv6: version field is ${version}` };
  const declaredEnd = 40 + buf.readUInt16BE(4);
  const end = Math.min(declaredEnd, buf.length);
  const errors: string[] = [];
  if (declaredEnd > buf.length) {
    errors.push(`truncated: payload length ${declaredEnd - 40}, ${buf.length - 40} bytes captured`);
  }
  let nh = buf[6] as number;
  let off = 40;
  let fragment: IpFragment | undefined;
  for (let name = EXT_NAMES.get(nh); name !== undefined; name = EXT_NAMES.get(nh)) {
    // After the fragment header of a non-first fragment come bytes from the middle of the datagram.
    if (fragment && fragment.offset > 0) break;
    if (end - off < 8) {
      errors.push(`${name} extension header truncated (${end - off} of at least 8 bytes)`);
      break;
    }
    let len: number;
    if (nh === IP_PROTO.FRAGMENT) {
      len = 8;
      const fo = buf.readUInt16BE(off + 2);
      fragment = { offset: fo & 0xfff8, more: (fo & 1) === 1, id: buf.readUInt32BE(off + 4) };
    } else if (nh === IP_PROTO.AH) {
      len = ((buf[off + 1] as number) + 2) * 4;
    } else {
      len = ((buf[off + 1] as number) + 1) * 8;
    }
    if (off + len > end) {
      errors.push(`${name} extension header truncated (${end - off} of ${len} bytes)`);
      break;
    }
    nh = buf[off] as number;
    off += len;
  }
  const value: IpPacket = {
    family: 6,
    src: formatIpv6(buf, 8),
    dst: formatIpv6(buf, 24),
    ttl: buf[7] as number,
    proto: nh,
    payload: buf.subarray(off, end),
  };
  if (fragment) value.fragment = fragment;
  if (errors.length > 0) value.error = errors.join('; ');
  return { value, upperLen: Math.max(0, declaredEnd - off) };
}
