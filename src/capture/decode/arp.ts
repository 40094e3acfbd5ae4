import { type Decoded, formatMac } from './ethernet.js';
import { formatIpv4 } from './ip.js';

export const ARP_OP = { REQUEST: 1, REPLY: 2 } as const;

export interface ArpPacket {
  /** 1 request, 2 reply. */
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
  /** Sender IP equals target IP: an announcement (a gratuitous ARP), be it a request or a reply. */
  gratuitous: boolean;
}

/** ARP for IPv4 over Ethernet (RFC 826): hardware type 1, protocol 0x0800, lengths 6 and 4. */
export function decodeArp(buf: Buffer): Decoded<ArpPacket> {
  if (buf.length < 8) return { error: `arp: truncated (${buf.length} of 28 bytes)` };
  const htype = buf.readUInt16BE(0);
  const ptype = buf.readUInt16BE(2);
  const hlen = buf[4];
  const plen = buf[5];
  if (htype !== 1 || ptype !== 0x0800 || hlen !== 6 || plen !== 4) {
    const p = ptype.toString(16).padStart(4, '0');
    return {
      error: `arp: not IPv4 over Ethernet (htype ${htype}, ptype 0x${p}, hlen ${hlen}, plen ${plen})`,
    };
  }
  if (buf.length < 28) return { error: `arp: truncated (${buf.length} of 28 bytes)` };
  const senderIp = formatIpv4(buf, 14);
  const targetIp = formatIpv4(buf, 24);
  return {
    value: {
      op: buf.readUInt16BE(6),
      senderMac: formatMac(buf, 8),
      senderIp,
      targetMac: formatMac(buf, 18),
      targetIp,
      gratuitous: senderIp === targetIp,
    },
  };
}
