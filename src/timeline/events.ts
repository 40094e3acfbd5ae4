import { decodeFrame } from '../capture/decode/frame.js';
import { readPcap } from '../capture/pcap.js';
import type { LabState } from '../lab/state.js';
import { decodeVrrp } from '../vrrp/packet.js';

/** What the captures say happened, one clock for all (the kernel's capture timestamps, µs). */
export type LabEvent =
  | {
      type: 'advert';
      tUs: number;
      segment: string;
      src: string;
      node: string | undefined;
      vrid: number;
      priority: number;
      intervalMs: number;
      version: 2 | 3;
      addresses: string[];
    }
  | {
      type: 'vrrp-invalid';
      tUs: number;
      segment: string;
      src: string;
      node: string | undefined;
      reason: string;
    }
  | { type: 'garp'; tUs: number; segment: string; vip: string; mac: string; node: string | undefined }
  | {
      type: 'na';
      tUs: number;
      segment: string;
      target: string;
      mac: string;
      node: string | undefined;
      override: boolean;
    }
  | { type: 'marker'; tUs: number; segment: string; id: string; kind: string; target: string | undefined };

/** Who owns an address or a MAC, from the journal. */
function owners(state: LabState) {
  const byAddress = new Map<string, string>();
  const byMac = new Map<string, string>();
  for (const n of state.nodes) {
    for (const i of n.interfaces) {
      for (const a of i.addresses) byAddress.set(a, n.name);
      if (i.mac) byMac.set(i.mac, n.name);
    }
  }
  return { byAddress, byMac };
}

/**
 * Reads every segment's pcap and turns frames into events, sorted by time. A marker is sent into every
 * segment; only its earliest copy is kept.
 */
export async function readLabEvents(state: LabState): Promise<LabEvent[]> {
  const { byAddress, byMac } = owners(state);
  const events: LabEvent[] = [];
  const markers = new Map<string, LabEvent & { type: 'marker' }>();
  for (const seg of state.segments) {
    for await (const rec of readPcap(seg.pcap)) {
      const f = decodeFrame(rec);
      const t = f.tsUs;
      if (f.marker) {
        const prev = markers.get(f.marker.id);
        if (!prev || t < prev.tUs) {
          markers.set(f.marker.id, {
            type: 'marker',
            tUs: t,
            segment: seg.name,
            id: f.marker.id,
            kind: f.marker.kind,
            target: typeof f.marker.target === 'string' ? f.marker.target : undefined,
          });
        }
      } else if (f.ip?.proto === 112) {
        const r = decodeVrrp(f.ip.payload, {
          family: f.ip.family,
          src: f.ip.src,
          dst: f.ip.dst,
          ttl: f.ip.ttl,
        });
        // IPv6 adverts come from link-local addresses the topology does not list: the frame's MAC names the sender.
        const node = byAddress.get(f.ip.src) ?? (f.eth ? byMac.get(f.eth.src) : undefined);
        if (r.ok) {
          const a = r.advert;
          events.push({
            type: 'advert',
            tUs: t,
            segment: seg.name,
            src: f.ip.src,
            node,
            vrid: a.vrid,
            priority: a.priority,
            intervalMs: a.intervalMs,
            version: a.version,
            addresses: a.addresses,
          });
        } else {
          events.push({
            type: 'vrrp-invalid',
            tUs: t,
            segment: seg.name,
            src: f.ip.src,
            node,
            reason: r.reason,
          });
        }
      } else if (f.arp?.gratuitous) {
        events.push({
          type: 'garp',
          tUs: t,
          segment: seg.name,
          vip: f.arp.senderIp,
          mac: f.arp.senderMac,
          node: byMac.get(f.arp.senderMac),
        });
      } else if (f.icmpv6?.na && f.eth) {
        const na = f.icmpv6.na;
        const mac = na.tlla ?? f.eth.src;
        events.push({
          type: 'na',
          tUs: t,
          segment: seg.name,
          target: na.target,
          mac,
          node: byMac.get(mac),
          override: na.override,
        });
      }
    }
  }
  events.push(...markers.values());
  return events.sort((a, b) => a.tUs - b.tUs);
}
