import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/capture/decode/frame.js';
import { readAll } from '../../src/capture/pcap.js';
import { fault } from '../../src/faults/sequence.js';
import { down } from '../../src/lab/down.js';
import { up } from '../../src/lab/up.js';
import { waitForVips } from '../../src/lab/vips.js';
import { stopCaptures } from '../../src/scenario/run.js';
import type { ImplChoice } from '../../src/topology/impl.js';
import { virtualRouterMac } from '../../src/vrrp/announce.js';
import { canRunLabs, ROOT } from '../support/lab.js';

/**
 * keepalived's use_vmac (RFC 5798 §7.3's virtual router MAC) on both routers, tsvrrpd against keepalived
 * in both roles: both VMACs share one MAC, so each must hear the other on its VMAC; the adverts and the
 * GARPs / NAs carry the virtual router MAC; a clean stop still hands over.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmac-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withVmac(pair: string): string {
  cpSync(join(ROOT, `topologies/${pair}.yaml`), join(dir, `${pair}.yaml`));
  cpSync(join(ROOT, `topologies/${pair}`), join(dir, pair), { recursive: true });
  for (const r of ['r1', 'r2']) {
    const conf = join(dir, pair, `${r}.conf`);
    writeFileSync(
      conf,
      readFileSync(conf, 'utf8').replace(/^(\s+)interface eth0$/m, '$1interface eth0\n$1use_vmac'),
    );
  }
  return join(dir, `${pair}.yaml`);
}

const PAIRS = [
  { pair: 'pair-v2', family: 4 as const, vrid: 51, vips: ['198.51.100.50'] },
  { pair: 'pair-v6', family: 6 as const, vrid: 56, vips: ['fe80::5:56', '2001:db8:1::56'] },
];
const ROLES: { tag: string; impl: ImplChoice }[] = [
  { tag: 'kt', impl: { nodes: { r1: 'keepalived', r2: 'tsvrrpd' } } },
  { tag: 'tk', impl: { nodes: { r1: 'tsvrrpd', r2: 'keepalived' } } },
];

describe.skipIf(!canRunLabs)('interop with use_vmac', () => {
  for (const { pair, family, vrid, vips } of PAIRS) {
    for (const { tag, impl } of ROLES) {
      it(`${pair}, ${impl.nodes?.r1} master / ${impl.nodes?.r2} backup: virtual router MAC on the wire, clean hand-over`, async () => {
        const lab = `vm-${pair.slice(5)}-${tag}`;
        await down(lab).catch(() => {});
        const { state } = await up({ file: withVmac(pair), name: lab, impl });
        try {
          const nodes = state.nodes.filter((n) => n.name !== 'client');
          await fault(lab, 'daemon-stop', 'r1');
          await waitForVips(
            nodes,
            vips.map((address) => ({ address, expected: 'r2' })),
            10_000,
          );
          await stopCaptures(state);
          const vmac = virtualRouterMac(vrid, family);
          const frames = (await readAll(join(state.runDir, 'pcap', 'lan.pcap'))).map(decodeFrame);
          const adverts = frames.filter((f) => f.ip?.proto === 112);
          const announce = frames.filter(
            (f) => f.arp?.gratuitous || (f.icmpv6?.na && vips.includes(f.icmpv6.na.target)),
          );
          // every advert of either router, and every announcement, from the virtual router MAC
          expect(adverts.length).toBeGreaterThan(2);
          expect(new Set(adverts.map((f) => f.eth?.src))).toEqual(new Set([vmac]));
          expect(announce.length).toBeGreaterThan(0);
          expect(new Set(announce.map((f) => f.eth?.src))).toEqual(new Set([vmac]));
          if (family === 6) {
            expect(new Set(announce.map((f) => f.icmpv6?.na?.tlla))).toEqual(new Set([vmac]));
          }
          // both routers advertised (r1, then r2 after the stop), each from its own primary address
          expect(new Set(adverts.map((f) => f.ip?.src)).size).toBe(2);
        } finally {
          await down(lab);
        }
      });
    }
  }
});
