import { describe, expect, it } from 'vitest';
import type { LabEvent } from './events.js';
import { type Handover, handoverAfter, type MasterSpan, masterAt, masterSpans } from './timeline.js';

/*
 * Synthetic captures: VRRPv2, advert_int 2 s, timestamps in µs on the capture clock. `at(ms)` is an
 * instant `ms` milliseconds after T0, so every expectation below reads in milliseconds.
 */
const T0 = 1_795_577_976_000_000;
const IV = 2000;
const at = (ms: number) => T0 + Math.round(ms * 1000);
const VIP = '198.51.100.50';

interface Speaker {
  name: string;
  src: string;
  priority: number;
}
const A: Speaker = { name: 'a', src: '198.51.100.1', priority: 100 };
const B: Speaker = { name: 'b', src: '198.51.100.2', priority: 80 };
const C: Speaker = { name: 'c', src: '198.51.100.3', priority: 60 };

type Advert = LabEvent & { type: 'advert' };
interface AdvertOpts {
  priority?: number;
  vrid?: number;
  vips?: string[];
}

function advert(s: Speaker, ms: number, o: AdvertOpts = {}): Advert {
  return {
    type: 'advert',
    tUs: at(ms),
    segment: 'lan',
    src: s.src,
    node: s.name,
    vrid: o.vrid ?? 51,
    priority: o.priority ?? s.priority,
    intervalMs: IV,
    version: 2,
    addresses: o.vips ?? [VIP],
  };
}

/** `count` adverts every interval from `fromMs` on. */
function adverts(s: Speaker, fromMs: number, count: number, o: AdvertOpts = {}): Advert[] {
  return Array.from({ length: count }, (_, i) => advert(s, fromMs + i * IV, o));
}

/** The priority-0 advert a master sends when it shuts down cleanly. */
const release = (s: Speaker, ms: number, o: AdvertOpts = {}) => advert(s, ms, { ...o, priority: 0 });

function garp(s: Speaker | undefined, ms: number, vip = VIP): LabEvent {
  return { type: 'garp', tUs: at(ms), segment: 'lan', vip, mac: '00:00:5e:00:01:33', node: s?.name };
}

function na(s: Speaker | undefined, ms: number, target: string): LabEvent {
  return {
    type: 'na',
    tUs: at(ms),
    segment: 'lan',
    target,
    mac: '00:00:5e:00:02:34',
    node: s?.name,
    override: true,
  };
}

function marker(ms: number, id: string, kind: string, target?: string): LabEvent {
  return { type: 'marker', tUs: at(ms), segment: 'lan', id, kind, target };
}

/** Events of several sources merged as readLabEvents returns them: sorted by time. */
const capture = (...parts: (LabEvent | LabEvent[])[]): LabEvent[] =>
  parts.flat().sort((x, y) => x.tUs - y.tUs);

/** The last event's time + 1 s: where a capture stopped. */
const endOf = (events: LabEvent[]) => (events.at(-1)?.tUs ?? T0) + 1_000_000;

function span(over: Partial<MasterSpan> & Pick<MasterSpan, 'node'>): MasterSpan {
  return {
    vrid: 51,
    segment: 'lan',
    priority: 100,
    firstAdvertUs: 0,
    lastAdvertUs: 0,
    endUs: 0,
    released: false,
    open: false,
    intervalMs: IV,
    ...over,
  };
}

const skew80 = 687.5; // v2 Skew_Time for priority 80: (256 − 80) / 256 s
const mdi80 = 3 * IV + skew80; // 6687.5 ms
const mdi100 = 3 * IV + 609.375; // 6609.375 ms

describe('masterSpans', () => {
  it('a steady master is one span, open at the end of the capture', () => {
    const events = adverts(A, 0, 10); // 0 … 18 000 ms
    const end = at(19_000);
    expect(masterSpans(events, 51, end)).toEqual([
      span({ node: 'a', firstAdvertUs: at(0), lastAdvertUs: at(18_000), endUs: end, open: true }),
    ]);
  });

  it('a master that stopped long before the capture ended is closed when its next advert was due', () => {
    const events = adverts(A, 0, 5); // last at 8 000
    expect(masterSpans(events, 51, at(30_000))).toEqual([
      span({ node: 'a', firstAdvertUs: at(0), lastAdvertUs: at(8000), endUs: at(10_000) }),
    ]);
  });

  it('falls back to the source address when the node is unknown, and ignores other VRIDs', () => {
    const events = capture(
      adverts(A, 0, 3).map((a) => ({ ...a, node: undefined })),
      adverts(B, 100, 3, { vrid: 52 }),
    );
    const spans = masterSpans(events, 51, at(5000));
    expect(spans.map((s) => [s.node, s.vrid])).toEqual([['198.51.100.1', 51]]);
    expect(masterSpans(events, 52, at(5000)).map((s) => [s.node, s.vrid])).toEqual([['b', 52]]);
    expect(masterSpans(events, 53, at(5000))).toEqual([]);
  });

  it('a silent crash: the span ends at the last advert + interval, the backup starts after its MDI', () => {
    const events = capture(
      adverts(A, 0, 5),
      marker(9000, 'f1', 'host-crash', 'a'),
      adverts(B, 8000 + mdi80, 5),
    );
    const spans = masterSpans(events, 51, endOf(events));
    expect(spans).toEqual([
      span({ node: 'a', firstAdvertUs: at(0), lastAdvertUs: at(8000), endUs: at(10_000) }),
      span({
        node: 'b',
        priority: 80,
        firstAdvertUs: at(8000 + mdi80),
        lastAdvertUs: at(8000 + mdi80 + 4 * IV),
        endUs: endOf(events),
        open: true,
      }),
    ]);
  });

  it('a priority-0 release ends the span at the release advert, marked released', () => {
    const events = capture(adverts(A, 0, 5), release(A, 8500.3), adverts(B, 8500.3 + skew80, 4));
    const [a, b, ...rest] = masterSpans(events, 51, endOf(events));
    expect(rest).toEqual([]);
    expect(a).toEqual(
      span({ node: 'a', firstAdvertUs: at(0), lastAdvertUs: at(8500.3), endUs: at(8500.3), released: true }),
    );
    expect(b).toMatchObject({ node: 'b', firstAdvertUs: at(8500.3 + skew80), released: false, open: true });
  });

  it('a priority-0 advert from a node that is not master opens nothing', () => {
    const events = capture(adverts(A, 0, 4), release(B, 1000));
    expect(masterSpans(events, 51, endOf(events)).map((s) => s.node)).toEqual(['a']);
  });

  it('preemption: the outranked master yields, its span ends at the outranking advert', () => {
    // b is master (a crashed earlier); a comes back and, after its own MDI, preempts.
    const aBack = 20_000 + 800 + mdi100;
    const events = capture(
      adverts(B, 0, 14), // 0 … 26 000; b's last advert is before a's first
      marker(20_000, 'f2', 'host-recover', 'a'),
      adverts(A, aBack, 4),
    );
    expect(at(26_000)).toBeLessThan(at(aBack));
    const spans = masterSpans(events, 51, endOf(events));
    expect(spans).toEqual([
      span({ node: 'b', priority: 80, firstAdvertUs: at(0), lastAdvertUs: at(26_000), endUs: at(aBack) }),
      span({
        node: 'a',
        firstAdvertUs: at(aBack),
        lastAdvertUs: at(aBack + 3 * IV),
        endUs: endOf(events),
        open: true,
      }),
    ]);
    const h = handoverAfter(events, spans, 51, [VIP], at(20_000), 'f2');
    expect(h).toMatchObject({
      from: 'b',
      to: 'a',
      faultId: 'f2',
      lastOldAdvertUs: at(26_000),
      oldReleased: false,
      newPriority: 100,
      failoverMs: 800 + mdi100,
      silenceMs: aBack - 26_000,
    });
  });

  it('a startup transient: the lower node yields, the higher releases, the lower comes back — two spans', () => {
    // b starts first and advertises; a (higher) starts and advertises; b yields; a's daemon restarts
    // at once (priority 0), and b takes over after its Skew_Time: well within 1.5 intervals of a's
    // advert, but that is a new mastership, not b having advertised through it.
    const events = capture(
      adverts(B, 0, 2), // 0, 2 000
      advert(A, 2500),
      marker(2900, 'f1', 'daemon-restart', 'a'),
      release(A, 3000),
      adverts(B, 3000 + skew80, 5),
    );
    const spans = masterSpans(events, 51, endOf(events));
    expect(spans.map((s) => [s.node, s.firstAdvertUs, s.endUs, s.released, s.open])).toEqual([
      ['b', at(0), at(2500), false, false],
      ['a', at(2500), at(3000), true, false],
      ['b', at(3000 + skew80), endOf(events), false, true],
    ]);
    expect(spans.filter((s) => s.node === 'b')).toHaveLength(2);

    const h = handoverAfter(events, spans, 51, [VIP], at(2900), 'f1');
    expect(h).toMatchObject({
      from: 'a',
      to: 'b',
      oldReleased: true,
      lastOldAdvertUs: at(3000),
      newMasterFirstAdvertUs: at(3000 + skew80),
      silenceMs: skew80,
      failoverMs: 100 + skew80,
    });
  });

  it('a dual master: both keep advertising, both spans stay and overlap', () => {
    const events = capture(adverts(A, 0, 10), adverts(B, 500, 10));
    const end = endOf(events);
    const spans = masterSpans(events, 51, end);
    expect(spans.map((s) => [s.node, s.firstAdvertUs, s.endUs, s.open])).toEqual([
      ['a', at(0), end, true],
      ['b', at(500), end, true],
    ]);
    // the later-started one answers masterAt while they overlap
    expect(masterAt(spans, at(10_000))?.node).toBe('b');
    expect(masterAt(spans, at(100))?.node).toBe('a');
  });

  it('a split that becomes a dual master: the backup starts advertising while the master goes on', () => {
    const events = capture(adverts(A, 0, 12), adverts(B, 10_000 + 300, 7));
    const spans = masterSpans(events, 51, endOf(events));
    expect(spans.map((s) => [s.node, s.firstAdvertUs, s.open])).toEqual([
      ['a', at(0), true],
      ['b', at(10_300), true],
    ]);
  });

  it('equal priority: the higher primary address outranks the lower one', () => {
    const low: Speaker = { name: 'low', src: '198.51.100.1', priority: 100 };
    const high: Speaker = { name: 'high', src: '198.51.100.2', priority: 100 };
    // Both start as master; the lower address hears the higher one and yields.
    const ev1 = capture(adverts(low, 0, 2), adverts(high, 2500, 4));
    expect(masterSpans(ev1, 51, endOf(ev1)).map((s) => [s.node, s.firstAdvertUs, s.endUs, s.open])).toEqual([
      ['low', at(0), at(2500), false],
      ['high', at(2500), endOf(ev1), true],
    ]);
    // The other way round: the higher address keeps its mastership; the lower one's advert does not end
    // it, and the lower one stepped down at the higher one's next advert.
    const ev2 = capture(adverts(high, 0, 6), advert(low, 2500));
    expect(masterSpans(ev2, 51, endOf(ev2)).map((s) => [s.node, s.firstAdvertUs, s.endUs, s.open])).toEqual([
      ['high', at(0), endOf(ev2), true],
      ['low', at(2500), at(4000), false],
    ]);
  });

  it('equal priority over IPv6: the addresses compare as numbers, not as text', () => {
    const v6 = (s: Speaker, ms: number): Advert => ({
      ...advert(s, ms),
      version: 3,
      addresses: ['2001:db8::50'],
    });
    // '2001:db8::9' > '2001:db8::10' as text, but 0x9 < 0x10
    const nine: Speaker = { name: 'nine', src: '2001:db8::9', priority: 100 };
    const ten: Speaker = { name: 'ten', src: '2001:db8::10', priority: 100 };
    const events = capture(v6(nine, 0), v6(nine, 2000), v6(ten, 2500), v6(ten, 4500));
    expect(masterSpans(events, 51, endOf(events)).map((s) => [s.node, s.endUs])).toEqual([
      ['nine', at(2500)],
      ['ten', endOf(events)],
    ]);
  });
});

describe('masterAt', () => {
  const spans = [
    span({ node: 'a', firstAdvertUs: at(0), endUs: at(10_000) }),
    span({ node: 'b', firstAdvertUs: at(14_000), endUs: at(20_000) }),
  ];
  it('finds the span covering an instant, both ends included', () => {
    expect(masterAt(spans, at(0))?.node).toBe('a');
    expect(masterAt(spans, at(10_000))?.node).toBe('a');
    expect(masterAt(spans, at(14_000))?.node).toBe('b');
    expect(masterAt(spans, at(20_000))?.node).toBe('b');
  });
  it('a master silent since its last advert is still master until 1.5 intervals after it', () => {
    // a: last advert at 9 000 ms, next due at 10 000 (its span's end); a crash at 10 200 ms, before
    // the advert that was due went out, happened to a: 10 200 ≤ 9 000 + 1.5 × 1 000
    const crashed = [
      span({ node: 'a', firstAdvertUs: at(0), lastAdvertUs: at(9_000), endUs: at(10_000), intervalMs: 1000 }),
    ];
    expect(masterAt(crashed, at(10_200))?.node).toBe('a');
    expect(masterAt(crashed, at(10_500))?.node).toBe('a');
    expect(masterAt(crashed, at(10_501))).toBeUndefined();
    // a release ends mastership at once
    const released = [
      span({ node: 'a', firstAdvertUs: at(0), lastAdvertUs: at(9_000), endUs: at(9_000), released: true }),
    ];
    expect(masterAt(released, at(9_001))).toBeUndefined();
    // a span that covers the instant wins over one in its grace
    const next = [...crashed, span({ node: 'b', firstAdvertUs: at(10_100), endUs: at(20_000) })];
    expect(masterAt(next, at(10_200))?.node).toBe('b');
  });
  it('no master before, between and after the spans', () => {
    expect(masterAt(spans, at(-1))).toBeUndefined();
    expect(masterAt(spans, at(12_000))).toBeUndefined();
    expect(masterAt(spans, at(20_001))).toBeUndefined();
    expect(masterAt([], at(0))).toBeUndefined();
  });
});

describe('handoverAfter', () => {
  it('a silent crash: failover from the fault marker, silence from the last advert', () => {
    const events = capture(
      adverts(A, 0, 5),
      garp(A, 0.2), // a's own GARP when it became master: before the fault
      marker(9000, 'f1', 'host-crash', 'a'),
      adverts(B, 8000 + mdi80, 5),
      garp(B, 8000 + mdi80 + 0.2),
    );
    const spans = masterSpans(events, 51, endOf(events));
    const h = handoverAfter(events, spans, 51, [VIP], at(9000), 'f1');
    expect(h).toEqual({
      vrid: 51,
      vips: [VIP],
      from: 'a',
      to: 'b',
      faultId: 'f1',
      faultAtUs: at(9000),
      lastOldAdvertUs: at(8000),
      oldReleased: false,
      newMasterFirstAdvertUs: at(8000 + mdi80),
      newPriority: 80,
      intervalMs: IV,
      version: 2,
      firstGarpUs: at(8000 + mdi80 + 0.2),
      failoverMs: mdi80 - 1000,
      silenceMs: mdi80,
    } satisfies Handover);
  });

  it('a priority-0 release: released, oldReleased, silence = Skew_Time', () => {
    const events = capture(
      adverts(A, 0, 5),
      marker(8500, 'f1', 'daemon-stop', 'a'),
      release(A, 8500.3),
      adverts(B, 8500.3 + skew80, 4),
    );
    const spans = masterSpans(events, 51, endOf(events));
    expect(spans[0]?.released).toBe(true);
    const h = handoverAfter(events, spans, 51, [VIP], at(8500), 'f1');
    expect(h).toMatchObject({
      from: 'a',
      to: 'b',
      oldReleased: true,
      lastOldAdvertUs: at(8500.3),
      newMasterFirstAdvertUs: at(8500.3 + skew80),
      firstGarpUs: undefined,
    });
    expect(h?.silenceMs).toBeCloseTo(skew80, 6);
    expect(h?.failoverMs).toBeCloseTo(0.3 + skew80, 6);
  });

  it('no handover when the master stays', () => {
    const events = capture(adverts(A, 0, 10), marker(9000, 'f1', 'netem', 'b:eth0'));
    expect(
      handoverAfter(events, masterSpans(events, 51, endOf(events)), 51, [VIP], at(9000)),
    ).toBeUndefined();
  });

  it('no master at the fault: from and the old advert are unknown', () => {
    const events = capture(marker(0, 'f1', 'daemon-start', 'b'), adverts(B, 7000, 3));
    const h = handoverAfter(events, masterSpans(events, 51, endOf(events)), 51, [VIP], at(0), 'f1');
    expect(h).toMatchObject({
      from: undefined,
      to: 'b',
      lastOldAdvertUs: undefined,
      oldReleased: false,
      silenceMs: undefined,
      failoverMs: 7000,
    });
  });

  it('spans of another VRID do not interfere', () => {
    // VRID 51: a is master throughout. VRID 52: a was master too, its instance dies, b takes over.
    const VIP52 = '198.51.100.60';
    const o52 = { vrid: 52, vips: [VIP52] };
    const events = capture(
      adverts(A, 0, 12),
      adverts(A, 300, 5, o52), // last at 8 300
      marker(9000, 'f1', 'daemon-kill', 'a'),
      adverts(B, 8300 + mdi80, 3, o52),
      garp(A, 9500, VIP), // a GARP for the other VIP from the new master of 52: not its GARP
      garp(B, 8300 + mdi80 + 0.2, VIP52),
    );
    const end = endOf(events);
    const spans = [...masterSpans(events, 51, end), ...masterSpans(events, 52, end)];
    expect(spans.map((s) => [s.vrid, s.node])).toEqual([
      [51, 'a'],
      [52, 'a'],
      [52, 'b'],
    ]);
    expect(handoverAfter(events, spans, 51, [VIP], at(9000), 'f1')).toBeUndefined();
    expect(handoverAfter(events, spans, 52, [VIP52], at(9000), 'f1')).toMatchObject({
      vrid: 52,
      from: 'a',
      to: 'b',
      lastOldAdvertUs: at(8300),
      silenceMs: mdi80,
      firstGarpUs: at(8300 + mdi80 + 0.2),
    });
    // and in the other order
    const reversed = [...spans].reverse();
    expect(handoverAfter(events, reversed, 51, [VIP], at(9000), 'f1')).toBeUndefined();
    expect(handoverAfter(events, reversed, 52, [VIP52], at(9000), 'f1')?.to).toBe('b');
  });

  it("firstGarpUs: the new master's first GARP for the VIP after the fault, nothing else", () => {
    const events = capture(
      adverts(A, 0, 5),
      garp(A, 0.2),
      garp(B, 500), // the new master, but before the fault
      marker(9000, 'f1', 'host-crash', 'a'),
      garp(C, 9100), // another node
      garp(B, 9200, '198.51.100.99'), // another VIP
      adverts(B, 8000 + mdi80, 3),
      garp(B, 8000 + mdi80 + 0.2),
      garp(B, 8000 + mdi80 + 0.4),
    );
    const spans = masterSpans(events, 51, endOf(events));
    expect(handoverAfter(events, spans, 51, [VIP], at(9000), 'f1')?.firstGarpUs).toBe(at(8000 + mdi80 + 0.2));
  });

  it('a GARP from an unknown MAC counts (the journal could not name its sender)', () => {
    const events = capture(
      adverts(A, 0, 5),
      marker(9000, 'f1', 'host-crash', 'a'),
      garp(undefined, 9100),
      adverts(B, 8000 + mdi80, 3),
    );
    const spans = masterSpans(events, 51, endOf(events));
    expect(handoverAfter(events, spans, 51, [VIP], at(9000), 'f1')?.firstGarpUs).toBe(at(9100));
  });

  it('an unsolicited NA for an IPv6 VIP is the announcement of a v6 handover', () => {
    const VIP6 = '2001:db8::50';
    const o6 = { vips: [VIP6] };
    const events = capture(
      adverts(A, 0, 5, o6),
      marker(9000, 'f1', 'host-crash', 'a'),
      na(B, 8500, VIP6), // before the fault
      adverts(B, 8000 + mdi80, 3, o6),
      na(A, 8000 + mdi80 + 0.1, VIP6), // from the old master
      na(B, 8000 + mdi80 + 0.3, VIP6),
    );
    const spans = masterSpans(events, 51, endOf(events));
    expect(handoverAfter(events, spans, 51, [VIP6], at(9000), 'f1')?.firstGarpUs).toBe(
      at(8000 + mdi80 + 0.3),
    );
  });

  it('the first change of master after the fault, not a later one', () => {
    const events = capture(
      adverts(A, 0, 5),
      marker(9000, 'f1', 'host-crash', 'a'),
      adverts(B, 8000 + mdi80, 5), // b: 14 687.5 … 22 687.5
      adverts(C, 22_687.5 + 6000 + 750, 2), // c after b fell silent too
    );
    const spans = masterSpans(events, 51, endOf(events));
    expect(spans.map((s) => s.node)).toEqual(['a', 'b', 'c']);
    expect(handoverAfter(events, spans, 51, [VIP], at(9000))).toMatchObject({ from: 'a', to: 'b' });
    expect(handoverAfter(events, spans, 51, [VIP], at(23_000))).toMatchObject({ from: 'b', to: 'c' });
  });
});

describe('a VRID is only unique per segment', () => {
  it('the same VRID on two segments gives separate masters and handovers', () => {
    const onWan = (a: Advert): Advert => ({ ...a, segment: 'wan' });
    // VRID 51 on lan: A master all along. VRID 51 on wan: B master, crashes, C takes over.
    const events = capture(
      adverts(A, 0, 8),
      adverts(B, 0, 2).map(onWan),
      marker(3000, 'f1', 'host-crash', 'b'),
      adverts(C, 2000 + 3 * IV + 765.625, 2).map(onWan),
    );
    const end = endOf(events);
    const lan = masterSpans(events, 51, end, 'lan');
    const wan = masterSpans(events, 51, end, 'wan');
    expect(lan.map((s) => s.node)).toEqual(['a']);
    expect(wan.map((s) => s.node)).toEqual(['b', 'c']);
    const spans = [...lan, ...wan];
    expect(handoverAfter(events, spans, 51, [VIP], at(3000), 'f1', 'lan')).toBeUndefined();
    const h = handoverAfter(events, spans, 51, [VIP], at(3000), 'f1', 'wan');
    expect(h?.from).toBe('b');
    expect(h?.to).toBe('c');
    expect(h?.silenceMs).toBeCloseTo(3 * IV + 765.625, 3);
  });
});
