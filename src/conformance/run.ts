/**
 * The conformance matrix: every case that applies, on every implementation and protocol variant asked
 * for. Cases that share a scenario are judged from one lab run; independent runs go on in parallel
 * (`concurrency` labs at a time). Writes conformance.json, .md, .html, junit.xml and the evidence.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { noiseExplains } from '../evidence/noise.js';
import {
  type CaseResult,
  type ConformanceReport,
  conformanceJunit,
  conformanceMarkdown,
  summarize,
} from '../report/conformance.js';
import { conformanceHtml, type TimelineTrack, timelineSvg } from '../report/conformance-html.js';
import type { SpeakerImpl } from '../topology/schema.js';
import { projectRoot } from '../util/program.js';
import type { Case } from './case.js';
import { CASES } from './cases/index.js';
import { DEFAULT_CONCURRENCY } from './concurrency.js';
import { deviationFor } from './deviations.js';
import { type Observed, runOnce, type Scenario } from './engine.js';
import { VARIANTS, type Variant, type VariantId } from './lab.js';
import type { Obs } from './observe.js';

export interface MatrixOptions {
  impls: SpeakerImpl[];
  variants: VariantId[];
  /** a regular expression on case ids (or scenario ids) */
  only?: string;
  out: string;
  concurrency?: number;
  runsDir?: string;
  progress?: (line: string) => void;
}

/** The cases to run: those applying to the variant and matching `only` (case or scenario id). */
export function selectCases(variant: VariantId, only?: string): Case[] {
  const re = only ? new RegExp(only) : undefined;
  return CASES.filter(
    (c) =>
      (!c.variants || c.variants.includes(variant)) &&
      (!c.scenario.variants || c.scenario.variants.includes(variant)) &&
      (!re || re.test(c.id) || re.test(c.scenario.id)),
  );
}

interface Job {
  impl: SpeakerImpl;
  v: Variant;
  scenario: Scenario;
  cases: Case[];
}

export async function runMatrix(opts: MatrixOptions): Promise<ConformanceReport> {
  const t0 = performance.now();
  const say = opts.progress ?? (() => {});
  const jobs: Job[] = [];
  for (const impl of opts.impls) {
    for (const vid of opts.variants) {
      const v = VARIANTS[vid];
      const byScenario = new Map<Scenario, Case[]>();
      for (const c of selectCases(vid, opts.only))
        byScenario.set(c.scenario, [...(byScenario.get(c.scenario) ?? []), c]);
      for (const [scenario, cases] of byScenario) jobs.push({ impl, v, scenario, cases });
    }
  }
  // Longest first (v2 at 1 s dominates), so the pool drains evenly.
  jobs.sort((a, b) => b.v.intervalMs - a.v.intervalMs);
  await mkdir(opts.out, { recursive: true });
  const results: CaseResult[] = [];
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let j = jobs[next++]; j; j = jobs[next++]) {
      const observed = await runOnce(j.scenario, j.impl, j.v, opts.out, opts.runsDir);
      const timeline = await writeTimeline(observed, j.scenario.id);
      let verdicts = j.cases.map((c) => judgeCase(c, observed, opts.out, timeline));
      // A verdict the machine's noise made INCONCLUSIVE gets one more run of its scenario; that run
      // decides it (PASS, FAIL, or INCONCLUSIVE again). The others keep the first run's verdict.
      if (verdicts.some((r) => r.verdict === 'INCONCLUSIVE')) {
        say(
          `[re-run] ${j.impl} ${j.v.id} ${j.scenario.id}: ${verdicts
            .filter((r) => r.verdict === 'INCONCLUSIVE')
            .map((r) => `${r.case} (${r.detail})`)
            .join('; ')}`,
        );
        const again = await runOnce(j.scenario, j.impl, j.v, opts.out, opts.runsDir, 2);
        const timeline2 = await writeTimeline(again, `${j.scenario.id} (re-run)`);
        verdicts = verdicts.map((first, k) => {
          if (first.verdict !== 'INCONCLUSIVE') return first;
          const second = judgeCase(j.cases[k] as Case, again, opts.out, timeline2);
          return {
            ...second,
            rerun: {
              firstVerdict: first.verdict,
              firstDetail: first.detail,
              ...(first.noise ? { firstNoise: first.noise } : {}),
              firstEvidence: first.evidence,
            },
          };
        });
      }
      results.push(...verdicts);
      done++;
      say(
        `[${done}/${jobs.length}] ${j.impl} ${j.v.id} ${j.scenario.id} (${(observed.durationMs / 1000).toFixed(1)} s): ${verdicts.map((r) => `${r.case} ${r.verdict}`).join(', ')}${observed.error ? ` — ${observed.error}` : ''}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));

  const order = (r: CaseResult) => [
    CASES.findIndex((c) => c.id === r.case),
    opts.impls.indexOf(r.impl as SpeakerImpl),
    opts.variants.indexOf(r.variant as VariantId),
  ];
  results.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  });
  const caseIds = new Set(results.map((r) => r.case));
  const cases = CASES.filter((c) => caseIds.has(c.id)).map((c) => ({
    id: c.id,
    group: c.group,
    title: c.title,
    rfc: c.rfc,
    level: c.level,
  }));
  const report: ConformanceReport = {
    schema: 'vrrp-harness/conformance@1',
    generatedAt: new Date().toISOString(),
    wallTimeMs: Math.round(performance.now() - t0),
    concurrency,
    implementations: await Promise.all(
      opts.impls.map(async (id) => ({ id, version: await implVersion(id) })),
    ),
    variants: opts.variants.map((id) => ({
      id,
      version: VARIANTS[id].version,
      family: VARIANTS[id].family,
      intervalMs: VARIANTS[id].intervalMs,
    })),
    cases,
    results,
    summary: summarize(cases, results),
  };
  await writeFile(join(opts.out, 'conformance.json'), `${JSON.stringify(report, null, 1)}\n`);
  await writeFile(join(opts.out, 'conformance.md'), conformanceMarkdown(report));
  await writeFile(join(opts.out, 'conformance.html'), conformanceHtml(report));
  await writeFile(join(opts.out, 'junit.xml'), conformanceJunit(report));
  return report;
}

/** One case's verdict from one run's observations (exported for the unit tests of INCONCLUSIVE). */
export function judgeCase(c: Case, o: Observed, out: string, timeline: string): CaseResult {
  const base = {
    case: c.id,
    impl: o.impl,
    variant: o.v.id,
    scenario: c.scenario.id,
    durationMs: Math.round(o.durationMs),
    evidence: {
      pcaps: ['lan', 'lan2']
        .map((s) => relative(out, join(o.evidence, 'pcap', `${s}.pcap`)))
        .slice(0, hasLan2(o) ? 2 : 1),
      logs: ['dut', 'dut2']
        .filter((n) => o.obs.some((x) => x.who === n))
        .map((n) => relative(out, join(o.evidence, `${n}-${o.impl}.log`))),
      timeline: relative(out, timeline),
    },
  };
  if (o.error) {
    return { ...base, verdict: 'ERROR', measured: {}, expected: '', detail: `the run broke: ${o.error}` };
  }
  try {
    const j = c.judge(o);
    if (j.pass)
      return { ...base, verdict: 'PASS', measured: j.measured, expected: j.expected, detail: j.detail };
    const t = j.timing;
    if (t && t.errorMs > t.lateMs) {
      // From a little before the reaction was due to when it came: a stall that delayed it lies there.
      const n = o.noise(t.dueUs - NOISE_LEAD_US, t.atUs);
      const noise = { worstMs: n.worstMs, p99Ms: n.p99Ms, medianMs: n.medianMs, samples: n.samples };
      if (noiseExplains(t.errorMs, t.lateMs, n)) {
        return {
          ...base,
          verdict: 'INCONCLUSIVE',
          measured: j.measured,
          expected: j.expected,
          detail: `${j.detail}; the machine itself was ${n.worstMs.toFixed(1)} ms late in that window (the canary), and without that the reaction (${t.errorMs.toFixed(1)} ms) is within the ${t.lateMs.toFixed(1)} ms allowed`,
          noise,
        };
      }
      Object.assign(base, { noise });
    }
    const dev = deviationFor(o.impl, c.id, o.v.id);
    return {
      ...base,
      verdict: dev ? 'DEVIATION' : 'FAIL',
      measured: j.measured,
      expected: j.expected,
      detail: j.detail,
      ...(dev ? { deviation: dev.why } : {}),
    };
  } catch (err) {
    return {
      ...base,
      verdict: 'ERROR',
      measured: {},
      expected: '',
      detail: `the judge could not read the evidence: ${(err as Error).message}`,
    };
  }
}

const hasLan2 = (o: Observed) => o.obs.some((x) => x.segment === 'lan2');

/** How far before a reaction's due instant the canary's window starts (a stall that began just before). */
const NOISE_LEAD_US = 5000;

async function writeTimeline(o: Observed, scenario: string): Promise<string> {
  const lanes = new Map<string, TimelineTrack>();
  const lane = (name: string) => {
    let t = lanes.get(name);
    if (!t) {
      t = { name, events: [] };
      lanes.set(name, t);
    }
    return t;
  };
  for (const x of o.obs) {
    if (x.kind === 'mark') continue;
    const who = `${x.who}${x.segment === 'lan2' ? ' (lan2)' : ''}`;
    lane(who).events.push(event(x));
  }
  const svg = timelineSvg(
    `${scenario} · ${o.impl} · ${o.v.id}`,
    [...lanes.values()].sort((a, b) => a.name.localeCompare(b.name)),
    [...o.marks].map(([label, tUs]) => ({ label, tUs })),
  );
  const file = join(o.evidence, 'timeline.svg');
  await mkdir(o.evidence, { recursive: true });
  await writeFile(file, svg);
  return file;
}

function event(x: Exclude<Obs, { kind: 'mark' }>): TimelineTrack['events'][number] {
  switch (x.kind) {
    case 'advert':
      return x.ok
        ? {
            tUs: x.tUs,
            kind: x.advert.priority === 0 ? 'zero' : 'advert',
            label: `VRID ${x.advert.vrid} priority ${x.advert.priority} from ${x.src}`,
          }
        : { tUs: x.tUs, kind: 'invalid', label: `invalid VRRP (${x.reason}) from ${x.src}` };
    case 'arp':
      return {
        tUs: x.tUs,
        kind: 'arp',
        label: `ARP ${x.op === 1 ? 'request' : 'reply'} ${x.senderIp} → ${x.targetIp} (${x.senderMac})`,
      };
    case 'na':
      return {
        tUs: x.tUs,
        kind: 'na',
        label: `NA ${x.target} tlla ${x.tlla} R${+x.router}S${+x.solicited}O${+x.override}`,
      };
    case 'ns':
      return { tUs: x.tUs, kind: 'arp', label: `NS who has ${x.target}` };
    case 'join':
      return { tUs: x.tUs, kind: 'join', label: `joins ${x.group}` };
  }
}

async function implVersion(impl: SpeakerImpl): Promise<string> {
  if (impl === 'tsvrrpd') {
    const pkg = JSON.parse(await readFile(join(projectRoot(import.meta.url), 'package.json'), 'utf8')) as {
      version: string;
    };
    return `tsvrrpd ${pkg.version} (Node ${process.versions.node})`;
  }
  const r = await execa('keepalived', ['--version'], { reject: false, all: true });
  return r.all?.split('\n')[0]?.trim() || 'keepalived';
}

/** True when tsvrrpd failed an RFC MUST case, or any run broke: what makes `harness conformance` exit 1. */
export function matrixFailed(r: ConformanceReport): boolean {
  const tsMust = r.summary.tsvrrpd?.mustFailures ?? 0;
  const errors = r.results.filter((x) => x.verdict === 'ERROR').length;
  return tsMust > 0 || errors > 0;
}
