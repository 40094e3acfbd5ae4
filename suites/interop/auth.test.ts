import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { down } from '../../src/lab/down.js';
import { up } from '../../src/lab/up.js';
import { waitForHolders } from '../../src/lab/vips.js';
import { isSpeaker } from '../../src/speakers/speaker.js';
import { waitForLine } from '../../src/util/wait.js';
import { canRunLabs, ROOT } from '../support/lab.js';

const VIP = '198.51.100.50';

/**
 * RFC 3768 §7.1: an advert whose authentication data does not match MUST be discarded. With different
 * passwords neither router hears the other, so both become master; each says why it dropped the adverts.
 */
describe.skipIf(!canRunLabs)('interop: v2 PASS authentication mismatch', () => {
  for (const [tag, impl] of [
    ['kt', { r1: 'keepalived', r2: 'tsvrrpd' }],
    ['tk', { r1: 'tsvrrpd', r2: 'keepalived' }],
  ] as const) {
    it(`${impl.r1} (secret-1) and ${impl.r2} (secret-2) both become master, and both count the drops`, async () => {
      const lab = `iop-auth-${tag}`;
      await down(lab).catch(() => {});
      const { state } = await up({
        file: join(ROOT, 'suites/interop/labs/auth-mismatch.yaml'),
        name: lab,
        impl: { nodes: impl },
        waitForElection: false,
      });
      try {
        const nodes = state.nodes.filter((n) => n.name === 'r1' || n.name === 'r2');
        const { holders, elapsedMs } = await waitForHolders(
          nodes,
          [VIP],
          (h) => h.get(VIP)?.join(',') === 'r1,r2',
          15_000,
        );
        console.log(`both hold ${VIP} ${elapsedMs.toFixed(0)} ms after up: ${holders.get(VIP)?.join(', ')}`);

        const ts = state.processes.find((p) => isSpeaker(p) && p.service === 'tsvrrpd');
        const ka = state.processes.find((p) => isSpeaker(p) && p.service === 'keepalived');
        if (!ts || !ka) throw new Error('both speakers should run');
        // tsvrrpd's counters, on SIGUSR1: written to its stats file and logged.
        const from = (await stat(ts.log)).size;
        process.kill(ts.pid, 'SIGUSR1');
        const line = await waitForLine(ts.log, /event=stats instance=VI_1 /, 5000, undefined, from);
        console.log(`tsvrrpd: ${line}`);
        expect(line).toMatch(/drop_bad_password=[1-9]/);
        // keepalived says it in its log.
        const kaLog = await readFile(ka.log, 'utf8');
        expect(kaLog).toMatch(/\(VI_1\) received an invalid passwd!/);
      } finally {
        await down(lab);
      }
    });
  }
});
