import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down } from '../../src/lab/down.js';
import type { LabState } from '../../src/lab/state.js';
import { up } from '../../src/lab/up.js';
import { waitForVips } from '../../src/lab/vips.js';
import { stopCaptures } from '../../src/scenario/run.js';
import { readLabEvents } from '../../src/timeline/events.js';
import { waitForLine } from '../../src/util/wait.js';
import { canRunLabs, ROOT } from '../support/lab.js';

const DAEMON = join(ROOT, 'dist/src/tsvrrpd/main.js');
const tsvrrpd = (args: string[]) => execa('node', [DAEMON, ...args], { reject: false });

describe('tsvrrpd -f: configurations it cannot run (no root needed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvrrpd-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('a syntax error: file:line:col and exit 2', async () => {
    const p = file(
      'syntax.conf',
      'vrrp_instance A {\n  interface eth0\n  virtual_ipaddress {\n    "198.51.100.5\n',
    );
    const r = await tsvrrpd(['-f', p]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${p}:4:\\d+: `));
  });

  it('an instance it cannot run (no virtual_router_id): file:line:col and exit 2', async () => {
    const p = file(
      'novrid.conf',
      'vrrp_instance A {\n  interface eth0\n  virtual_ipaddress {\n    198.51.100.5\n  }\n}\n',
    );
    const r = await tsvrrpd(['-f', p]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${p}:1:1: (A) no virtual_router_id configured`);
  });

  it('a missing file: exit 2, naming it', async () => {
    const r = await tsvrrpd(['-f', join(dir, 'nosuch.conf')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('nosuch.conf');
  });

  it('-t: warnings for what it does not implement, each at file:line:col, then OK', async () => {
    const p = file(
      'warn.conf',
      'vrrp_instance A {\n  interface eth0\n  virtual_router_id 9\n  skip_check_adv_addr\n  virtual_ipaddress {\n    198.51.100.5\n  }\n}\n',
    );
    const r = await tsvrrpd(['-t', '-f', p]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(
      `${p}:4:3: warning: tsvrrpd does not implement 'skip_check_adv_addr' - ignoring it`,
    );
    expect(r.stdout).toContain('1 instance(s), configuration OK');
  });
});

/**
 * The daemon's signals on a real pair (pair-v2 copied, so its config can change): SIGUSR1 counters,
 * SIGHUP reloads (a new priority is advertised at once, and a lower one hands the VIP over), SIGTERM
 * leaves with priority 0 and exit 0.
 */
describe.skipIf(!canRunLabs)('tsvrrpd signals, on a pair in a lab', () => {
  const LAB = 'tsd';
  const VIP = '198.51.100.50';
  const dir = mkdtempSync(join(tmpdir(), 'tsvrrpd-lab-'));
  let state: LabState;
  const speaker = (node: string) => {
    const p = state.processes.find((x) => x.node === node && x.service === 'tsvrrpd');
    if (!p) throw new Error(`no tsvrrpd on ${node}`);
    return p;
  };
  const signal = async (node: string, sig: NodeJS.Signals, expect: RegExp) => {
    const p = speaker(node);
    const from = (await stat(p.log)).size;
    process.kill(p.pid, sig);
    return waitForLine(p.log, expect, 5000, undefined, from);
  };

  beforeAll(async () => {
    cpSync(join(ROOT, 'topologies/pair-v2.yaml'), join(dir, 'pair-v2.yaml'));
    cpSync(join(ROOT, 'topologies/pair-v2'), join(dir, 'pair-v2'), { recursive: true });
    await down(LAB).catch(() => {});
    ({ state } = await up({ file: join(dir, 'pair-v2.yaml'), name: LAB, impl: { all: 'tsvrrpd' } }));
  });
  afterAll(async () => {
    await down(LAB).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGUSR1: counters in the stats file and the log', async () => {
    const line = await signal('r1', 'SIGUSR1', /event=stats instance=VI_1 /);
    expect(line).toMatch(/state=master priority=150 sent=\d+/);
    const stats = JSON.parse(readFileSync(join(state.runDir, 'nodes/r1/tsvrrpd/tsvrrpd-stats.json'), 'utf8'));
    expect(stats.instances.VI_1).toMatchObject({ state: 'master', priority: 150, becameMaster: 1 });
    expect(stats.instances.VI_1.advertsSent).toBeGreaterThan(0);
  });

  it('SIGHUP with a lower priority than the peer: the new priority at once, and the peer takes over', async () => {
    const conf = join(dir, 'pair-v2/r1.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^(\s+)priority 150$/m, '$1priority 90'));
    await signal('r1', 'SIGHUP', /event=reload /);
    const nodes = state.nodes.filter((n) => n.name !== 'client');
    const { elapsedMs } = await waitForVips(nodes, [{ address: VIP, expected: 'r2' }], 10_000);
    console.log(`r2 holds the VIP ${elapsedMs.toFixed(0)} ms after r1 reloaded with priority 90`);
  });

  it('SIGTERM: priority 0, VIP removed, exit 0; the other takes over at once', async () => {
    const p = speaker('r2');
    const exited = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        try {
          process.kill(p.pid, 0);
        } catch {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    await signal('r2', 'SIGTERM', /event=stopped/);
    await exited;
    const nodes = state.nodes.filter((n) => n.name !== 'client');
    await waitForVips(nodes, [{ address: VIP, expected: 'r1' }], 10_000);

    await stopCaptures(state);
    const adverts = (await readLabEvents(state)).filter((e) => e.type === 'advert');
    const by = (node: string) => adverts.filter((e) => e.node === node).map((e) => e.priority);
    // r1: 150 until the reload, then 90 (at once, not after an interval)
    expect(by('r1')).toContain(150);
    expect(by('r1')).toContain(90);
    // r2: master at 100 after r1 fell to 90, then its release
    expect(by('r2').at(-1)).toBe(0);
    expect(by('r2')).toContain(100);
  });
});
