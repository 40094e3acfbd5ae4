import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect } from 'vitest';
import { expectPairHandovers, handovers, ROLES } from '../support/interop.js';
import { canRunLabs } from '../support/lab.js';
import { labIt } from '../support/noise.js';
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

describe.skipIf(!canRunLabs)('interop: keepalived ↔ tsvrrpd', () => {
  for (const pair of PAIRS) {
    for (const role of ROLES) {
      labIt(
        `${pair.lab} (v${pair.version}, IPv${pair.family}), ${role.title}: election, priority-0 release, preemption, crash, preemption`,
        async () => {
          const { version, intervalMs } = pair;
          const spec = { ...handovers(pair.vips, 3 * intervalMs), name: `interop-${pair.lab}-${role.tag}` };
          const r = await scenarioOn(
            `topologies/${pair.lab}.yaml`,
            `iop-${pair.lab.slice(5)}-${role.tag}`,
            spec,
            role.impl,
          );
          console.log(`${pair.lab} ${role.title}\n${describeHandover(r)}`);

          expectPairHandovers(r, pair);

          // tcpdump, not our decoder, on the same capture: tsvrrpd's adverts are valid VRRP with TTL / hop limit 255.
          const ts = role.r1 === 'tsvrrpd' ? 'r1' : 'r2';
          const mac =
            ts === 'r1' ? `02:00:00:00:0${pair.lab.at(-1)}:01` : `02:00:00:00:0${pair.lab.at(-1)}:02`;
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
        },
      );
    }
  }
});
