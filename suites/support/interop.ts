import { expect } from 'vitest';
import type { ScenarioResult, ScenarioSpec } from '../../src/scenario/run.js';
import { masterDownMs, releaseFailover, silentFailover, TOLERANCE } from '../../src/timeline/expect.js';
import type { ImplChoice } from '../../src/topology/impl.js';
import './matchers.js';
import { expectHandoverTime } from './noise.js';

/** The two ways round for a keepalived ↔ tsvrrpd pair: who plays r1 (the elected master) and r2. */
export const ROLES: { tag: string; title: string; impl: ImplChoice; r1: string; r2: string }[] = [
  {
    tag: 'kt',
    title: 'keepalived master, tsvrrpd backup',
    impl: { nodes: { r1: 'keepalived', r2: 'tsvrrpd' } },
    r1: 'keepalived',
    r2: 'tsvrrpd',
  },
  {
    tag: 'tk',
    title: 'tsvrrpd master, keepalived backup',
    impl: { nodes: { r1: 'tsvrrpd', r2: 'keepalived' } },
    r1: 'tsvrrpd',
    r2: 'keepalived',
  },
];

/** Two routers on one segment, r1 at priority 150 (the elected master), r2 at 100. */
export interface PairFacts {
  version: 2 | 3;
  intervalMs: number;
  vips: readonly string[];
}

/**
 * Four faults on the master, each waiting for its outcome before the next: a clean stop (priority 0),
 * its return (preemption), a crash (silence), its return again.
 */
export function handovers(vips: readonly string[], observeMs: number): ScenarioSpec {
  const on = (node: string) => vips.map((address) => ({ address, node }));
  return {
    name: 'interop',
    title: 'stop, return, crash, return',
    probes: [],
    steps: [
      { at: 0, kind: 'daemon-stop', target: 'r1', until: on('r2') },
      { at: 0, kind: 'daemon-start', target: 'r1', until: on('r1') },
      { at: 0, kind: 'host-crash', target: 'r1', until: on('r2') },
      { at: 0, kind: 'host-recover', target: 'r1', until: on('r1') },
    ],
    expectHolders: on('r1'),
    deadlineMs: 20_000,
    observeMs,
  };
}

/**
 * What {@link handovers} must show on the wire, whichever speakers play r1 and r2: r1 elected, r2 taking
 * over at Skew_Time after r1's priority 0 and at Master_Down_Interval after its crash, r1 preempting back
 * each time, every new master announcing its addresses, every VRRP packet valid.
 */
export function expectPairHandovers(r: ScenarioResult, pair: PairFacts): void {
  const { version, intervalMs } = pair;
  // Election: r1 (150) is master when the first fault comes. r2 may have been master for a moment
  // first (the two daemons do not start at the same instant); if so it yielded to r1's first advert.
  const firstFault = r.faults[0]?.atUs ?? 0;
  const before = r.events.filter((e) => e.type === 'advert' && e.tUs < firstFault);
  const r1First = before.find((e) => e.type === 'advert' && e.node === 'r1')?.tUs ?? Number.POSITIVE_INFINITY;
  expect(
    before
      .filter((e) => e.type === 'advert' && e.node === 'r1')
      .map((e) => e.type === 'advert' && e.priority),
  ).toContain(150);
  expect(before.filter((e) => e.type === 'advert' && e.node === 'r2' && e.tUs > r1First)).toEqual([]);
  expect(r.spans.find((s) => s.firstAdvertUs <= firstFault && s.endUs >= firstFault)?.node).toBe('r1');
  // Every VRRP packet on the segment passed the shared codec's receive checks.
  expect(r.events.filter((e) => e.type === 'vrrp-invalid')).toEqual([]);

  const [stop, start, crash, recover] = r.faults;
  const of = (f: typeof stop) => r.handovers.filter((h) => h.faultId === f?.id);
  const mdi150 = masterDownMs(version, 150, intervalMs);
  const preempt = {
    min: mdi150 - TOLERANCE.earlyMs,
    max: mdi150 + 1000,
    why: `preemption: Master_Down_Interval(150) = ${mdi150.toFixed(1)} ms after r1 is back; +1000 ms for the daemon to start`,
  };

  // r1 stopped cleanly: its priority-0 advert, and r2 takes over at Skew_Time(100).
  const [released] = of(stop);
  expect(released).toMatchObject({ from: 'r1', to: 'r2', oldReleased: true });
  expectHandoverTime(released, 'silence', releaseFailover(version, 100, intervalMs));
  // r1 back: it starts as backup, hears r2's lower priority, preempts when its own timer runs out.
  const [back] = of(start);
  expect(back).toMatchObject({ from: 'r2', to: 'r1' });
  expectHandoverTime(back, 'failover', preempt);
  // r1 crashed: r2 takes over one Master_Down_Interval(100) after r1's last advert.
  const [silent] = of(crash);
  expect(silent).toMatchObject({ from: 'r1', to: 'r2', oldReleased: false });
  expectHandoverTime(silent, 'silence', silentFailover(version, 100, intervalMs).fromLastAdvert);
  const [again] = of(recover);
  expect(again).toMatchObject({ from: 'r2', to: 'r1' });
  expectHandoverTime(again, 'failover', preempt);
  for (const vip of pair.vips) expect(r.holders.get(vip)).toEqual(['r1']);

  // Each new master announced its addresses (GARP for IPv4, unsolicited NA for IPv6).
  for (const h of [released, back, silent, again]) expect(h?.firstGarpUs).toBeDefined();
}
