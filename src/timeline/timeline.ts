import { parseAddress } from '../net/cidr.js';
import type { LabEvent } from './events.js';

type Advert = LabEvent & { type: 'advert' };

/** A node advertising as master of a VRID, from its first advert to when its next one was due. */
export interface MasterSpan {
  vrid: number;
  /** The segment its adverts were seen on (a VRID is only unique per segment). */
  segment: string;
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
  /** Its adverts' interval (the last one's). */
  intervalMs: number;
}

/** A gap longer than this many intervals ends a span: the sender stopped being master (or stopped). */
const GAP = 1.5;

/** A VRID names a virtual router on one segment; `segment` undefined means every segment. */
export function advertsOf(events: LabEvent[], vrid: number, segment?: string): Advert[] {
  return events.filter(
    (e): e is Advert =>
      e.type === 'advert' && e.vrid === vrid && (segment === undefined || e.segment === segment),
  );
}

/** RFC 5798 §6.4.3: the higher priority wins, on a tie the higher primary address. */
function outranks(a: Advert, b: Advert): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return (parseAddress(a.src)?.value ?? 0n) > (parseAddress(b.src)?.value ?? 0n);
}

/**
 * Mastership per node, read from the adverts alone. A node is master from an advert until
 *   - it sends priority 0 (a release),
 *   - it falls silent for more than 1.5 intervals (the span ends when its next advert was due), or
 *   - a node that outranks it advertises and it sends nothing more within 1.5 intervals (it yielded;
 *     if it does advertise again, it never heard the other one: both spans stay, a dual master).
 */
export function masterSpans(
  events: LabEvent[],
  vrid: number,
  captureEndUs: number,
  segment?: string,
): MasterSpan[] {
  const adverts = advertsOf(events, vrid, segment);
  const key = (a: Advert) => a.node ?? a.src;
  const spans: MasterSpan[] = [];
  const open = new Map<string, MasterSpan>();
  const close = (k: string) => {
    const span = open.get(k);
    if (span) spans.push(span);
    open.delete(k);
  };
  for (const [i, a] of adverts.entries()) {
    const me = key(a);
    const gapUs = GAP * a.intervalMs * 1000;
    // Silence: spans whose next advert never came in time end when it was due.
    for (const [k, span] of open) if (a.tUs - span.lastAdvertUs > gapUs) close(k);
    // Yield: an outranked master that does not speak again within 1.5 intervals stepped down here.
    // (Quadratic look-ups, but a scenario has a few dozen adverts per VRID.)
    for (const [k, span] of open) {
      if (k === me || a.priority === 0) continue;
      const last = adverts.findLast((x, j) => j < i && key(x) === k);
      if (!last || !outranks(a, last)) continue;
      const again = adverts.find((x, j) => j > i && key(x) === k && x.tUs - a.tUs <= gapUs);
      // Speaking again after the outranking node released is a new mastership, not a dual one.
      const released =
        again && adverts.some((x, j) => j > i && key(x) === me && x.priority === 0 && x.tUs < again.tUs);
      if (!again || released) {
        span.endUs = a.tUs;
        close(k);
      }
    }
    const mine = open.get(me);
    if (a.priority === 0) {
      if (mine) {
        mine.lastAdvertUs = a.tUs;
        mine.endUs = a.tUs;
        mine.released = true;
        close(me);
      }
      continue;
    }
    const span = mine ?? {
      vrid,
      segment: a.segment,
      node: me,
      priority: a.priority,
      firstAdvertUs: a.tUs,
      lastAdvertUs: a.tUs,
      endUs: 0,
      released: false,
      open: false,
      intervalMs: a.intervalMs,
    };
    span.lastAdvertUs = a.tUs;
    span.priority = a.priority;
    span.intervalMs = a.intervalMs;
    span.endUs = a.tUs + a.intervalMs * 1000;
    open.set(me, span);
  }
  for (const [k, span] of open) {
    if (captureEndUs - span.lastAdvertUs <= GAP * (span.endUs - span.lastAdvertUs)) {
      span.open = true;
      span.endUs = captureEndUs;
    }
    close(k);
  }
  return spans.sort((a, b) => a.firstAdvertUs - b.firstAdvertUs);
}

/**
 * The master at an instant: the span covering it, or else a span that ended in silence (not released)
 * less than 1.5 intervals after its last advert. A master whose next advert was due and did not go out
 * (a crash just as it was due, or a late wake-up before one) was still master until it stopped: the
 * same 1.5 intervals that end a span by silence. Without this a crash a few ms after an advert was due
 * had no "from" (issue 10: pair-v3 at 100 ms, crash handover `from: undefined`).
 */
export function masterAt(spans: MasterSpan[], tUs: number): MasterSpan | undefined {
  const covering = spans.filter((s) => s.firstAdvertUs <= tUs && tUs <= s.endUs).at(-1);
  if (covering) return covering;
  return spans
    .filter((s) => !s.released && s.lastAdvertUs <= tUs && tUs <= s.lastAdvertUs + GAP * s.intervalMs * 1000)
    .at(-1);
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
  segment?: string,
): Handover | undefined {
  const mine = spans.filter((s) => s.vrid === vrid && (segment === undefined || s.segment === segment));
  const old = masterAt(mine, faultAtUs);
  const next = mine.find((s) => s.firstAdvertUs > faultAtUs && s.node !== old?.node);
  if (!next) return undefined;
  const adverts = advertsOf(events, vrid, segment);
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
