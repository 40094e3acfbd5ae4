import { type ProbeSpec, probeWatches } from '../probes/probe.js';
import type { ScenarioResult, ScenarioSpec } from '../scenario/run.js';
import { judge } from '../timeline/judge.js';

/**
 * report.json, schema "vrrp-harness/report@1". Instants are epoch microseconds, the capture clock
 * (compare them with the pcaps' timestamps directly); durations are milliseconds.
 */
export interface Report {
  schema: 'vrrp-harness/report@1';
  generatedAt: string;
  lab: { name: string; topology: string; implementation: string };
  summary: { scenarios: number; passed: number; failed: number };
  scenarios: ScenarioReport[];
}

export interface ScenarioReport {
  name: string;
  title: string;
  verdict: 'pass' | 'fail';
  notes: string[];
  faults: { id: string; kind: string; target: string; at: number | null; markedAt: string; detail: string }[];
  handovers: HandoverReport[];
  downtime: { probe: string; faultId: string; ms: number | null; failed: number }[];
  /** Paths relative to the report's folder. */
  artifacts: { dir: string; pcaps: string[]; timelines: Record<string, string> };
}

export interface HandoverReport {
  vip: string;
  vrid: number;
  from: string | null;
  to: string;
  faultId: string | null;
  faultKind: string | null;
  faultAt: number;
  lastOldAdvertAt: number | null;
  oldReleased: boolean;
  newMasterFirstAdvertAt: number;
  firstGarpAt: number | null;
  firstClientOkAt: number | null;
  /** new master's first advert − fault */
  failoverMs: number;
  /** new master's first advert − old master's last advert */
  silenceMs: number | null;
  /** which of the two the expectation applies to */
  measured: 'failoverMs' | 'silenceMs';
  expectedMs: { min: number; max: number; why: string } | null;
  verdict: 'pass' | 'fail' | 'measured';
}

const round = (x: number | undefined, d = 1) => (x === undefined ? null : Number(x.toFixed(d)));

/** The probe that watches a VIP: its URL or host names the address. */
function probeFor(probes: ProbeSpec[], vip: string): string | undefined {
  return probes.find((p) => probeWatches(p, vip))?.name;
}

export function scenarioReport(
  spec: ScenarioSpec,
  r: ScenarioResult,
  dir: string,
  timelines: Record<string, string>,
  pcaps: string[],
): ScenarioReport {
  const handovers = r.handovers.map((h): HandoverReport => {
    const fault = r.faults.find((f) => f.id === h.faultId);
    const j = judge(h, fault?.kind ?? '');
    const probe = probeFor(spec.probes, h.vips[0] ?? '');
    const outcomes = probe ? (r.probes[probe] ?? []) : [];
    const firstFail = outcomes.find((o) => o.t >= h.faultAtUs && !o.ok);
    const firstOk = outcomes.find((o) => o.ok && o.t >= (firstFail?.t ?? h.faultAtUs));
    return {
      vip: h.vips.join(' '),
      vrid: h.vrid,
      from: h.from ?? null,
      to: h.to,
      faultId: h.faultId ?? null,
      faultKind: fault?.kind ?? null,
      faultAt: h.faultAtUs,
      lastOldAdvertAt: h.lastOldAdvertUs ?? null,
      oldReleased: h.oldReleased,
      newMasterFirstAdvertAt: h.newMasterFirstAdvertUs,
      firstGarpAt: h.firstGarpUs ?? null,
      firstClientOkAt: firstOk?.t ?? null,
      failoverMs: round(h.failoverMs) ?? 0,
      silenceMs: round(h.silenceMs),
      measured: j.measured,
      expectedMs: j.expected
        ? { min: round(j.expected.min) ?? 0, max: round(j.expected.max) ?? 0, why: j.expected.why }
        : null,
      verdict: j.verdict,
    };
  });
  return {
    name: spec.name,
    title: spec.title,
    verdict: handovers.some((h) => h.verdict === 'fail') ? 'fail' : 'pass',
    notes: spec.notes ?? [],
    faults: r.faults.map((f) => ({
      id: f.id,
      kind: f.kind,
      target: f.target,
      at: f.atUs ?? null,
      markedAt: f.markedAt,
      detail: f.detail,
    })),
    handovers,
    downtime: r.downtime.map((d) => ({
      probe: d.probe,
      faultId: d.faultId,
      ms: round(d.ms),
      failed: d.failed,
    })),
    artifacts: { dir, pcaps, timelines },
  };
}

export function report(lab: Report['lab'], scenarios: ScenarioReport[]): Report {
  const failed = scenarios.filter((s) => s.verdict === 'fail').length;
  return {
    schema: 'vrrp-harness/report@1',
    generatedAt: new Date().toISOString(),
    lab,
    summary: { scenarios: scenarios.length, passed: scenarios.length - failed, failed },
    scenarios,
  };
}
