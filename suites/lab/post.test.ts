import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunLabs, curlFromClient, harness, leftovers, NOTHING, rootNamespace } from '../support/lab.js';

/** The same lab with each speaker choice: tsvrrpd must give the same placement and the same paths. */
const VARIANTS = [
  { lab: 'tpost', impl: [] as string[], speakers: ['keepalived', 'keepalived'] },
  { lab: 'tpost-ts', impl: ['--impl', 'tsvrrpd'], speakers: ['tsvrrpd', 'tsvrrpd'] },
  {
    lab: 'tpost-mx',
    impl: ['--impl', 'proxy1=tsvrrpd,proxy2=keepalived'],
    speakers: ['tsvrrpd', 'keepalived'],
  },
];

describe.skipIf(!canRunLabs).each(VARIANTS)(
  "post.yaml: the post's two-proxy lab ($impl)",
  ({ lab: LAB, impl, speakers }) => {
    let before: Awaited<ReturnType<typeof rootNamespace>>;
    let up: Awaited<ReturnType<typeof harness>>;

    beforeAll(async () => {
      before = await rootNamespace();
      up = await harness(['up', 'topologies/post.yaml', '--name', LAB, ...impl, '--json']);
      if (up.exitCode !== 0) console.error(up.stderr);
    });

    afterAll(async () => {
      await harness(['down', LAB]);
    });

    it('comes up and reports ready', () => {
      expect(up.exitCode).toBe(0);
      const summary = JSON.parse(String(up.stdout));
      console.log(`up: ${JSON.stringify(summary.timings)}`);
      expect(summary.checks[0].status).toBe(200);
    });

    it('serves HTTP from client through the WAN VIP, naming a web node and a db node', async () => {
      const r = await curlFromClient(LAB);
      expect(r.exitCode).toBe(0);
      const body = JSON.parse(String(r.stdout));
      expect(body.web).toMatch(/^web[12]$/);
      expect(body.db).toMatch(/^db[12]$/);
    });

    it('spreads requests over both webs and both dbs', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const r = await curlFromClient(LAB);
        const body = JSON.parse(String(r.stdout));
        seen.add(body.web).add(body.db);
      }
      expect([...seen].sort()).toEqual(['db1', 'db2', 'web1', 'web2']);
    });

    it('answers a database query through the LAN VIP from web1', async () => {
      const r = await harness([
        'exec',
        LAB,
        'web1',
        '--',
        'psql',
        '-h',
        '10.5.247.10',
        '-U',
        'postgres',
        '-tAc',
        "SELECT current_setting('cluster_name')",
      ]);
      expect(r.exitCode).toBe(0);
      expect(String(r.stdout).trim()).toMatch(/^db[12]$/);
    });

    it('inspect --json shows the WAN VIP on proxy1 and the LAN VIP on proxy2', async () => {
      const r = await harness(['inspect', LAB, '--json']);
      expect(r.exitCode).toBe(0);
      const view = JSON.parse(String(r.stdout));
      const holder = (vip: string) => view.vips.find((v: { address: string }) => v.address === vip)?.holders;
      expect(holder('203.0.113.140')).toEqual(['proxy1']);
      expect(holder('10.5.247.10')).toEqual(['proxy2']);
      expect(view.processes.every((p: { alive: boolean }) => p.alive)).toBe(true);
      const speaker = (node: string) =>
        view.processes.find(
          (p: { node: string; service: string }) =>
            p.node === node && (p.service === 'keepalived' || p.service === 'tsvrrpd'),
        )?.service;
      expect([speaker('proxy1'), speaker('proxy2')]).toEqual(speakers);
      expect(view.nodes.map((n: { ns: string }) => n.ns)).toContain(`${LAB}-proxy1`);
    });

    it('passes exit codes and stdin through exec', async () => {
      expect((await harness(['exec', LAB, 'web1', '--', 'sh', '-c', 'exit 7'])).exitCode).toBe(7);
      expect(String((await harness(['exec', LAB, 'web1', '--', 'cat'], { input: 'hello' })).stdout)).toBe(
        'hello',
      );
      expect((await harness(['exec', LAB, 'nosuch', '--', 'true'])).exitCode).toBe(2);
    });

    it('adds nothing to the root namespace (no veth end, address or route)', async () => {
      expect(await rootNamespace()).toEqual(before);
    });

    it('down removes every namespace, process, file and registry entry of the lab', async () => {
      const r = await harness(['down', LAB]);
      expect(r.exitCode).toBe(0);
      console.log(String(r.stderr).trim());
      expect(await leftovers(LAB)).toEqual(NOTHING);
      expect(await rootNamespace()).toEqual(before);
      expect((await harness(['down', LAB])).exitCode).toBe(2);
    });
  },
);
