import { LINKTYPE, type PcapRecord } from '../pcap.js';
import { type ArpPacket, decodeArp } from './arp.js';
import {
  type Decoded,
  decodeEthernet,
  ETHERTYPE,
  type EthernetHeader,
  formatMac,
  skipVlanTags,
} from './ethernet.js';
import { decodeIcmpv6, type Icmpv6Message } from './icmpv6.js';
import { decodeIpv4, decodeIpv6, IP_PROTO, type IpDecoded, type IpPacket } from './ip.js';
import { decodeMarker, isMarkerPayload, MARKER_ETHERTYPE, type Marker } from './marker.js';
import { decodeTcp, decodeUdp, type L4Header } from './udp-tcp.js';

/** Linux cooked capture header (linktype 113 "SLL", or 276 "SLL2"), in place of `eth`. */
export interface SllHeader {
  /** 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  pktType: number;
  /** ARPHRD_ type of the interface: 1 Ethernet, 772 loopback. */
  haType: number;
  /** Link-layer source address (the sender's MAC on Ethernet), colon hex. */
  addr: string;
  /** EtherType of the payload (after any VLAN tag). */
  type: number;
  vlan?: number;
  /** SLL2 only. */
  ifindex?: number;
}

export interface Frame {
  tsUs: number;
  len: number;
  caplen: number;
  eth?: EthernetHeader;
  sll?: SllHeader;
  arp?: ArpPacket;
  ip?: IpPacket;
  icmpv6?: Icmpv6Message;
  l4?: L4Header;
  marker?: Marker;
  /** Every problem found, layer by layer, joined with `; `. */
  error?: string;
}

/**
 * Decodes every layer it knows of one captured frame. Never throws: a layer that cannot be read
 * leaves its field out (or, for IP, sets `ip.error`) and says why in `error`.
 */
export function decodeFrame(rec: PcapRecord): Frame {
  const frame: Frame = { tsUs: rec.tsUs, len: rec.len, caplen: rec.caplen };
  const errors: string[] = [];
  try {
    const link = decodeLink(rec, frame, errors);
    if (link) decodeNetwork(link.type, link.payload, frame, errors);
  } catch (e) {
    // Belt and braces: the decoders check lengths, but a bug must not take a whole capture down.
    errors.push(`internal: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (rec.caplen < rec.len && errors.length > 0)
    errors.push(`frame snapped at ${rec.caplen} of ${rec.len} bytes`);
  if (errors.length > 0) frame.error = errors.join('; ');
  return frame;
}

function take<T>(d: Decoded<T>, errors: string[]): T | undefined {
  if (d.error) errors.push(d.error);
  return d.value;
}

function decodeLink(
  rec: PcapRecord,
  frame: Frame,
  errors: string[],
): { type: number; payload: Buffer } | undefined {
  const buf = rec.data;
  switch (rec.linkType) {
    case LINKTYPE.ETHERNET: {
      const d = decodeEthernet(buf);
      const eth = take(d, errors);
      if (eth) frame.eth = eth;
      return eth && d.payload ? { type: eth.type, payload: d.payload } : undefined;
    }
    case LINKTYPE.LINUX_SLL: {
      if (buf.length < 16) {
        errors.push(`sll: truncated header (${buf.length} of 16 bytes)`);
        return undefined;
      }
      const halen = Math.min(buf.readUInt16BE(4), 8);
      return sll(buf, frame, errors, 16, {
        pktType: buf.readUInt16BE(0),
        haType: buf.readUInt16BE(2),
        addr: formatMac(buf, 6, halen),
        type: buf.readUInt16BE(14),
      });
    }
    case LINKTYPE.LINUX_SLL2: {
      if (buf.length < 20) {
        errors.push(`sll2: truncated header (${buf.length} of 20 bytes)`);
        return undefined;
      }
      const halen = Math.min(buf[11] as number, 8);
      return sll(buf, frame, errors, 20, {
        pktType: buf[10] as number,
        haType: buf.readUInt16BE(8),
        addr: formatMac(buf, 12, halen),
        type: buf.readUInt16BE(0),
        ifindex: buf.readUInt32BE(4),
      });
    }
    default:
      errors.push(`unsupported linktype ${rec.linkType} (only 1 Ethernet, 113 and 276 Linux cooked)`);
      return undefined;
  }
}

function sll(
  buf: Buffer,
  frame: Frame,
  errors: string[],
  hlen: number,
  header: SllHeader,
): { type: number; payload: Buffer } | undefined {
  const walk = skipVlanTags(buf, header.type, hlen);
  header.type = walk.type;
  if (walk.vlan !== undefined) header.vlan = walk.vlan;
  frame.sll = header;
  if (walk.error) {
    errors.push(`sll: ${walk.error}`);
    return undefined;
  }
  return { type: walk.type, payload: buf.subarray(walk.offset) };
}

function decodeNetwork(type: number, payload: Buffer, frame: Frame, errors: string[]): void {
  switch (type) {
    case ETHERTYPE.ARP: {
      const arp = take(decodeArp(payload), errors);
      if (arp) frame.arp = arp;
      return;
    }
    case ETHERTYPE.IPV4:
      decodeIp(decodeIpv4(payload), frame, errors);
      return;
    case ETHERTYPE.IPV6:
      decodeIp(decodeIpv6(payload), frame, errors);
      return;
    case MARKER_ETHERTYPE: {
      if (!isMarkerPayload(payload)) return; // someone else's experiment
      const marker = take(decodeMarker(payload), errors);
      if (marker) frame.marker = marker;
      return;
    }
    default:
      return;
  }
}

function decodeIp(d: IpDecoded, frame: Frame, errors: string[]): void {
  const ip = take(d, errors);
  if (!ip) return;
  frame.ip = ip;
  if (ip.error) errors.push(`ipv${ip.family}: ${ip.error}`);
  if (ip.fragment && ip.fragment.offset > 0) return; // mid-datagram bytes: no upper-layer header here
  const firstFragment = ip.fragment !== undefined;
  const upperLen = d.upperLen ?? ip.payload.length;
  if (ip.proto === IP_PROTO.ICMPV6 && ip.family === 6) {
    const icmpv6 = take(decodeIcmpv6(ip.payload), errors);
    if (icmpv6) frame.icmpv6 = icmpv6;
  } else if (ip.proto === IP_PROTO.TCP) {
    const l4 = take(decodeTcp(ip.payload, upperLen), errors);
    if (l4) frame.l4 = l4;
  } else if (ip.proto === IP_PROTO.UDP) {
    const l4 = take(decodeUdp(ip.payload, upperLen, firstFragment), errors);
    if (l4) frame.l4 = l4;
  }
}
