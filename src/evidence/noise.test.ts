import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../util/wait.js';
import { NoiseCanary, type NoiseSummary, noiseExplains } from './noise.js';

const quiet = (worstMs: number): NoiseSummary => ({
  periodMs: 5,
  fromUs: 0,
  toUs: 1,
  samples: 100,
  medianMs: 0.1,
  p99Ms: worstMs,
  worstMs,
  worstAtUs: 0,
  spikes: [],
});

describe("noiseExplains: a late reaction against the machine's own lateness", () => {
  it('explains when the error less the noise is within tolerance', () => {
    expect(noiseExplains(80, 50, quiet(30))).toBe(true);
    expect(noiseExplains(80, 50, quiet(29.9))).toBe(false);
  });
  it('has nothing to explain within tolerance, and no noise explains nothing', () => {
    expect(noiseExplains(40, 50, quiet(100))).toBe(false);
    expect(noiseExplains(80, 50, quiet(0))).toBe(false);
  });
});

describe('NoiseCanary (a worker thread)', () => {
  const canary = new NoiseCanary(2);
  afterAll(() => canary.stop());

  it('samples every period on the capture clock; a window outside its life is empty', async () => {
    const from = Date.now() * 1000;
    await pollUntil(() => canary.window(from, Date.now() * 1000).samples >= 10, { timeoutMs: 5000 });
    const w = canary.window(from, Date.now() * 1000);
    expect(w.samples).toBeGreaterThanOrEqual(10);
    expect(w.periodMs).toBe(2);
    // a quiet test process: the median wake-up is within a few ms of its time
    expect(w.medianMs).toBeLessThan(5);
    expect(canary.window(from - 60_000_000, from - 50_000_000).samples).toBe(0);
  });
});
