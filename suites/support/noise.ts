/**
 * Lab tests and a busy machine. A timing that misses its window late while the machine itself was as
 * late (the noise canary, src/evidence/noise.ts, in this process) does not show the speaker slow: the
 * assertion throws Inconclusive instead of failing, {@link labIt} runs the test body once more on a
 * fresh lab, and that run decides. INCONCLUSIVE twice skips the test with the noise in its note, never
 * a pass. Every such event is appended to reports/inconclusive.jsonl, which scripts/test-summary.mjs
 * counts in CI's closing lines.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type NoiseSummary, noiseCanary, noiseExplains } from '../../src/evidence/noise.js';
import type { Window } from '../../src/timeline/expect.js';
import type { Handover } from '../../src/timeline/timeline.js';
import { ROOT } from './lab.js';
import './matchers.js';

export const INCONCLUSIVE_LOG = join(ROOT, 'reports', 'inconclusive.jsonl');

export class Inconclusive extends Error {
  constructor(
    message: string,
    readonly noise: NoiseSummary,
  ) {
    super(message);
    this.name = 'Inconclusive';
  }
}

/** The canary's window starts this long before the reaction was due: a stall that began just before. */
const LEAD_US = 5000;

/** Starts the canary (idempotent): a scenario's window can only be read if it was running then. */
export function watchNoise(): void {
  noiseCanary();
}

/**
 * expect(measuredMs).toBeWithin(w), except that a late miss the canary explains is Inconclusive. `dueUs`
 * is the capture instant the window is measured from (the reaction was due from dueUs + w.min), `atUs`
 * when it came.
 */
export function expectTimely(
  label: string,
  measuredMs: number | undefined,
  w: Window,
  fromUs: number | undefined,
  atUs: number | undefined,
): void {
  if (measuredMs !== undefined && measuredMs > w.max && fromUs !== undefined && atUs !== undefined) {
    const noise = noiseCanary().window(fromUs + w.min * 1000 - LEAD_US, atUs);
    if (noiseExplains(measuredMs, w.max, noise)) {
      throw new Inconclusive(
        `${label}: measured ${measuredMs.toFixed(1)} ms, expected ≤ ${w.max.toFixed(1)} ms (${w.why}); the machine itself was ${noise.worstMs.toFixed(1)} ms late in that window (canary, ${noise.samples} wake-ups, p99 ${noise.p99Ms} ms)`,
        noise,
      );
    }
    if (noise.samples > 0) {
      console.log(
        `${label}: late by ${(measuredMs - w.max).toFixed(1)} ms; the canary's worst in that window was ${noise.worstMs.toFixed(1)} ms: not the machine`,
      );
    }
  }
  expect(measuredMs, label).toBeWithin(w);
}

/** A handover's silence (from the old master's last advert) or failover (from the fault) in a window. */
export function expectHandoverTime(
  h: Handover | undefined,
  measure: 'silence' | 'failover',
  w: Window,
): void {
  const label = `VRID ${h?.vrid} ${h?.from ?? '?'} → ${h?.to} ${measure === 'silence' ? 'last old advert → new master' : 'fault → new master'}`;
  if (measure === 'silence')
    expectTimely(label, h?.silenceMs, w, h?.lastOldAdvertUs, h?.newMasterFirstAdvertUs);
  else expectTimely(label, h?.failoverMs, w, h?.faultAtUs, h?.newMasterFirstAdvertUs);
}

function record(test: string, attempt: number, outcome: string, err: Inconclusive): void {
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  appendFileSync(
    INCONCLUSIVE_LOG,
    `${JSON.stringify({ test, attempt, outcome, detail: err.message, noise: err.noise })}\n`,
  );
  console.log(`[INCONCLUSIVE] ${test} (run ${attempt}): ${err.message} → ${outcome}`);
}

/**
 * it(), for a lab test whose body builds its own lab: an Inconclusive first run is run once more, and the
 * second run decides (pass, fail, or a skip when it is INCONCLUSIVE again). The timeout allows both runs.
 */
export function labIt(name: string, body: () => Promise<void>, timeoutMs = 240_000): void {
  it(
    name,
    async (ctx) => {
      const test = `${ctx.task.suite?.name ?? ''} > ${name}`;
      try {
        await body();
        return;
      } catch (err) {
        if (!(err instanceof Inconclusive)) throw err;
        record(test, 1, 'run again', err);
      }
      try {
        await body();
        appendFileSync(INCONCLUSIVE_LOG, `${JSON.stringify({ test, attempt: 2, outcome: 'passed' })}\n`);
      } catch (err) {
        if (!(err instanceof Inconclusive)) {
          appendFileSync(INCONCLUSIVE_LOG, `${JSON.stringify({ test, attempt: 2, outcome: 'failed' })}\n`);
          throw err;
        }
        record(test, 2, 'skipped', err);
        ctx.skip(`INCONCLUSIVE twice: ${err.message}`);
      }
    },
    timeoutMs,
  );
}
