/**
 * The conformance report: conformance.json (schema `vrrp-harness/conformance@1`, described below), its
 * Markdown matrix, and JUnit XML. The HTML page is conformance-html.ts.
 *
 * conformance.json
 *   schema            "vrrp-harness/conformance@1"
 *   generatedAt       ISO time
 *   wallTimeMs        the whole run; concurrency: labs run at once
 *   implementations   [{ id, version }]            e.g. keepalived "Keepalived v2.2.7 (01/16,2022)"
 *   variants          [{ id, version, family, intervalMs }]
 *   cases             [{ id, group, title, rfc, level }]   level: MUST | SHOULD | MAY | keepalived | info
 *   results           one per case × implementation × variant it applies to:
 *     case, impl, variant, verdict   PASS | FAIL | DEVIATION | INCONCLUSIVE | ERROR
 *                     INCONCLUSIVE: a timing outside its window while the machine itself was as late
 *                     (the harness's canary thread, `noise`), after one re-run: neither PASS nor FAIL
 *     measured        { name: value }   what the captures showed (ms unless the name says otherwise)
 *     expected        the window or condition, and where it comes from
 *     detail          one sentence
 *     deviation       why a DEVIATION is one (documented in src/conformance/deviations.ts)
 *     scenario        the lab run it was judged from (shared by the cases of one scenario)
 *     evidence        { pcaps: [path], logs: [path], timeline: path (SVG) }, relative to the report
 *     durationMs      the scenario run's wall time
 *     noise           (timing verdicts that missed their window) the canary's view of the window
 *                     from when the reaction was due to when it came: { worstMs, p99Ms, medianMs, ... }
 *     rerun           (a case first INCONCLUSIVE, decided by a second run) { firstVerdict, firstDetail,
 *                     firstNoise, firstEvidence }
 *   summary           { impl: { PASS, FAIL, DEVIATION, INCONCLUSIVE, ERROR, mustFailures, reruns } }
 */

import { esc } from './escape.js';

export type Verdict = 'PASS' | 'FAIL' | 'DEVIATION' | 'INCONCLUSIVE' | 'ERROR';

/** What the canary saw in a verdict's window (a subset of NoiseSummary, rounded). */
export interface NoiseSeen {
  worstMs: number;
  p99Ms: number;
  medianMs: number;
  samples: number;
}

export interface CaseInfo {
  id: string;
  group: string;
  title: string;
  rfc: string;
  level: string;
}

export interface CaseResult {
  case: string;
  impl: string;
  variant: string;
  verdict: Verdict;
  measured: Record<string, string | number | boolean | null>;
  expected: string;
  detail: string;
  deviation?: string;
  scenario: string;
  evidence: { pcaps: string[]; logs: string[]; timeline: string };
  durationMs: number;
  noise?: NoiseSeen;
  rerun?: {
    firstVerdict: Verdict;
    firstDetail: string;
    firstNoise?: NoiseSeen;
    firstEvidence: CaseResult['evidence'];
  };
}

export interface ConformanceReport {
  schema: 'vrrp-harness/conformance@1';
  generatedAt: string;
  wallTimeMs: number;
  concurrency: number;
  implementations: { id: string; version: string }[];
  variants: { id: string; version: number; family: number; intervalMs: number }[];
  cases: CaseInfo[];
  results: CaseResult[];
  summary: Record<string, Record<Verdict, number> & { mustFailures: number; reruns: number }>;
}

export function summarize(cases: CaseInfo[], results: CaseResult[]): ConformanceReport['summary'] {
  const out: ConformanceReport['summary'] = {};
  for (const r of results) {
    const s = out[r.impl] ?? {
      PASS: 0,
      FAIL: 0,
      DEVIATION: 0,
      INCONCLUSIVE: 0,
      ERROR: 0,
      mustFailures: 0,
      reruns: 0,
    };
    out[r.impl] = s;
    s[r.verdict]++;
    if (r.rerun) s.reruns++;
    const level = cases.find((c) => c.id === r.case)?.level;
    if ((r.verdict === 'FAIL' || r.verdict === 'ERROR') && level === 'MUST') s.mustFailures++;
  }
  return out;
}

const CELL: Record<Verdict, string> = {
  PASS: 'PASS',
  FAIL: '**FAIL**',
  DEVIATION: 'DEV',
  INCONCLUSIVE: 'INCONCL.',
  ERROR: '**ERROR**',
};

/** The matrix: a row per case, a column per implementation × variant; then every non-PASS explained. */
export function conformanceMarkdown(r: ConformanceReport): string {
  const cols = r.implementations.flatMap((i) => r.variants.map((v) => ({ impl: i.id, variant: v.id })));
  const cell = (caseId: string, impl: string, variant: string) => {
    const x = r.results.find((y) => y.case === caseId && y.impl === impl && y.variant === variant);
    return x ? CELL[x.verdict] : '–';
  };
  const lines = [
    '# VRRP conformance',
    '',
    `${r.implementations.map((i) => `${i.id}: ${i.version}`).join('; ')}. Generated ${r.generatedAt} in ${(r.wallTimeMs / 1000).toFixed(0)} s (${r.concurrency} labs at a time).`,
    '',
    `| verdicts | ${r.implementations.map((i) => i.id).join(' | ')} |`,
    `| --- | ${r.implementations.map(() => '---').join(' | ')} |`,
    ...(['PASS', 'DEVIATION', 'FAIL', 'INCONCLUSIVE', 'ERROR'] as Verdict[]).map(
      (v) => `| ${v} | ${r.implementations.map((i) => r.summary[i.id]?.[v] ?? 0).join(' | ')} |`,
    ),
    `| re-run (first INCONCLUSIVE) | ${r.implementations.map((i) => r.summary[i.id]?.reruns ?? 0).join(' | ')} |`,
    `| RFC MUST failures | ${r.implementations.map((i) => r.summary[i.id]?.mustFailures ?? 0).join(' | ')} |`,
    '',
    `| case | level | RFC | ${cols.map((c) => `${c.impl} ${c.variant}`).join(' | ')} |`,
    `| --- | --- | --- | ${cols.map(() => '---').join(' | ')} |`,
    ...r.cases.map(
      (c) =>
        `| ${c.id} | ${c.level} | ${c.rfc} | ${cols.map((x) => cell(c.id, x.impl, x.variant)).join(' | ')} |`,
    ),
    '',
  ];
  const reruns = r.results.filter((x) => x.rerun);
  if (reruns.length) {
    lines.push('## Decided by a re-run', '');
    for (const x of reruns) {
      lines.push(
        `- **${x.case}** ${x.impl} ${x.variant}: first ${x.rerun?.firstVerdict} (${x.rerun?.firstDetail}; canary worst ${x.rerun?.firstNoise?.worstMs ?? '?'} ms), then ${x.verdict}.`,
      );
    }
    lines.push('');
  }
  const notable = r.results.filter((x) => x.verdict !== 'PASS');
  if (notable.length) {
    lines.push('## Not passed', '');
    for (const x of notable) {
      lines.push(
        `- **${x.case}** ${x.impl} ${x.variant}: ${x.verdict}. ${x.detail}. Expected ${x.expected}.${x.deviation ? ` Why: ${x.deviation}` : ''} Measured: ${JSON.stringify(x.measured)}.`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** JUnit XML: a testsuite per implementation, a testcase per case × variant (FAIL/ERROR as such). */
export function conformanceJunit(r: ConformanceReport): string {
  const suites = r.implementations.map((impl) => {
    const mine = r.results.filter((x) => x.impl === impl.id);
    const cases = mine.map((x) => {
      const name = `${x.case} [${x.variant}]`;
      const body =
        x.verdict === 'FAIL'
          ? `<failure message="${esc(x.detail)}">${esc(`expected ${x.expected}; measured ${JSON.stringify(x.measured)}`)}</failure>`
          : x.verdict === 'ERROR'
            ? `<error message="${esc(x.detail)}"/>`
            : x.verdict === 'DEVIATION'
              ? `<system-out>${esc(`DEVIATION: ${x.deviation ?? ''} ${x.detail}`)}</system-out>`
              : x.verdict === 'INCONCLUSIVE'
                ? `<skipped message="${esc(`INCONCLUSIVE: ${x.detail}`)}"/>`
                : '';
      return `    <testcase classname="${esc(`conformance.${impl.id}`)}" name="${esc(name)}" time="${(x.durationMs / 1000).toFixed(3)}">${body}</testcase>`;
    });
    return [
      `  <testsuite name="${esc(`${impl.id} (${impl.version})`)}" tests="${mine.length}" failures="${mine.filter((x) => x.verdict === 'FAIL').length}" errors="${mine.filter((x) => x.verdict === 'ERROR').length}" skipped="${mine.filter((x) => x.verdict === 'INCONCLUSIVE').length}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="vrrp-conformance">\n${suites.join('\n')}\n</testsuites>\n`;
}
