import type { LabEvent } from './events.js';

type Advert = LabEvent & { type: 'advert' };

/** A node advertising as master of a VRID, from its first advert to when its next one was due. */
export interface MasterSpan {
  vrid: number;
  node: string;
  priority: number;
  firstAdvertUs: number;
  lastAdvertUs: number;
  /** lastAdvert + interval (when the next one was due), the release advert's time, or the capture end. */
  endUs: number;
  /** Ended by a priority-0 advert (a clean release). */
  released: boolean;
  /** Still advertising when the capture ended. */
  open: boolean;
}

/** A gap longer than this many intervals ends a span: the sender stopped being master (or stopped). */
const GAP = 1.5;

export function advertsOf(events: LabEvent[], vrid: number): Advert[] {
  return events.filter((e): e is Advert => e.type === 'advert' && e.vrid === vrid);
}

/**
 * Mastership per node, read from the adverts alone: a run of adverts no further apart than 1.5 intervals
 * is one span. Two spans that overlap are a dual-master episode.
 */
export function masterSpans(events: LabEvent[], vrid: number, captureEndUs: number): MasterSpan[] {
  const bySender = new Map<string, Advert[]>();
  for (const a of advertsOf(events, vrid)) {
    const key = a.node ?? a.src;
    bySender.set(key, [...(bySender.get(key) ?? []), a]);
  }
  const spans: MasterSpan[] = [];
  for (const [node, adverts] of bySender) {
    let span: MasterSpan | undefined;
    for (const a of adverts) {
      const gapUs = GAP * a.intervalMs * 1000;
      if (span && (a.tUs - span.lastAdvertUs > gapUs || span.released)) {
        spans.push(span);
        span = undefined;
      }
      if (a.priority === 0) {
        if (span) {
          span.lastAdvertUs = a.tUs;
          span.endUs = a.tUs;
          span.released = true;
        }
        continue;
      }
      if (!span) {
        span = {
          vrid,
          node,
          priority: a.priority,
          firstAdvertUs: a.tUs,
          lastAdvertUs: a.tUs,
          endUs: 0,
          released: false,
          open: false,
        };
      }
      span.lastAdvertUs = a.tUs;
      span.priority = a.priority;
      span.endUs = a.tUs + a.intervalMs * 1000;
    }
    if (span) {
      if (!span.released && captureEndUs - span.lastAdvertUs <= GAP * (span.endUs - span.lastAdvertUs)) {
        span.open = true;
        span.endUs = captureEndUs;
      }
      spans.push(span);
    }
  }
  return spans.sort((a, b) => a.firstAdvertUs - b.firstAdvertUs);
}

export function masterAt(spans: MasterSpan[], tUs: number): MasterSpan | undefined {
  return spans.filter((s) => s.firstAdvertUs <= tUs && tUs <= s.endUs).at(-1);
}

/** One change of master after a fault, with every instant the evidence chain needs. */
export interface Handover {
  vrid: number;
  vips: string[];
  from: string | undefined;
  to: string;
  faultId: string | undefined;
  faultAtUs: number;
  /** The old master's last advert before the new one spoke (its priority-0 advert when it released). */
  lastOldAdvertUs: number | undefined;
  oldReleased: boolean;
  newMasterFirstAdvertUs: number;
  newPriority: number;
  intervalMs: number;
  version: 2 | 3;
  firstGarpUs: number | undefined;
  /** New master's first advert − fault. */
  failoverMs: number;
  /** New master's first advert − old master's last advert: what the backup's timer measured. */
  silenceMs: number | undefined;
}

/** The first change of master of `vrid` after `faultAtUs`, or undefined if the master stayed. */
export function handoverAfter(
  events: LabEvent[],
  spans: MasterSpan[],
  vrid: number,
  vips: string[],
  faultAtUs: number,
  faultId?: string,
): Handover | undefined {
  const mine = spans.filter((s) => s.vrid === vrid);
  const old = masterAt(mine, faultAtUs);
  const next = mine.find((s) => s.firstAdvertUs > faultAtUs && s.node !== old?.node);
  if (!next) return undefined;
  const adverts = advertsOf(events, vrid);
  const first = adverts.find((a) => (a.node ?? a.src) === next.node && a.tUs === next.firstAdvertUs);
  const lastOld = old
    ? adverts.filter((a) => (a.node ?? a.src) === old.node && a.tUs <= next.firstAdvertUs).at(-1)
    : undefined;
  const firstGarp = events.find(
    (e) =>
      e.tUs >= faultAtUs &&
      ((e.type === 'garp' && vips.includes(e.vip) && (e.node === undefined || e.node === next.node)) ||
        (e.type === 'na' && vips.includes(e.target) && (e.node === undefined || e.node === next.node))),
  );
  return {
    vrid,
    vips,
    from: old?.node,
    to: next.node,
    faultId,
    faultAtUs,
    lastOldAdvertUs: lastOld?.tUs,
    oldReleased: lastOld?.priority === 0,
    newMasterFirstAdvertUs: next.firstAdvertUs,
    newPriority: next.priority,
    intervalMs: first?.intervalMs ?? 0,
    version: first?.version ?? 2,
    firstGarpUs: firstGarp?.tUs,
    failoverMs: (next.firstAdvertUs - faultAtUs) / 1000,
    silenceMs: lastOld ? (next.firstAdvertUs - lastOld.tUs) / 1000 : undefined,
  };
}
