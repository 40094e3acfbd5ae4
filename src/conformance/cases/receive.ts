/**
 * Receive validation (RFC 3768 §7.1, RFC 5798 §7.1). Discarding is proven by behaviour, not by logs: the
 * tester plays a master (priority 200) above the DUT (100), then sends only the broken advert (priority
 * 199, so it can be told apart). A DUT that discards it takes over one Master_Down_Interval after the
 * last valid advert; one that accepts it stays backup. Cases that must be accepted run the other way
 * round: the DUT must stay backup while they flow.
 */
import {
  adverts,
  type Case,
  check,
  frames,
  type Judgement,
  mark,
  mdiOf,
  ms,
  span,
  testerMaster,
  windowed,
} from '../case.js';
import type { AdvertOpts, Observed, Scenario, ScenarioCtx } from '../engine.js';
import type { Variant, VariantId } from '../lab.js';

const DUT_PRIORITY = 100;

/**
 * The tester master at 200, then at 199 with `mutation`; `then` watches what the DUT does with it (it
 * returns whether the DUT took over while the mutated adverts flowed). The DUT takes over in the end.
 */
function swapScenario(
  id: string,
  mutation: (v: Variant) => AdvertOpts,
  variants: VariantId[] | undefined,
  watchMs: (c: ScenarioCtx) => number,
  finalMdiMs: (c: ScenarioCtx) => number,
): Scenario {
  return {
    id,
    ...(variants ? { variants } : {}),
    start: 'none',
    dut: () => ({ instances: [{ priority: DUT_PRIORITY }] }),
    async run(c) {
      await testerMaster(c);
      await c.mark('swap');
      await c.tester.swap('m', [c.advert({ priority: 199, ...mutation(c.v) })]);
      const took = await c.until((h) => h.includes('dut'), watchMs(c));
      await c.mark('tester-stops');
      await c.tester.stop('m');
      if (!took) await c.until((h) => h.includes('dut'), finalMdiMs(c) + 1000);
    },
  };
}

/** Discarded: the DUT takes over at last valid + MDI. Accepted: it never does while they flow. */
export function discardScenario(
  id: string,
  mutation: (v: Variant) => AdvertOpts,
  variants?: VariantId[],
): Scenario {
  return swapScenario(
    id,
    mutation,
    variants,
    (c) => c.mdiMs(DUT_PRIORITY) + 3 * c.v.intervalMs + 500,
    (c) => c.mdiMs(DUT_PRIORITY),
  );
}

/**
 * Accepted: the DUT stays backup for two Master_Down_Intervals (of the longer interval if one is
 * advertised), a window in which a DUT that discards them takes over.
 */
export function acceptScenario(
  id: string,
  mutation: (v: Variant) => AdvertOpts,
  variants?: VariantId[],
): Scenario {
  const advertised = (c: ScenarioCtx) => mutation(c.v).intervalMs ?? c.v.intervalMs;
  return swapScenario(
    id,
    mutation,
    variants,
    (c) => 2 * c.mdiMs(DUT_PRIORITY, Math.max(advertised(c), c.v.intervalMs)),
    (c) => c.mdiMs(DUT_PRIORITY, advertised(c)),
  );
}

/**
 * The DUT's first advert after the swap, against the last valid (priority 200) tester advert before it:
 * whenever the tester made the swap, that is the last advert the DUT had to respect. (Bounding "last
 * valid" to one interval after the swap marker, as this judge once did, took an earlier advert when the
 * swap itself came late on a busy machine, and the silence came out an interval long.)
 */
export function judgeDiscard(o: Observed): Judgement {
  const swap = mark(o, 'swap');
  const dutFirst = adverts(o, 'dut', swap).find((a) => a.advert.priority > 0);
  const lastValid = adverts(o, 'tester', 0, dutFirst?.tUs)
    .filter((a) => a.advert.priority === 200)
    .at(-1);
  const mdi = mdiOf(o, DUT_PRIORITY);
  const s = span(lastValid, dutFirst);
  const j = windowed(
    'silence',
    s,
    mdi,
    `discarded: the DUT's master-down timer runs from the last valid advert, Master_Down_Interval(${DUT_PRIORITY}) = ${mdi.toFixed(1)} ms`,
  );
  const stop = o.marks.get('tester-stops');
  const silence = s ? (s.toUs - s.fromUs) / 1000 : undefined;
  if (silence !== undefined && silence < mdi - 5) {
    j.detail = `took over ${silence.toFixed(1)} ms after the last valid advert, before Master_Down_Interval (${mdi.toFixed(1)} ms): the broken advert was accepted and changed its timer`;
  }
  if (!j.pass && dutFirst && stop !== undefined && dutFirst.tUs > stop) {
    j.detail = `accepted: the DUT stayed backup while the broken adverts flowed (${ms(dutFirst.tUs - (lastValid?.tUs ?? 0))} ms after the last valid one)`;
    // staying backup is not a matter of timing: no machine noise turns it into a late takeover
    delete j.timing;
  }
  return j;
}

/** No DUT advert while the accepted adverts flowed; takeover at the last one + MDI (of `intervalMs`). */
export function judgeAccept(o: Observed, intervalMs = o.v.intervalMs, why = ''): Judgement {
  const swap = mark(o, 'swap');
  const stop = mark(o, 'tester-stops');
  const during = adverts(o, 'dut', swap, stop);
  const last = adverts(o, 'tester', 0, stop + o.v.intervalMs * 1000).at(-1);
  const first = last && adverts(o, 'dut', last.tUs)[0];
  if (during.length > 0) {
    return check(
      false,
      { dutAdvertsWhileAccepted: during.length },
      'the DUT stays backup while the adverts flow',
      `discarded: the DUT took over ${ms((during[0]?.tUs ?? swap) - swap)} ms after the change`,
    );
  }
  const mdi = mdiOf(o, DUT_PRIORITY, intervalMs);
  const j = windowed(
    'silence',
    span(last, first),
    mdi,
    `accepted: backup while they flowed, then master Master_Down_Interval(${DUT_PRIORITY}${intervalMs !== o.v.intervalMs ? `, ${intervalMs} ms interval` : ''}) = ${mdi.toFixed(1)} ms after the last${why}`,
  );
  j.measured.dutAdvertsWhileAccepted = 0;
  return j;
}

const v2only: VariantId[] = ['v2-ipv4'];
const v3only: VariantId[] = ['v3-ipv4', 'v3-ipv6'];

function discardCase(
  id: string,
  title: string,
  rfc: string,
  level: Case['level'],
  mutation: (v: Variant) => AdvertOpts,
  variants?: VariantId[],
): Case {
  return {
    id,
    group: 'receive',
    title,
    rfc,
    level,
    scenario: discardScenario(id, mutation, variants),
    ...(variants ? { variants } : {}),
    judge: judgeDiscard,
  };
}

export const RECEIVE_CASES: Case[] = [
  discardCase(
    'RX-TTL',
    'an advert with TTL / hop limit 254 is discarded',
    'RFC 5798 §7.1; RFC 3768 §7.1',
    'MUST',
    () => ({ ttl: 254 }),
  ),
  discardCase(
    'RX-VERSION',
    'an advert of the other protocol version is discarded',
    'RFC 5798 §7.1; RFC 3768 §7.1',
    'MUST',
    (v) => ({ versionField: v.version === 2 ? 3 : 2 }),
  ),
  discardCase(
    'RX-TYPE',
    'an advert of type 2 (not ADVERTISEMENT) is discarded',
    'RFC 5798 §5.2.2; RFC 3768 §5.3.2',
    'MUST',
    () => ({ type: 2 }),
  ),
  discardCase(
    'RX-TRUNCATED',
    'a packet cut short (the address list incomplete) is discarded',
    'RFC 5798 §7.1; RFC 3768 §7.1',
    'MUST',
    (v) => ({ truncate: v.version === 2 ? 10 : 4 }),
  ),
  discardCase(
    'RX-COUNT-LARGE',
    'a count larger than the addresses present is discarded',
    'RFC 5798 §7.1; RFC 3768 §7.1',
    'MUST',
    (v) => ({ count: v.vips.length + 1 }),
  ),
  discardCase(
    'RX-CHECKSUM',
    'an advert with a wrong checksum is discarded',
    'RFC 5798 §7.1; RFC 3768 §7.1',
    'MUST',
    () => ({ checksum: 0x1234 }),
  ),
  discardCase(
    'RX-VRID',
    'an advert for a VRID not configured here is discarded',
    'RFC 5798 §7.1; RFC 3768 §7.1',
    'MUST',
    (v) => ({ vrid: v.vrid + 89 }),
  ),
  discardCase(
    'RX-AUTH-PASS',
    'a wrong password is discarded',
    'RFC 3768 §7.1, §5.3.6.1',
    'MUST',
    () => ({ password: 'wrongpw' }),
    v2only,
  ),
  discardCase(
    'RX-AUTH-TYPE',
    'an advert without authentication where PASS is configured is discarded',
    'RFC 3768 §7.1',
    'MUST',
    () => ({ authType: 0, password: '' }),
    v2only,
  ),
  discardCase(
    'RX-INTERVAL-V2',
    'a VRRPv2 advert with another Advertisement Interval is discarded',
    'RFC 3768 §7.1',
    'MUST',
    (v) => ({ intervalMs: v.intervalMs * 2 }),
    v2only,
  ),
  discardCase(
    'RX-ADDRESSES-V2',
    'a VRRPv2 advert (not from the owner) whose addresses differ from the configured ones is discarded',
    'RFC 3768 §7.1',
    'MUST',
    () => ({ addresses: ['198.51.100.77'] }),
    v2only,
  ),
  // v3: RFC 9568 §5.2.5 says a count of 0 MUST be ignored, and erratum EID 8299 (verified 2025) adds the
  // check to §7.1's list. RFC 3768 states no minimum, so for v2 it is only what a careful receiver does.
  discardCase(
    'RX-COUNT-ZERO',
    'a VRRPv3 advert with count 0 and no addresses is discarded',
    'RFC 9568 §5.2.5, §7.1 (erratum EID 8299); RFC 5798 §5.2.5 (minimum 1)',
    'MUST',
    () => ({ addresses: [], count: 0 }),
    v3only,
  ),
  discardCase(
    'RX-COUNT-ZERO-V2',
    'a VRRPv2 advert with count 0 and no addresses is discarded',
    'RFC 3768 §5.3.5 (no minimum stated; RFC 9568 §5.2.5 by analogy)',
    'SHOULD',
    () => ({ addresses: [], count: 0 }),
    v2only,
  ),
  discardCase(
    'RX-INTERVAL-ZERO',
    'a VRRPv3 advert with Max Advertise Interval 0 is discarded',
    'RFC 5798 §5.2.7',
    'SHOULD',
    () => ({ intervalMs: 0 }),
    v3only,
  ),
  {
    id: 'RX-CHECKSUM-MESSAGE',
    group: 'receive',
    title: 'a VRRPv3/IPv4 checksum without the pseudo-header: what the DUT does with it (recorded)',
    rfc: 'RFC 5798 §5.2.8; RFC 9568 §5.2.8',
    level: 'info',
    variants: ['v3-ipv4'],
    scenario: acceptScenario('RX-CHECKSUM-MESSAGE', () => ({ checksumForm: 'message' }), ['v3-ipv4']),
    judge(o) {
      // Either answer is recorded; the case passes when the behaviour is one of the two, cleanly.
      const j = judgeAccept(o);
      if (j.pass) return { ...j, detail: `accepts the message-only form: ${j.detail}` };
      const d = judgeDiscard(o);
      return {
        ...d,
        detail: `discards the message-only form (the RFC 5798 checksum includes the pseudo-header): ${d.detail}`,
      };
    },
  },
  {
    id: 'RX-RESERVED',
    group: 'receive',
    title: 'non-zero reserved bits are ignored: the advert counts',
    rfc: 'RFC 5798 §5.2.6',
    level: 'MUST',
    variants: v3only,
    scenario: acceptScenario('RX-RESERVED', () => ({ reserved: 0xf }), v3only),
    judge: (o) => judgeAccept(o),
  },
  {
    id: 'RX-PADDING',
    group: 'receive',
    title: 'Ethernet padding after the IP datagram is not part of the packet: the advert counts',
    rfc: 'RFC 5798 §7.1 (length from the IP header)',
    level: 'SHOULD',
    scenario: acceptScenario('RX-PADDING', () => ({ padding: 18 })),
    judge: (o) => judgeAccept(o),
  },
  {
    id: 'RX-INTERVAL-V3',
    group: 'receive',
    title: 'a VRRPv3 backup adopts the master’s advertised interval (mismatch accepted)',
    rfc: 'RFC 5798 §6.4.2, §7.1',
    level: 'MUST',
    variants: v3only,
    scenario: acceptScenario('RX-INTERVAL-V3', (v) => ({ intervalMs: v.intervalMs * 2 }), v3only),
    judge: (o) =>
      judgeAccept(o, o.v.intervalMs * 2, ': the master-down timer uses the interval the master advertises'),
  },
  {
    id: 'RX-ADDRESSES-V3',
    group: 'receive',
    title:
      'a VRRPv3 advert whose addresses differ from the configured ones is still accepted (may be logged)',
    rfc: 'RFC 5798 §7.1',
    level: 'MAY',
    variants: v3only,
    scenario: acceptScenario(
      'RX-ADDRESSES-V3',
      (v) => ({ addresses: v.family === 4 ? ['198.51.100.77'] : ['fe80::5:77'] }),
      v3only,
    ),
    judge: (o) => judgeAccept(o),
  },
];

/** The checks a decoding tester advert would fail, for the report's drill-down. */
export function testerDrops(o: Observed): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of frames(o, 'advert', 'tester')) if (!f.ok) out[f.reason] = (out[f.reason] ?? 0) + 1;
  return out;
}
