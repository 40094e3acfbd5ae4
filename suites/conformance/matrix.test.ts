import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matrixFailed, runMatrix } from '../../src/conformance/run.js';
import type { ConformanceReport } from '../../src/report/conformance.js';
import { canRunLabs, harness, ROOT } from '../support/lab.js';
import { INCONCLUSIVE_LOG } from '../support/noise.js';

const OUT = join(ROOT, 'reports', 'conformance');

/**
 * The whole matrix, as `harness conformance` runs it: every case on keepalived and tsvrrpd, v2/IPv4,
 * v3/IPv4, v3/IPv6. tsvrrpd must pass every RFC MUST case and no run may break; keepalived's results are
 * what they are (printed, and explained in the README and the report).
 */
describe.skipIf(!canRunLabs)('conformance matrix', () => {
  it('every case on both implementations, with a report', { timeout: 900_000 }, async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(join(ROOT, 'reports'), { recursive: true });
    const report: ConformanceReport = await runMatrix({
      impls: ['keepalived', 'tsvrrpd'],
      variants: ['v2-ipv4', 'v3-ipv4', 'v3-ipv6'],
      out: OUT,
      progress: (m) => console.log(m),
    });
    console.log(
      `conformance matrix: ${report.results.length} results in ${(report.wallTimeMs / 1000).toFixed(0)} s`,
    );
    for (const r of report.results.filter((x) => x.verdict !== 'PASS')) {
      console.log(
        `${r.verdict} ${r.case} ${r.impl} ${r.variant}: ${r.detail}${r.deviation ? ` (${r.deviation})` : ''}`,
      );
    }
    expect(report.cases.length).toBeGreaterThanOrEqual(45);
    expect(report.implementations.map((i) => i.id)).toEqual(['keepalived', 'tsvrrpd']);
    // How often the machine's noise decided nothing: counted, printed, never turned into a PASS or FAIL.
    for (const impl of ['keepalived', 'tsvrrpd']) {
      const s = report.summary[impl];
      console.log(
        `${impl}: ${s?.INCONCLUSIVE ?? 0} INCONCLUSIVE after a re-run, ${s?.reruns ?? 0} decided by a re-run`,
      );
    }
    // ... and in CI's closing lines (scripts/test-summary.mjs), beside the lab tests' re-runs.
    for (const r of report.results.filter((x) => x.rerun)) {
      appendFileSync(
        INCONCLUSIVE_LOG,
        `${JSON.stringify({ test: `conformance ${r.case} ${r.impl} ${r.variant}`, attempt: 2, outcome: r.verdict, detail: r.rerun?.firstDetail })}\n`,
      );
    }
    expect(report.results.filter((r) => r.verdict === 'ERROR')).toEqual([]);
    expect(
      report.results.filter(
        (r) => r.impl === 'tsvrrpd' && r.verdict !== 'PASS' && r.verdict !== 'INCONCLUSIVE',
      ),
    ).toEqual([]);
    expect(report.summary.tsvrrpd?.mustFailures).toBe(0);
    expect(matrixFailed(report)).toBe(false);
    // every case ran on both implementations, for each variant it applies to
    for (const c of report.cases) {
      const variants = new Set(report.results.filter((r) => r.case === c.id).map((r) => r.variant));
      for (const v of variants) {
        expect(
          report.results
            .filter((r) => r.case === c.id && r.variant === v)
            .map((r) => r.impl)
            .sort(),
        ).toEqual(['keepalived', 'tsvrrpd']);
      }
    }
    // the files a reader gets, and the evidence they point to
    const json = JSON.parse(readFileSync(join(OUT, 'conformance.json'), 'utf8')) as ConformanceReport;
    expect(json.schema).toBe('vrrp-harness/conformance@1');
    expect(readFileSync(join(OUT, 'junit.xml'), 'utf8')).toMatch(/<testsuites name="vrrp-conformance">/);
    expect(readFileSync(join(OUT, 'conformance.md'), 'utf8')).toMatch(/\| case \| level \| RFC \|/);
    expect(readFileSync(join(OUT, 'conformance.html'), 'utf8')).toContain('<h1>VRRP conformance</h1>');
    for (const r of report.results.slice(0, 20)) {
      expect(existsSync(join(OUT, r.evidence.timeline))).toBe(true);
      for (const p of r.evidence.pcaps) expect(existsSync(join(OUT, p))).toBe(true);
    }
  });

  it('harness conformance: bad input is exit 2, a selection runs and exits 0', async () => {
    for (const args of [
      ['--impl', 'bird'],
      ['--version', '5'],
      ['--family', '6', '--version', '2'],
      ['--only', '('],
    ]) {
      const r = await harness(['conformance', ...args]);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
    const out = join(ROOT, 'runs', 'conformance-cli');
    const r = await harness([
      'conformance',
      '--impl',
      'tsvrrpd',
      '--version',
      '3',
      '--family',
      '4',
      '--only',
      '^RX-TTL$',
      '--out',
      out,
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toMatch(/tsvrrpd +1 PASS/);
    rmSync(out, { recursive: true, force: true });
  });
});
