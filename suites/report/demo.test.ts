import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/capture/decode/frame.js';
import { readPcap } from '../../src/capture/pcap.js';
import type { Report } from '../../src/report/model.js';
import { decodeVrrp } from '../../src/vrrp/packet.js';
import { canRunLabs, harness, leftovers, NOTHING, ROOT } from '../support/lab.js';

/** Every frame of every pcap in a scenario folder, decoded: the evidence the report must agree with. */
async function evidence(dir: string) {
  const frames = [];
  for (const seg of ['sync', 'lan', 'wan']) {
    for await (const rec of readPcap(join(dir, 'pcap', `${seg}.pcap`)))
      frames.push({ seg, f: decodeFrame(rec) });
  }
  return frames;
}

describe.skipIf(!canRunLabs)(
  'harness demo: report.json, report.md, report.html with the evidence beside them',
  () => {
    let out: string;
    let run: Awaited<ReturnType<typeof harness>>;
    let report: Report;

    beforeAll(async () => {
      // The README's command as written: the default --out (runs/demo).
      out = join(ROOT, 'runs', 'demo');
      await rm(out, { recursive: true, force: true });
      run = await harness(['demo'], { timeout: 300_000 });
      if (run.exitCode !== 0) console.error(run.stderr);
      report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    }, 300_000);

    afterAll(async () => {
      await rm(out, { recursive: true, force: true });
    });

    it('exits 0, prints the summary and leaves no lab behind', async () => {
      expect(run.exitCode).toBe(0);
      expect(String(run.stdout)).toMatch(/4 of 4 scenarios pass/);
      expect(await leftovers('demo-lab')).toEqual(NOTHING);
      for (const f of ['report.json', 'report.md', 'report.html'])
        expect(existsSync(join(out, f))).toBe(true);
      expect(report.schema).toBe('vrrp-harness/report@1');
      expect(report.scenarios.map((s) => s.name)).toEqual([
        'proxy1-crash',
        'proxy1-returns',
        'proxy1-lan-link',
        'proxy1-lan-link-fixed',
      ]);
    });

    it("every handover's instants are packets in the pcaps of the same folder", async () => {
      let checked = 0;
      for (const s of report.scenarios) {
        const frames = await evidence(join(out, s.artifacts.dir));
        for (const h of s.handovers) {
          const marker = frames.find(({ f }) => f.marker?.id === h.faultId);
          expect(marker?.f.tsUs).toBe(h.faultAt);
          const advert = frames.find(({ f }) => {
            if (f.tsUs !== h.newMasterFirstAdvertAt || f.ip?.proto !== 112) return false;
            const v = decodeVrrp(f.ip.payload, {
              family: f.ip.family,
              src: f.ip.src,
              dst: f.ip.dst,
              ttl: f.ip.ttl,
            });
            return v.ok && v.advert.vrid === h.vrid && v.advert.priority > 0;
          });
          expect(advert, `${s.name}: advert at ${h.newMasterFirstAdvertAt}`).toBeDefined();
          const garp = frames.find(
            ({ f }) => f.tsUs === h.firstGarpAt && f.arp?.gratuitous && f.arp.senderIp === h.vip,
          );
          expect(garp, `${s.name}: GARP at ${h.firstGarpAt}`).toBeDefined();
          expect(h.failoverMs).toBeCloseTo((h.newMasterFirstAdvertAt - h.faultAt) / 1000, 0);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(4);
    });

    it('report.html renders in headless Chromium with a timeline per VIP and scenario (screenshot kept)', async () => {
      const flags = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(out, 'chromium')}`,
      ];
      const url = `file://${join(out, 'report.html')}`;
      const dom = await execa('chromium', [...flags, '--dump-dom', url]);
      const timelines = dom.stdout.match(/<svg[^>]*class="timeline"/g) ?? [];
      expect(timelines.length).toBe(8);
      expect(dom.stdout).toMatch(/class="master"/);
      expect(dom.stdout).toMatch(/class="fault"/);
      await mkdir(join(ROOT, 'reports'), { recursive: true });
      const shot = join(ROOT, 'reports', 'report-screenshot.png');
      await execa('chromium', [...flags, '--window-size=1200,2400', `--screenshot=${shot}`, url]);
      expect((await stat(shot)).size).toBeGreaterThan(50_000);
      console.log(`screenshot: ${shot}`);
    });
  },
);
