/**
 * What a conformance run's captures show, frame by frame, for the judges: every VRRP packet (valid or
 * not, with the reason), ARP, neighbor solicitations and advertisements, IGMP/MLD joins of the VRRP
 * group (the moment a speaker starts listening), and the harness's marker frames. Who sent each frame is
 * read from its addresses: the DUT's primary address or MAC, the tester's, or a VIP.
 */
import { decodeFrame, type Frame } from '../capture/decode/frame.js';
import { formatIpv6 } from '../capture/decode/ip.js';
import { readAll } from '../capture/pcap.js';
import { type DropReason, decodeVrrp, type VrrpAdvert } from '../vrrp/packet.js';
import { MACS, type Variant } from './lab.js';

export type Who = 'dut' | 'dut2' | 'tester' | 'other';

interface Base {
  tUs: number;
  segment: string;
  srcMac: string;
  dstMac: string;
  who: Who;
}

/** A protocol-112 packet: where it came from and its octets as captured (judges read them without the codec). */
interface VrrpPacket extends Base {
  kind: 'advert';
  src: string;
  dst: string;
  ttl: number;
  wire: Buffer;
}

export type Obs =
  | (VrrpPacket & { ok: true; advert: VrrpAdvert })
  | (VrrpPacket & { ok: false; reason: DropReason })
  | (Base & {
      kind: 'arp';
      op: number;
      senderMac: string;
      senderIp: string;
      targetMac: string;
      targetIp: string;
    })
  | (Base & {
      kind: 'na';
      src: string;
      target: string;
      router: boolean;
      solicited: boolean;
      override: boolean;
      tlla: string | undefined;
    })
  | (Base & { kind: 'ns'; src: string; target: string })
  | (Base & { kind: 'join'; group: string })
  | (Base & { kind: 'mark'; label: string; id: string });

export type AdvertObs = Extract<Obs, { kind: 'advert'; ok: true }>;

/**
 * IGMPv3 (224.0.0.22, type 0x22) / MLDv2 (ICMPv6 143) reports: the groups they join, i.e. the records in
 * EXCLUDE mode (RFC 3376 §4.2.12, RFC 3810 §5.2.12: MODE_IS_EXCLUDE 2, CHANGE_TO_EXCLUDE_MODE 4). A leave
 * (CHANGE_TO_INCLUDE_MODE with no source) names the group too, and the kernel repeats it: seen 200 ms after
 * a daemon stopped, just after its successor started, so it must not count as the successor's join.
 */
const EXCLUDE_MODE = new Set([2, 4]);

export function joinedGroups(f: Frame): string[] {
  const ip = f.ip;
  if (!ip) return [];
  const p = ip.payload;
  const out: string[] = [];
  if (ip.family === 4 && ip.proto === 2 && p[0] === 0x22 && p.length >= 8) {
    let off = 8;
    for (let n = p.readUInt16BE(6); n > 0 && off + 8 <= p.length; n--) {
      const aux = (p[off + 1] ?? 0) * 4;
      const sources = p.readUInt16BE(off + 2);
      if (EXCLUDE_MODE.has(p[off] ?? 0)) out.push(`${p[off + 4]}.${p[off + 5]}.${p[off + 6]}.${p[off + 7]}`);
      off += 8 + sources * 4 + aux;
    }
  } else if (ip.family === 6 && f.icmpv6?.type === 143 && p.length >= 8) {
    let off = 8;
    for (let n = p.readUInt16BE(6); n > 0 && off + 20 <= p.length; n--) {
      const aux = (p[off + 1] ?? 0) * 4;
      const sources = p.readUInt16BE(off + 2);
      if (EXCLUDE_MODE.has(p[off] ?? 0)) out.push(formatIpv6(p, off + 4));
      off += 20 + sources * 16 + aux;
    }
  }
  return out;
}

export function whoOf(v: Variant, srcMac: string, ip?: string): Who {
  if (ip === v.dutPrimary) return 'dut';
  if (ip === v.dut2Primary) return 'dut2';
  if (srcMac === MACS.dut || srcMac === '02:00:00:00:01:02') return 'dut';
  if (srcMac === MACS.dut2) return 'dut2';
  if (srcMac === MACS.tester) return 'tester';
  return 'other';
}

/** Every frame of the given segments' pcaps as observations, in time order. */
export async function observe(v: Variant, pcaps: { segment: string; file: string }[]): Promise<Obs[]> {
  const out: Obs[] = [];
  for (const { segment, file } of pcaps) {
    for (const rec of await readAll(file).catch(() => [])) {
      const f = decodeFrame(rec);
      const eth = f.eth;
      if (!eth) continue;
      const base = { tUs: f.tsUs, segment, srcMac: eth.src, dstMac: eth.dst };
      if (f.marker) {
        out.push({
          ...base,
          who: 'other',
          kind: 'mark',
          label: String(f.marker.target ?? f.marker.kind),
          id: f.marker.id,
        });
      } else if (f.ip?.proto === 112) {
        const ip = f.ip;
        const d = decodeVrrp(ip.payload, { family: ip.family, src: ip.src, dst: ip.dst, ttl: ip.ttl });
        // The tester claims other routers' addresses; whatever is not the DUT's came from it.
        const who = whoOf(v, eth.src, ip.src);
        const common = {
          ...base,
          who: who === 'other' ? 'tester' : who,
          src: ip.src,
          dst: ip.dst,
          ttl: ip.ttl,
          wire: ip.payload,
        };
        out.push(
          d.ok
            ? { ...common, kind: 'advert', ok: true, advert: d.advert }
            : { ...common, kind: 'advert', ok: false, reason: d.reason },
        );
      } else if (f.arp) {
        const a = f.arp;
        const who =
          a.senderIp === v.testerIp
            ? 'tester'
            : whoOf(v, eth.src, v.vips.includes(a.senderIp) ? undefined : a.senderIp);
        out.push({
          ...base,
          who: who === 'other' && v.vips.includes(a.senderIp) ? 'dut' : who,
          kind: 'arp',
          ...a,
        });
      } else if (f.icmpv6?.na && f.ip) {
        const na = f.icmpv6.na;
        const who = f.ip.src === v.testerIp ? 'tester' : whoOf(v, eth.src, f.ip.src);
        out.push({
          ...base,
          who: who === 'other' && v.vips.includes(f.ip.src) ? 'dut' : who,
          kind: 'na',
          src: f.ip.src,
          target: na.target,
          router: na.router,
          solicited: na.solicited,
          override: na.override,
          tlla: na.tlla,
        });
      } else if (f.icmpv6?.ns && f.ip) {
        out.push({
          ...base,
          who: whoOf(v, eth.src, f.ip.src),
          kind: 'ns',
          src: f.ip.src,
          target: f.icmpv6.ns.target,
        });
      } else {
        const groups = joinedGroups(f);
        const g = groups.find((x) => x === '224.0.0.18' || x === 'ff02::12');
        // Only a speaker joins the VRRP group (the tester never does): a VMAC's join is the DUT's.
        const who = whoOf(v, eth.src);
        if (g) out.push({ ...base, who: who === 'other' ? 'dut' : who, kind: 'join', group: g });
      }
    }
  }
  return out.sort((a, b) => a.tUs - b.tUs);
}
