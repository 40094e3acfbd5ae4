import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { ScenarioSpec } from '../../src/scenario/run.js';
import { masterDownMs, releaseFailover, silentFailover, TOLERANCE } from '../../src/timeline/expect.js';
import type { ImplChoice } from '../../src/topology/impl.js';
import { canRunLabs } from '../support/lab.js';
import '../support/matchers.js';
import { describeHandover, scenarioOn } from '../support/scenario.js';

/**
 * keepalived and tsvrrpd on one segment, in both roles, for each protocol variant: they must elect the
 * same master, hand over at the RFC instants in both directions, and read each other's packets.
 * r1 has priority 150 (the elected master), r2 100.
 */
const PAIRS = [
  { lab: 'pair-v2', version: 2, family: 4, intervalMs: 1000, vips: ['198.51.100.50'] },
  { lab: 'pair-v3', version: 3, family: 4, intervalMs: 100, vips: ['198.51.100.50'] },
  { lab: 'pair-v6', version: 3, family: 6, intervalMs: 100, vips: ['fe80::5:56', '2001:db8:1::56'] },
] as const;

const ROLES: { tag: string; title: string; impl: ImplChoice; r1: string; r2: string }[] = [
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

/**
 * Four faults on the master, each waiting for its outcome before the next: a clean stop (priority 0),
 * its return (preemption), a crash (silence), its return again.
 */
function handovers(vips: readonly string[], observeMs: number): ScenarioSpec {
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

describe.skipIf(!canRunLabs)('interop: keepalived ↔ tsvrrpd', () => {
  for (const pair of PAIRS) {
    for (const role of ROLES) {
      it(`${pair.lab} (v${pair.version}, IPv${pair.family}), ${role.title}: election, priority-0 release, preemption, crash, preemption`, async () => {
        const { version, intervalMs } = pair;
        const spec = { ...handovers(pair.vips, 3 * intervalMs), name: `interop-${pair.lab}-${role.tag}` };
        const r = await scenarioOn(
          `topologies/${pair.lab}.yaml`,
          `iop-${pair.lab.slice(5)}-${role.tag}`,
          spec,
          role.impl,
        );
        console.log(`${pair.lab} ${role.title}\n${describeHandover(r)}`);

        // Election: r1 (150) is master when the first fault comes. r2 may have been master for a moment
        // first (the two daemons do not start at the same instant); if so it yielded to r1's first advert.
        const firstFault = r.faults[0]?.atUs ?? 0;
        const before = r.events.filter((e) => e.type === 'advert' && e.tUs < firstFault);
        const r1First =
          before.find((e) => e.type === 'advert' && e.node === 'r1')?.tUs ?? Number.POSITIVE_INFINITY;
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
        expect(released?.silenceMs).toBeWithin(releaseFailover(version, 100, intervalMs));
        // r1 back: it starts as backup, hears r2's lower priority, preempts when its own timer runs out.
        const [back] = of(start);
        expect(back).toMatchObject({ from: 'r2', to: 'r1' });
        expect(back?.failoverMs).toBeWithin(preempt);
        // r1 crashed: r2 takes over one Master_Down_Interval(100) after r1's last advert.
        const [silent] = of(crash);
        expect(silent).toMatchObject({ from: 'r1', to: 'r2', oldReleased: false });
        expect(silent?.silenceMs).toBeWithin(silentFailover(version, 100, intervalMs).fromLastAdvert);
        const [again] = of(recover);
        expect(again).toMatchObject({ from: 'r2', to: 'r1' });
        expect(again?.failoverMs).toBeWithin(preempt);
        for (const vip of pair.vips) expect(r.holders.get(vip)).toEqual(['r1']);

        // Each new master announced its addresses (GARP for IPv4, unsolicited NA for IPv6).
        for (const h of [released, back, silent, again]) expect(h?.firstGarpUs).toBeDefined();

        // tcpdump, not our decoder, on the same capture: tsvrrpd's adverts are valid VRRP with TTL / hop limit 255.
        const ts = role.r1 === 'tsvrrpd' ? 'r1' : 'r2';
        const mac = ts === 'r1' ? `02:00:00:00:0${pair.lab.at(-1)}:01` : `02:00:00:00:0${pair.lab.at(-1)}:02`;
        const dump = await execa('tcpdump', [
          '-n',
          '-v',
          '-e',
          '-r',
          join(r.artifacts, 'pcap', 'lan.pcap'),
          `ether src ${mac} and ip${pair.family === 6 ? '6' : ''} proto 112`,
        ]);
        const lines = dump.stdout.split('\n').filter((l) => /VRRPv\d/.test(l) || /ttl|hlim/.test(l));
        console.log(`tcpdump on ${ts} (tsvrrpd):\n${lines.slice(0, 2).join('\n')}`);
        expect(dump.stdout).toMatch(new RegExp(`VRRPv${version}, Advertisement`));
        expect(dump.stdout).toMatch(pair.family === 6 ? /hlim 255/ : /ttl 255/);
        expect(dump.stdout).not.toMatch(/bad vrrp cksum|ttl (?!255)\d+|hlim (?!255)\d+/);
      });
    }
  }
});
