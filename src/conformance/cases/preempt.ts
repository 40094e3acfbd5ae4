/**
 * Preemption (RFC 5798 §6.4.2; RFC 3768 §6.4.2), keepalived's preempt_delay, FAULT and sync groups.
 * The tester is master at 150 over the DUT (100), then drops its priority to 50: a preempting DUT takes
 * over one Master_Down_Interval after the last advert it had to respect.
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
  tol,
  windowed,
} from '../case.js';
import type { Observed, Scenario, ScenarioCtx } from '../engine.js';
import type { DutInstance } from '../lab.js';
import type { AdvertObs } from '../observe.js';

const I = (c: ScenarioCtx) => c.v.intervalMs;

/** preempt_delay in seconds for a variant: 10 intervals (1 s at 0.1 s, 10 s at 1 s is too long: 3 s). */
const delayS = (intervalMs: number) => (intervalMs >= 1000 ? 3 : (10 * intervalMs) / 1000);

const mdi = (o: Observed, p: number) => mdiOf(o, p);

function lowered(id: string, dut: (intervalMs: number) => DutInstance, cancel = false): Scenario {
  return {
    id,
    start: 'none',
    dut: (v) => ({ instances: [dut(v.intervalMs)] }),
    async run(c) {
      await testerMaster(c, 150);
      await c.mark('lower');
      const delay = (dut(I(c)).preemptDelayS ?? 0) * 1000;
      if (delay > 0) await lowerOffGrid(c);
      else await c.tester.swap('m', [c.advert({ priority: 50 })]);
      if (cancel) {
        // Half the delay, then one interval of priority 150 again (which stops the delay), then 50 for good.
        await c.observeFor(delay / 2);
        await c.mark('restore');
        await c.tester.swap('m', [c.advert({ priority: 150 })]);
        await c.observeFor(2 * I(c));
        await c.mark('lower-again');
        await lowerOffGrid(c);
      }
      const nopreempt = dut(I(c)).nopreempt === true;
      await c.until((h) => h.includes('dut'), nopreempt ? 3 * c.mdiMs(100) : delay + c.mdiMs(100) + 2000);
      await c.mark('end');
      await c.tester.stop('m');
    },
  };
}

/**
 * Priority 50 from now on: one advert now, the rest from half an interval later on a fresh grid. The
 * delay runs from the first lower advert and is a whole number of intervals, so it then ends halfway
 * between two lower adverts and the last one counted is never a race with the delay's end (a race let a
 * Master_Down_Interval without its skew pass: one interval minus the skew looks like a skew). The half
 * interval is a traffic pattern, not a wait for anything: a quarter either way would do.
 */
async function lowerOffGrid(c: ScenarioCtx): Promise<void> {
  const lower = [c.advert({ priority: 50 })];
  await c.tester.stop('m');
  await c.tester.start('m', lower, I(c));
  await c.observeFor(I(c) / 2);
  await c.tester.stop('m');
  await c.tester.start('m', lower, I(c));
}

/** The first tester advert at priority 50 after `label`, and the DUT's first advert after `from`. */
function firstLowerAfter(o: Observed, label: string) {
  return adverts(o, 'tester', mark(o, label)).find((a) => a.advert.priority === 50);
}

/** The DUT's take-over against the last priority-150 advert it had to respect: Master_Down_Interval. */
function fromLastHigher(o: Observed, why: string): Judgement {
  const lower = firstLowerAfter(o, 'lower');
  const last150 = adverts(o, 'tester', 0, lower?.tUs ?? 0)
    .filter((a) => a.advert.priority === 150)
    .at(-1);
  const first = last150 && adverts(o, 'dut', last150.tUs)[0];
  return windowed(
    'fromLastHigher',
    span(last150, first),
    mdi(o, 100),
    `${why}: Master_Down_Interval(100) = ${mdi(o, 100).toFixed(1)} ms after the last priority-150 advert`,
  );
}

/**
 * keepalived's preempt_delay (vrrp_state_backup): from the first lower advert the lower adverts count
 * for the delay; then they are discarded, and the master-down timer runs out Master_Down_Interval after
 * the last one counted: the last lower advert before the delay's end. The scenario keeps the lower
 * adverts half an interval away from that end (lowerOffGrid), more than the delay timer's own jitter
 * (a few ms measured), so the verdict has one reference and the usual tolerance.
 */
function fromLastCounted(o: Observed, firstLower: AdvertObs | undefined, label: string, why: string) {
  const d = delayS(o.v.intervalMs) * 1000;
  const first = firstLower && adverts(o, 'dut', firstLower.tUs)[0];
  const endUs = (firstLower?.tUs ?? 0) + d * 1000;
  const lowers = firstLower
    ? adverts(o, 'tester', firstLower.tUs, first?.tUs).filter((a) => a.advert.priority === 50)
    : [];
  const counted = lowers.filter((a) => a.tUs < endUs).at(-1);
  const nearestToEndMs = lowers.length
    ? Math.min(...lowers.map((a) => Math.abs(a.tUs - endUs))) / 1000
    : null;
  const want = mdi(o, 100);
  const j = windowed(
    label,
    span(counted, first),
    want,
    `${why}: preempt_delay ${d} ms from the first lower advert, then Master_Down_Interval(100) = ${want.toFixed(1)} ms after the last lower advert before the delay's end`,
  );
  j.measured.lastCountedAfterFirstLowerMs = counted && firstLower ? ms(counted.tUs - firstLower.tUs) : null;
  j.measured.takeoverAfterFirstLowerMs = first && firstLower ? ms(first.tUs - firstLower.tUs) : null;
  j.measured.nearestLowerToDelayEndMs = nearestToEndMs === null ? null : ms(nearestToEndMs * 1000);
  return j;
}

const PREEMPT = lowered('PREEMPT', () => ({ priority: 100 }));
const NOPREEMPT = lowered('NOPREEMPT', () => ({ priority: 100, nopreempt: true }));
const DELAY = lowered('PREEMPT-DELAY', (i) => ({ priority: 100, preemptDelayS: delayS(i) }));
const DELAY_CANCEL = lowered(
  'PREEMPT-DELAY-CANCEL',
  (i) => ({ priority: 100, preemptDelayS: delayS(i) }),
  true,
);
const DELAY_MASTER = lowered('PREEMPT-DELAY-MASTER', (i) => ({
  priority: 100,
  preemptDelayS: delayS(i),
  state: 'MASTER',
}));

/** FAULT: eth1 is tracked; it goes down and comes back while the DUT is master alone. */
const FAULT: Scenario = {
  id: 'FAULT',
  start: 'dut-master',
  dut: () => ({ instances: [{ priority: 100, trackInterfaces: ['eth1'] }], secondSegment: true }),
  async run(c) {
    await c.observeFor(2 * I(c));
    await c.mark('down');
    await c.fault('link-down', 'dut:eth1');
    await c.until((h) => !h.includes('dut'), 2000);
    await c.observeFor(3 * I(c));
    await c.mark('up');
    await c.fault('link-up', 'dut:eth1');
    // the link came up somewhere between the two markers (ip's own start-up is in between)
    await c.mark('up-done');
    await c.until((h) => h.includes('dut'), c.mdiMs(100) + 2000);
    await c.observeFor(2 * I(c));
  },
};

/** Two instances in a sync group (VRID 10 on eth0, 11 on eth1, both tracking eth1), master alone. */
const SYNC: Scenario = {
  id: 'SYNC',
  start: 'dut-master',
  dut: () => ({
    instances: [
      { priority: 100, iface: 'eth0' },
      { priority: 100, iface: 'eth1', trackInterfaces: ['eth1'] },
    ],
    syncGroup: true,
    secondSegment: true,
  }),
  async run(c) {
    await c.observeFor(2 * I(c));
    await c.mark('down');
    // The member on eth1 goes FAULT with its link (cut at the switch, so the DUT sees no carrier);
    // its partner on eth0 must follow.
    await c.fault('cable-cut', 'dut:eth1');
    await c.until((h) => !h.includes('dut'), 2000);
    await c.observeFor(3 * I(c));
    await c.fault('cable-restore', 'dut:eth1');
    await c.until((h) => h.includes('dut'), c.mdiMs(100) + 2000);
  },
};

export const PREEMPT_CASES: Case[] = [
  {
    id: 'PRE-PREEMPT',
    group: 'preemption',
    title:
      'preempt (the default): a backup of higher priority than the master takes over at Master_Down_Interval',
    rfc: 'RFC 5798 §6.4.2; RFC 3768 §6.4.2',
    level: 'MUST',
    scenario: PREEMPT,
    judge: (o) => fromLastHigher(o, 'lower adverts are discarded'),
  },
  {
    id: 'PRE-NOPREEMPT',
    group: 'preemption',
    title: 'nopreempt: a higher-priority backup keeps a lower master',
    rfc: 'RFC 5798 §6.4.2 (Preempt_Mode False); RFC 3768 §6.4.2',
    level: 'MUST',
    scenario: NOPREEMPT,
    judge(o) {
      const lower = mark(o, 'lower');
      const end = mark(o, 'end');
      const mine = adverts(o, 'dut', lower, end);
      return check(
        mine.length === 0,
        { dutAdverts: mine.length, watchedMs: ms(end - lower) },
        'the DUT stays backup while the lower master advertises (3 Master_Down_Intervals)',
        mine.length ? `preempted after ${ms((mine[0]?.tUs ?? 0) - lower)} ms` : 'stayed backup',
      );
    },
  },
  {
    id: 'PRE-DELAY',
    group: 'preemption',
    title:
      'preempt_delay: the take-over waits the delay from the first lower advert, then Master_Down_Interval',
    rfc: 'keepalived.conf(5) preempt_delay; keepalived vrrp_state_backup()',
    level: 'keepalived',
    scenario: DELAY,
    judge: (o) =>
      fromLastCounted(
        o,
        firstLowerAfter(o, 'lower'),
        'fromLastCounted',
        'lower adverts count while the delay runs',
      ),
  },
  {
    id: 'PRE-DELAY-CANCEL',
    group: 'preemption',
    title:
      'preempt_delay is stopped by an advert of equal or higher priority and starts again at the next lower one',
    rfc: 'keepalived vrrp_state_backup()',
    level: 'keepalived',
    scenario: DELAY_CANCEL,
    judge(o) {
      const again = firstLowerAfter(o, 'lower-again');
      const early = adverts(o, 'dut', mark(o, 'lower'), again?.tUs ?? 0);
      const j = fromLastCounted(o, again, 'fromLastCounted', 'a fresh delay from the second lower advert');
      j.measured.takeoversBefore = early.length;
      j.pass = j.pass && early.length === 0;
      return j;
    },
  },
  {
    id: 'PRE-DELAY-STATE-MASTER',
    group: 'preemption',
    title: 'preempt_delay does not apply to an instance configured state MASTER (keepalived clears it)',
    rfc: 'keepalived vrrp_complete_instance(): "preempt delay will not work with initial state MASTER"',
    level: 'keepalived',
    scenario: DELAY_MASTER,
    judge: (o) => fromLastHigher(o, 'no delay'),
  },
  {
    id: 'FAULT-RELEASE',
    group: 'preemption',
    title: 'a tracked interface down: the master goes FAULT, sends priority 0 and removes its VIPs',
    rfc: 'keepalived track_interface; RFC 5798 §6.4.3 (Shutdown)',
    level: 'keepalived',
    scenario: FAULT,
    judge(o) {
      const down = mark(o, 'down');
      const up = mark(o, 'up');
      const zero = adverts(o, 'dut', down, up).find((a) => a.advert.priority === 0);
      const others = adverts(o, 'dut', (zero?.tUs ?? down) + 1, up).filter((a) => a.advert.priority > 0);
      return check(
        zero !== undefined && others.length === 0,
        { priorityZeroAfterMs: zero ? ms(zero.tUs - down) : null, advertsInFault: others.length },
        'priority 0 once, then silence while FAULT',
        zero
          ? `priority 0 after ${ms(zero.tUs - down)} ms${others.length ? `, then ${others.length} adverts` : ''}`
          : 'no priority-0 advert',
      );
    },
  },
  {
    id: 'FAULT-RETURN',
    group: 'preemption',
    title: 'leaving FAULT the instance is BACKUP again and becomes master one Master_Down_Interval later',
    rfc: 'keepalived vrrp_state_leave_fault(); RFC 5798 §6.4.1',
    level: 'keepalived',
    scenario: FAULT,
    judge(o) {
      const up = mark(o, 'up');
      const done = mark(o, 'up-done');
      const first = adverts(o, 'dut', up).find((a) => a.advert.priority > 0);
      // The link came up between the marker before `ip link set up` and the one after it returned: the
      // window opens at the first and its tolerance runs from the second (the daemon hears of the link
      // over netlink within microseconds). Not a fixed +100 ms: ip's start-up took 5-60 ms here, and
      // once more than that (a FAIL of keepalived that was the harness's own latency).
      const between = (done - up) / 1000;
      const j = windowed(
        'upToFirstAdvert',
        span({ tUs: up }, first),
        mdi(o, 100),
        `Master_Down_Interval(100) = ${mdi(o, 100).toFixed(1)} ms after the link is back, which happened within the ${between.toFixed(1)} ms between the markers`,
        tol.lateMs + between,
      );
      j.measured.linkUpWithinMs = Math.round(between * 100) / 100;
      return j;
    },
  },
  {
    id: 'SYNC-FAULT',
    group: 'sync',
    title: 'a sync group member going FAULT takes the whole group out of MASTER within one interval',
    rfc: 'keepalived vrrp_sync_group',
    level: 'keepalived',
    scenario: SYNC,
    judge(o) {
      const down = mark(o, 'down');
      const zeros = adverts(o, 'dut', down).filter((a) => a.advert.priority === 0);
      const eth0 = zeros.find((a) => a.segment === 'lan');
      const within = eth0 ? (eth0.tUs - down) / 1000 : undefined;
      const limit = o.v.intervalMs + tol.lateMs;
      const j = check(
        within !== undefined && within <= limit,
        { eth0MemberReleaseMs: within ?? null },
        `the eth0 member (VRID ${o.v.vrid}) releases within one interval of its partner's fault`,
        within === undefined
          ? 'the eth0 member did not release'
          : `released ${within.toFixed(1)} ms after the cut`,
      );
      if (eth0 && within !== undefined && within > limit) {
        j.timing = { dueUs: down, atUs: eth0.tUs, errorMs: within, lateMs: limit };
      }
      return j;
    },
  },
  {
    id: 'SYNC-PRIORITY-ZERO',
    group: 'sync',
    title: 'members leaving MASTER for their group send priority 0',
    rfc: 'keepalived vrrp_sync_group',
    level: 'keepalived',
    scenario: SYNC,
    judge(o) {
      const down = mark(o, 'down');
      const vrids = new Set(
        adverts(o, 'dut', down)
          .filter((a) => a.advert.priority === 0)
          .map((a) => a.advert.vrid),
      );
      // The member whose cable was cut cannot be heard on its own segment: its partner's release counts.
      const seen = frames(o, 'advert', 'dut', down).length;
      return check(
        vrids.has(o.v.vrid),
        { releasedVrids: [...vrids].join(', '), advertsSeen: seen },
        `a priority-0 advert for VRID ${o.v.vrid} (eth0; eth1's link is cut)`,
        vrids.size ? `priority 0 for VRID ${[...vrids].join(', ')}` : 'none',
      );
    },
  },
];
