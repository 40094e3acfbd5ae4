import { type Decoded, formatMac } from './ethernet.js';
import { formatIpv6 } from './ip.js';

export const ICMPV6_TYPE = {
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  MLD_QUERY: 130,
  MLD_REPORT: 131,
  MLD_DONE: 132,
  ROUTER_SOLICITATION: 133,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
  MLDV2_REPORT: 143,
} as const;

export interface NeighborAdvert {
  target: string;
  /** R flag: the sender is a router. */
  router: boolean;
  /** S flag: a reply to a Neighbor Solicitation. */
  solicited: boolean;
  /** O flag: override existing cache entries. */
  override: boolean;
  /** Target link-layer address option, when present. */
  tlla?: string;
}

export interface Icmpv6Message {
  type: number;
  code: number;
  na?: NeighborAdvert;
  ns?: { target: string };
}

const ND_OPT_TLLA = 2;

/**
 * ICMPv6 (RFC 4443): type and code of every message; the target of Neighbor Solicitations and the
 * target, flags and target link-layer address of Neighbor Advertisements (RFC 4861). The checksum is not
 * checked (a capture on the sending host sees it before offload fills it in).
 */
export function decodeIcmpv6(buf: Buffer): Decoded<Icmpv6Message> {
  if (buf.length < 4) return { error: `icmpv6: truncated header (${buf.length} of 4 bytes)` };
  const value: Icmpv6Message = { type: buf[0] as number, code: buf[1] as number };
  if (value.type === ICMPV6_TYPE.NEIGHBOR_SOLICITATION) {
    if (buf.length < 24)
      return { value, error: `icmpv6: neighbor solicitation truncated (${buf.length} of 24 bytes)` };
    value.ns = { target: formatIpv6(buf, 8) };
  } else if (value.type === ICMPV6_TYPE.NEIGHBOR_ADVERTISEMENT) {
    if (buf.length < 24) {
      return { value, error: `icmpv6: neighbor advertisement truncated (${buf.length} of 24 bytes)` };
    }
    const flags = buf[4] as number;
    const na: NeighborAdvert = {
      target: formatIpv6(buf, 8),
      router: (flags & 0x80) !== 0,
      solicited: (flags & 0x40) !== 0,
      override: (flags & 0x20) !== 0,
    };
    value.na = na;
    const opts = walkOptions(buf, 24);
    if (opts.tlla !== undefined) na.tlla = opts.tlla;
    if (opts.error) return { value, error: `icmpv6: ${opts.error}` };
  }
  return { value };
}

/** Neighbor Discovery options: type, length in units of 8 bytes (0 is invalid), data. */
function walkOptions(buf: Buffer, start: number): { tlla?: string; error?: string } {
  let tlla: string | undefined;
  let off = start;
  while (off < buf.length) {
    if (buf.length - off < 2) return { tlla, error: `option header truncated at byte ${off}` };
    const type = buf[off] as number;
    const len = (buf[off + 1] as number) * 8;
    if (len === 0) return { tlla, error: `option type ${type} at byte ${off} has length 0` };
    if (off + len > buf.length) {
      return {
        tlla,
        error: `option type ${type} at byte ${off} truncated (${buf.length - off} of ${len} bytes)`,
      };
    }
    // On Ethernet the address is 6 bytes; other link layers would use other lengths.
    if (type === ND_OPT_TLLA && tlla === undefined) tlla = formatMac(buf, off + 2, Math.min(6, len - 2));
    off += len;
  }
  return tlla === undefined ? {} : { tlla };
}
