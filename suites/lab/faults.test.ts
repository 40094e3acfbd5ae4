import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/capture/decode/frame.js';
import { readPcap } from '../../src/capture/pcap.js';
import { type FaultRecord, faultLog } from '../../src/faults/fault.js';
import { fault } from '../../src/faults/sequence.js';
import { down } from '../../src/lab/down.js';
import type { LabState } from '../../src/lab/state.js';
import { up } from '../../src/lab/up.js';
import { type Holders, waitForHolders } from '../../src/lab/vips.js';
import { stopCaptures } from '../../src/scenario/run.js';
import { canRunLabs, harness, leftovers, NOTHING, ROOT } from '../support/lab.js';

const LAB = 'tfault';
const VIP = '198.51.100.50';

describe.skipIf(!canRunLabs)(
  'every fault kind, on a minimal keepalived pair (r1 150, r2 100, advert_int 1)',
  () => {
    let state: LabState;
    const records: FaultRecord[] = [];
    const speakers = () => state.nodes.filter((n) => n.name !== 'client');
    const holders = (want: string[], ms = 10_000) =>
      waitForHolders(speakers(), [VIP], (h: Holders) => (h.get(VIP) ?? []).join(',') === want.join(','), ms);
    const inject = async (kind: string, target: string, options = {}) => {
      const r = await fault(LAB, kind, target, options);
      records.push(r);
      return r;
    };

    beforeAll(async () => {
      await down(LAB).catch(() => {});
      ({ state } = await up({ file: `${ROOT}/topologies/pair.yaml`, name: LAB, runsDir: `${ROOT}/runs` }));
    });
    afterAll(async () => {
      await down(LAB).catch(() => {});
      expect(await leftovers(LAB)).toEqual(NOTHING);
    });

    it('daemon-kill: the backup takes over, the killed master keeps its VIP; daemon-start cleans up, preempts', async () => {
      await inject('daemon-kill', 'r1');
      // keepalived killed with SIGKILL never removes its VIP: r1's kernel keeps answering for it.
      await holders(['r1', 'r2']);
      await inject('daemon-start', 'r1');
      await holders(['r1']);
    });

    it('cable-cut at the switch and cable-restore', async () => {
      await inject('cable-cut', 'r1:eth0');
      // r1 keeps its VIP on an interface with no carrier: it serves nobody, so it does not count.
      await holders(['r2']);
      await inject('cable-restore', 'r1:eth0');
      await holders(['r1']);
    });

    it('link-down and link-up inside the node, and a link flap', async () => {
      await inject('link-down', 'r1:eth0');
      await holders(['r2']);
      await inject('link-up', 'r1:eth0');
      await holders(['r1']);
      await inject('link-flap', 'r1:eth0', { count: 2, periodMs: 400 });
      await holders(['r1']);
    });

    it('vrrp-drop: r2 stops hearing r1, both hold the VIP (split brain); cleared, r2 yields', async () => {
      await inject('vrrp-drop', 'r2', { from: 'r1' });
      await holders(['r1', 'r2']);
      await inject('vrrp-drop', 'r2', { clear: true });
      await holders(['r1']);
    });

    it('netem: 100 % loss on r1 egress makes r2 master as well; cleared, r2 yields', async () => {
      await inject('netem', 'r1:eth0', { lossPct: 100 });
      await holders(['r1', 'r2']);
      await inject('netem', 'r1:eth0', { clear: true });
      await holders(['r1']);
    });

    it('netem delay: applied, or refused plainly where the kernel has no netem', async () => {
      const r = await harness(['fault', LAB, 'netem', 'r1:eth0', '--delay', '5', '--jitter', '1']);
      if (r.exitCode === 0) {
        await harness(['fault', LAB, 'netem', 'r1:eth0', '--clear']);
      } else {
        expect(r.exitCode).toBe(1);
        expect(String(r.stderr)).toMatch(/CONFIG_NET_SCH_NETEM/);
      }
    });

    it('host-freeze: the frozen master keeps its VIP while r2 takes over; host-thaw resolves it', async () => {
      await inject('host-freeze', 'r1');
      await holders(['r1', 'r2']);
      await inject('host-thaw', 'r1');
      await holders(['r1']);
    });

    it('host-crash powers r1 off; host-recover brings it and its keepalived back', async () => {
      await inject('host-crash', 'r1');
      await holders(['r2']);
      await inject('host-recover', 'r1');
      await holders(['r1']);
    });

    it('daemon-restart of the backup: a new process, the master undisturbed', async () => {
      const before = state.processes.find((p) => p.node === 'r2' && p.service === 'keepalived')?.pid;
      await inject('daemon-restart', 'r2');
      const fresh = (await import('../../src/lab/state.js')).readState(state.runDir);
      const after = (await fresh)?.processes.find((p) => p.node === 'r2' && p.service === 'keepalived')?.pid;
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
      await holders(['r1']);
    });

    it('bad targets are input errors (exit 2)', async () => {
      expect((await harness(['fault', LAB, 'link-down', 'r9:eth0'])).exitCode).toBe(2);
      expect((await harness(['fault', LAB, 'nosuch', 'r1'])).exitCode).toBe(2);
      expect((await harness(['fault', LAB, 'vrrp-drop', 'r2'])).exitCode).toBe(2);
    });

    it('every marked fault is in faults.jsonl and its marker in the capture, once, in order', async () => {
      await stopCaptures(state);
      const seen: string[] = [];
      for await (const rec of readPcap(state.segments[0]?.pcap ?? '')) {
        const m = decodeFrame(rec).marker;
        if (m) seen.push(m.id);
      }
      const logged = (await readFile(faultLog(state.runDir), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as FaultRecord);
      expect(seen).toEqual(logged.map((r) => r.id));
      // The API's faults are all there; refused ones (bad targets) never reached the capture.
      for (const r of records) expect(seen).toContain(r.id);
      expect(logged.filter((r) => r.error).every((r) => r.kind === 'netem')).toBe(true);
    });
  },
);
