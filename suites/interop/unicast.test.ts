import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { decodeFrame } from '../../src/capture/decode/frame.js';
import { readAll } from '../../src/capture/pcap.js';
import { lintFiles } from '../../src/keepalived/lint.js';
import { expectPairHandovers, handovers, ROLES } from '../support/interop.js';
import { canRunLabs, ROOT } from '../support/lab.js';
import { labIt } from '../support/noise.js';
import { describeHandover, scenarioOn } from '../support/scenario.js';

/**
 * keepalived's unicast_peer / unicast_src_ip (an extension: the RFCs only multicast) between tsvrrpd and
 * keepalived in both roles. Each router sends its adverts to the other's address and nothing to the
 * VRRP group; the pair elects and hands over exactly as it does over multicast. Over IPv6 the routers
 * send from their link-local addresses (no unicast_src_ip) to the peer's link-local one: keepalived binds
 * its unicast receive socket to its own source address, so a peer must be named by that address.
 */
const dir = mkdtempSync(join(tmpdir(), 'unicast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAIRS = [
  {
    pair: 'pair-v2',
    version: 2,
    family: 4,
    intervalMs: 1000,
    vips: ['198.51.100.50'],
    own: ['198.51.100.1', '198.51.100.2'],
    src: true,
  },
  {
    pair: 'pair-v3',
    version: 3,
    family: 4,
    intervalMs: 100,
    vips: ['198.51.100.50'],
    own: ['198.51.100.1', '198.51.100.2'],
    src: true,
  },
  {
    pair: 'pair-v6',
    version: 3,
    family: 6,
    intervalMs: 100,
    vips: ['fe80::5:56', '2001:db8:1::56'],
    own: ['fe80::ff:fe00:601', 'fe80::ff:fe00:602'],
    src: false,
  },
] as const;

/** The pair's topology and configs, copied, each router given the other as its one unicast peer. */
function withUnicast(pair: (typeof PAIRS)[number]): string {
  cpSync(join(ROOT, `topologies/${pair.pair}.yaml`), join(dir, `${pair.pair}.yaml`));
  cpSync(join(ROOT, `topologies/${pair.pair}`), join(dir, pair.pair), { recursive: true });
  ['r1', 'r2'].forEach((r, i) => {
    const conf = join(dir, pair.pair, `${r}.conf`);
    const [self, peer] = i === 0 ? pair.own : [pair.own[1], pair.own[0]];
    const lines = [...(pair.src ? [`unicast_src_ip ${self}`] : []), `unicast_peer {`, `    ${peer}`, `}`];
    writeFileSync(
      conf,
      readFileSync(conf, 'utf8').replace(/^(\s+)interface eth0$/m, (m, indent: string) =>
        [m, ...lines.map((l) => indent + l)].join('\n'),
      ),
    );
  });
  return join(dir, `${pair.pair}.yaml`);
}

describe.skipIf(!canRunLabs)('interop over unicast_peer', () => {
  for (const pair of PAIRS) {
    for (const role of ROLES) {
      labIt(
        `${pair.pair} (v${pair.version}, IPv${pair.family}), ${role.title}: adverts only to the peer, election, release, preemption, crash`,
        async () => {
          const spec = {
            ...handovers(pair.vips, 3 * pair.intervalMs),
            name: `unicast-${pair.pair}-${role.tag}`,
          };
          const topology = withUnicast(pair);
          // harness lint agrees that these peers hear each other (it flags pairs that cannot)
          const confs = ['r1', 'r2'].map((n) => join(dir, pair.pair, `${n}.conf`));
          expect((await lintFiles(confs)).filter((f) => f.code.includes('unicast'))).toEqual([]);
          const r = await scenarioOn(topology, `uc-${pair.pair.slice(5)}-${role.tag}`, spec, role.impl);
          console.log(`${pair.pair} unicast, ${role.title}\n${describeHandover(r)}`);
          expectPairHandovers(r, pair);

          // On the wire: every advert goes to the other router's address, none to 224.0.0.18 / ff02::12.
          const frames = (await readAll(join(r.artifacts, 'pcap', 'lan.pcap'))).map(decodeFrame);
          const adverts = frames.filter((f) => f.ip?.proto === 112);
          const macOf = (n: 1 | 2) => `02:00:00:00:0${pair.pair.at(-1)}:0${n}`;
          for (const [n, speaker] of [
            [1, role.r1],
            [2, role.r2],
          ] as const) {
            const own = adverts.filter((f) => f.eth?.src === macOf(n));
            const ttls = [...new Set(own.map((f) => f.ip?.ttl))];
            console.log(
              `r${n} (${speaker}): ${own.length} adverts to ${[...new Set(own.map((f) => f.ip?.dst))].join(', ')}, ` +
                `from ${[...new Set(own.map((f) => f.ip?.src))].join(', ')}, ${pair.family === 4 ? 'TTL' : 'hop limit'} ${ttls.join(', ')}`,
            );
            expect(own.length).toBeGreaterThan(2);
            expect(new Set(own.map((f) => f.ip?.dst))).toEqual(new Set([pair.own[2 - n]]));
            if (pair.src) expect(new Set(own.map((f) => f.ip?.src))).toEqual(new Set([pair.own[n - 1]]));
            else expect(own.every((f) => f.ip?.src.startsWith('fe80:'))).toBe(true);
            // tsvrrpd keeps 255 for unicast too; keepalived sends IPv6 unicast at the kernel's default hop
            // limit unless unicast_ttl is set (vrrp.c sets IPV6_HOPLIMIT only then), and tsvrrpd must accept it.
            if (speaker === 'tsvrrpd' || pair.family === 4) expect(ttls).toEqual([255]);
          }
        },
      );
    }
  }
});
