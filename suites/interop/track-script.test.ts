import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { masterDownMs, TOLERANCE } from '../../src/timeline/expect.js';
import type { ImplChoice } from '../../src/topology/impl.js';
import { canRunLabs, ROOT } from '../support/lab.js';
import '../support/matchers.js';
import { expectHandoverTime, labIt } from '../support/noise.js';
import { describeHandover, scenarioOn } from '../support/scenario.js';

/**
 * vrrp_script / track_script, the way the post's readers guard nginx: each router runs a web service and
 * checks it over HTTP every second (fall 2, weight −60). Stopping r1's service must drop r1 from 150 to
 * 90 and hand the VIP to r2 (100); starting it again must bring the VIP back. The same configs run with
 * keepalived on both routers, tsvrrpd on both, and mixed: the hand-overs must fall in the same windows.
 * Both routers also log every notify call (notify_master, and the generic notify's INSTANCE NAME STATE
 * PRIORITY) to a file: the calls must be the same whichever speaker makes them.
 */
const INTERVAL_MS = 100; // pair-v3's advert_int
const SCRIPT_INTERVAL_MS = 1000;
const FALL = 2;
const dir = mkdtempSync(join(tmpdir(), 'track-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Appends its arguments after the first (the log file) to that file: a notify script. */
const NOTIFY = join(dir, 'notify.sh');
writeFileSync(NOTIFY, '#!/bin/sh\nlog="$1"\nshift\necho "$*" >> "$log"\n');
chmodSync(NOTIFY, 0o755);
const notifyLog = (tag: string, r: string) => join(dir, `${tag}-${r}.log`);

/** pair-v3 with a web service on both routers and a vrrp_script checking it, tracked with weight −60. */
function withHealthCheck(tag: string): string {
  const yaml = readFileSync(join(ROOT, 'topologies/pair-v3.yaml'), 'utf8').replace(
    /^(\s+)vrrp: \{ config: (pair-v3\/r[12]\.conf) \}$/gm,
    '$1vrrp: { config: $2 }\n$1services: [{ kind: webapp, port: 8080 }]',
  );
  writeFileSync(join(dir, 'pair-v3.yaml'), yaml);
  cpSync(join(ROOT, 'topologies/pair-v3'), join(dir, 'pair-v3'), { recursive: true });
  for (const r of ['r1', 'r2']) {
    const conf = join(dir, 'pair-v3', `${r}.conf`);
    const script = [
      'vrrp_script chk_web {',
      '    script "/usr/bin/curl -sf -m 1 -o /dev/null http://127.0.0.1:8080/health"',
      `    interval ${SCRIPT_INTERVAL_MS / 1000}`,
      `    fall ${FALL}`,
      '    rise 1',
      '    weight -60',
      '}',
    ].join('\n');
    const log = notifyLog(tag, r);
    const text = readFileSync(conf, 'utf8').replace(
      /^(\s+)interface eth0$/m,
      `$1interface eth0\n$1track_script {\n$1    chk_web\n$1}\n` +
        `$1notify_master "${NOTIFY} ${log}.master notify_master"\n$1notify "${NOTIFY} ${log}"`,
    );
    writeFileSync(conf, `${script}\n${text}`);
  }
  return join(dir, 'pair-v3.yaml');
}

const IMPLS: { tag: string; name: string; impl: ImplChoice | undefined }[] = [
  { tag: 'ka', name: 'keepalived on both', impl: undefined },
  { tag: 'ts', name: 'tsvrrpd on both', impl: { all: 'tsvrrpd' } },
  { tag: 'kt', name: 'keepalived r1, tsvrrpd r2', impl: { nodes: { r1: 'keepalived', r2: 'tsvrrpd' } } },
  { tag: 'tk', name: 'tsvrrpd r1, keepalived r2', impl: { nodes: { r1: 'tsvrrpd', r2: 'keepalived' } } },
];

describe.skipIf(!canRunLabs)('track_script: a failing health check moves the VIP', () => {
  for (const { tag, name, impl } of IMPLS) {
    labIt(
      `${name}: r1's web service stopped → r2 takes the VIP; started again → r1 takes it back`,
      async () => {
        const vip = '198.51.100.50';
        const r = await scenarioOn(
          withHealthCheck(tag),
          `ts-${tag}`,
          {
            name: `track-script-${tag}`,
            title: 'health check down, then up',
            probes: [],
            steps: [
              { at: 0, kind: 'daemon-stop', target: 'r1/webapp', until: [{ address: vip, node: 'r2' }] },
              { at: 0, kind: 'daemon-start', target: 'r1/webapp', until: [{ address: vip, node: 'r1' }] },
              // a clean stop of the backup's speaker: its STOP notify, and r1 keeps the VIP
              { at: 0, kind: 'daemon-stop', target: 'r2', until: [{ address: vip, node: 'r1' }] },
            ],
            expectHolders: [{ address: vip, node: 'r1' }],
            deadlineMs: 15_000,
            observeMs: 300,
          },
          impl,
        );
        console.log(`${name}\n${describeHandover(r)}`);
        const [stop, start] = r.faults;
        const [lost] = r.handovers.filter((h) => h.faultId === stop?.id);
        const [back] = r.handovers.filter((h) => h.faultId === start?.id);

        // The check fails FALL times in a row, one run per second: r1 learns it (FALL−1) to FALL seconds
        // after the stop, advertises 90 at once, and r2 (100), which ignores a lower priority, takes over one
        // Master_Down_Interval(100) after the last advert at 150 (at most one interval before that).
        const mdi100 = masterDownMs(3, 100, INTERVAL_MS);
        const window = {
          min: (FALL - 1) * SCRIPT_INTERVAL_MS - INTERVAL_MS + mdi100 - TOLERANCE.earlyMs,
          max: FALL * SCRIPT_INTERVAL_MS + mdi100 + TOLERANCE.lateMs,
          why:
            `fall ${FALL} × interval ${SCRIPT_INTERVAL_MS} ms to notice, then Master_Down_Interval(100) = ` +
            `${mdi100.toFixed(1)} ms from r1's last advert at 150; −${TOLERANCE.earlyMs}/+${TOLERANCE.lateMs} ms`,
        };
        expect(lost).toMatchObject({ from: 'r1', to: 'r2', oldReleased: false });
        expectHandoverTime(lost, 'failover', window);
        // r1 went on advertising, at 90: it lowered its priority (weight −60), it did not go to FAULT
        const r1Lower = r.events.filter(
          (e) => e.type === 'advert' && e.node === 'r1' && e.priority === 90 && e.tUs > (stop?.atUs ?? 0),
        );
        expect(r1Lower.length).toBeGreaterThan(0);

        // Back: the first successful run (within a second of the service being up again) restores 150, and
        // r1, ignoring r2's 100 from then on, preempts Master_Down_Interval(150) after the last one it took.
        const mdi150 = masterDownMs(3, 150, INTERVAL_MS);
        expect(back).toMatchObject({ from: 'r2', to: 'r1' });
        expectHandoverTime(back, 'failover', {
          min: mdi150 - INTERVAL_MS - TOLERANCE.earlyMs,
          max: SCRIPT_INTERVAL_MS + mdi150 + 2000,
          why: `a run within ${SCRIPT_INTERVAL_MS} ms, then Master_Down_Interval(150) = ${mdi150.toFixed(1)} ms; +2000 ms for the service to start`,
        });
        expect(r.events.filter((e) => e.type === 'vrrp-invalid')).toEqual([]);

        // The notify calls: r1 starts as backup at 150, is master, drops to 90 and hands over, takes the
        // VIP back at 150; r2 gets it in between and says STOP when its speaker is stopped.
        const calls = (n: string) => readFileSync(notifyLog(tag, n), 'utf8').trim().split('\n');
        const [c1, c2] = [calls('r1'), calls('r2')];
        console.log(`notify calls, r1: ${c1.join(' | ')}\nnotify calls, r2: ${c2.join(' | ')}`);
        expect(c1[0]).toBe('INSTANCE VI_1 BACKUP 150');
        expect(c1.slice(-2)).toEqual(['INSTANCE VI_1 BACKUP 90', 'INSTANCE VI_1 MASTER 150']);
        expect(c2.slice(-3)).toEqual([
          'INSTANCE VI_1 MASTER 100',
          'INSTANCE VI_1 BACKUP 100',
          'INSTANCE VI_1 STOP 100',
        ]);
        // notify_master ran once per MASTER (in a file of its own: the two scripts run side by side)
        for (const n of ['r1', 'r2']) {
          const masters = calls(n).filter((line) => / MASTER \d+$/.test(line)).length;
          expect(
            readFileSync(`${notifyLog(tag, n)}.master`, 'utf8')
              .trim()
              .split('\n'),
          ).toEqual(new Array(masters).fill('notify_master'));
        }
      },
    );
  }
});
