/**
 * A conformance case: what it tests (RFC section, requirement level), the scenario that produces its
 * evidence (one lab run can serve several cases), and a judge that reads the observations. Helpers for
 * judges live here too: they only read; every verdict carries what was measured beside what was expected.
 */
import { TOLERANCE } from '../timeline/expect.js';
import { masterDownMs, skewMs } from '../timeline/rfc-timers.js';
import type { Observed, Scenario, ScenarioCtx } from './engine.js';
import type { VariantId } from './lab.js';
import type { AdvertObs, Obs, Who } from './observe.js';

export type Group = 'receive' | 'transmit' | 'state' | 'preemption' | 'arp-nd' | 'sync';
/**
 * MUST/SHOULD/MAY: the RFC's own words; `keepalived`: a keepalived behaviour, not an RFC rule (tsvrrpd
 * implements it too); `info`: a choice the RFCs leave open, recorded.
 */
export type Level = 'MUST' | 'SHOULD' | 'MAY' | 'keepalived' | 'info';

export interface Judgement {
  pass: boolean;
  /** what was measured, with units in the key or value */
  measured: Record<string, string | number | boolean | null>;
  expected: string;
  detail: string;
  /**
   * For a verdict on timing: when the reaction was due and when it came (capture clock, µs), how late
   * it was against the formula, and how late it may be. A reaction that came too late while the
   * machine's own noise (the canary) was as large is INCONCLUSIVE, not FAIL (see conformance/run.ts).
   */
  timing?: Timing;
}

export interface Timing {
  dueUs: number;
  atUs: number;
  /** measured − expected, ms */
  errorMs: number;
  /** the late tolerance the verdict used, ms */
  lateMs: number;
}

/** A reference instant and the DUT's reaction to it, from the captures (µs). */
export interface Span {
  fromUs: number;
  toUs: number;
}

/** The span between two observations, when both were seen. */
export function span(from: { tUs: number } | undefined, to: { tUs: number } | undefined): Span | undefined {
  return from && to ? { fromUs: from.tUs, toUs: to.tUs } : undefined;
}

export interface Case {
  id: string;
  group: Group;
  title: string;
  /** e.g. "RFC 5798 §7.1"; several for v2 and v3 */
  rfc: string;
  level: Level;
  scenario: Scenario;
  variants?: VariantId[];
  judge(o: Observed): Judgement;
}

export const tol = TOLERANCE;

export function adverts(o: Observed, who?: Who, from = 0, to = Number.POSITIVE_INFINITY): AdvertObs[] {
  return o.obs.filter(
    (x): x is AdvertObs =>
      x.kind === 'advert' && x.ok && (who === undefined || x.who === who) && x.tUs >= from && x.tUs <= to,
  );
}

export function frames<K extends Obs['kind']>(
  o: Observed,
  kind: K,
  who?: Who,
  from = 0,
): Extract<Obs, { kind: K }>[] {
  return o.obs.filter(
    (x): x is Extract<Obs, { kind: K }> =>
      x.kind === kind && (who === undefined || x.who === who) && x.tUs >= from,
  );
}

export function mark(o: Observed, label: string): number {
  const t = o.marks.get(label);
  if (t === undefined) throw new Error(`no '${label}' marker in the capture`);
  return t;
}

export const ms = (us: number): number => Math.round(us / 10) / 100;

/** A measured interval (between two capture instants) against [want − early, want + late] (ms). */
export function windowed(
  label: string,
  s: Span | undefined,
  wantMs: number,
  why: string,
  late: number = tol.lateMs,
  early: number = tol.earlyMs,
): Judgement {
  const measuredMs = s ? (s.toUs - s.fromUs) / 1000 : undefined;
  const min = wantMs - early;
  const max = wantMs + late;
  const pass = measuredMs !== undefined && measuredMs >= min && measuredMs <= max;
  return {
    ...(s && measuredMs !== undefined
      ? {
          timing: {
            dueUs: s.fromUs + wantMs * 1000,
            atUs: s.toUs,
            errorMs: measuredMs - wantMs,
            lateMs: late,
          },
        }
      : {}),
    pass,
    measured: {
      [label]: measuredMs === undefined ? null : Math.round(measuredMs * 100) / 100,
      // against the instant the RFC formula gives: what the concurrency check compares
      errorMs: measuredMs === undefined ? null : Math.round((measuredMs - wantMs) * 100) / 100,
    },
    expected: `${label} ∈ [${min.toFixed(1)}, ${max.toFixed(1)}] ms: ${why}`,
    detail:
      measuredMs === undefined
        ? `${label}: nothing to measure`
        : `${label} ${measuredMs.toFixed(1)} ms (${(measuredMs - wantMs >= 0 ? '+' : '') + (measuredMs - wantMs).toFixed(1)} ms against ${wantMs.toFixed(1)})`,
  };
}

export function check(
  pass: boolean,
  measured: Judgement['measured'],
  expected: string,
  detail: string,
): Judgement {
  return { pass, measured, expected, detail };
}

/** The judges' RFC formulas (src/timeline/rfc-timers.ts, not tsvrrpd's) for an observed run's variant. */
export const mdiOf = (o: Observed, priority: number, intervalMs = o.v.intervalMs): number =>
  masterDownMs(o.v.version, priority, intervalMs);
export const skewOf = (o: Observed, priority: number, intervalMs = o.v.intervalMs): number =>
  skewMs(o.v.version, priority, intervalMs);

/**
 * The usual start of a scenario: the tester is master at `priority` over the DUT (100), and the DUT has
 * heard it (if the DUT won the start-up race, it yields at once).
 */
export async function testerMaster(c: ScenarioCtx, priority = 200): Promise<void> {
  await c.tester.start('m', [c.advert({ priority })], c.v.intervalMs);
  await c.tester.waitSent('m', 3);
  await c.until((h) => !h.includes('dut'), c.mdiMs(100) + 3 * c.v.intervalMs);
  await c.tester.waitSent('m', 5);
}
