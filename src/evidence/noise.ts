/**
 * The machine's own scheduling noise, measured beside every run: a canary thread that asks to wake every
 * few milliseconds and records how late it woke, on the captures' clock (CLOCK_REALTIME, µs). A timing
 * verdict that missed its window can then be read against it: a speaker that was late while the canary
 * was late by as much was not shown to be slow; the machine was busy (INCONCLUSIVE, never a PASS or a
 * FAIL). The canary is a worker thread of the harness process (no program to find, no process to
 * clean up): it competes for the CPU like any other thread, which is what a speaker's timer does.
 */
import { Worker } from 'node:worker_threads';

/** How often the canary asks to wake. A wake-up costs ~25 µs of CPU here (0.5% of a core at 5 ms). */
export const CANARY_PERIOD_MS = 5;
/** Ten minutes of samples; runs are judged within seconds of their end. */
const CELLS = (10 * 60 * 1000) / CANARY_PERIOD_MS;
/** A wake-up this late is listed by itself in a summary. */
const SPIKE_MS = 5;

// The worker's code, given as text (eval): it runs the same from src/ under vitest and from dist/.
const WORKER = `
const { workerData } = require('node:worker_threads');
const { sab, periodMs } = workerData;
const ctl = new Int32Array(sab, 0, 2); // [0] samples written, [1] stop
const data = new Float64Array(sab, 8);
const cells = data.length / 2;
const nap = new Int32Array(new SharedArrayBuffer(4));
let next = performance.now() + periodMs;
while (Atomics.load(ctl, 1) === 0) {
  const wait = next - performance.now();
  if (wait > 0) Atomics.wait(nap, 0, 0, wait);
  const now = performance.now();
  const k = Atomics.load(ctl, 0) % cells;
  data[2 * k] = performance.timeOrigin + now;
  data[2 * k + 1] = Math.max(0, now - next);
  Atomics.add(ctl, 0, 1);
  // the next wake-up stays on the grid; ticks missed while it was late are skipped
  do next += periodMs; while (next <= now);
}
`;

export interface NoiseSummary {
  periodMs: number;
  /** the window, capture clock (µs since the epoch) */
  fromUs: number;
  toUs: number;
  /** canary wake-ups in the window (a stalled canary has fewer than the window allows) */
  samples: number;
  medianMs: number;
  p99Ms: number;
  /** the latest wake-up in the window, and when */
  worstMs: number;
  worstAtUs: number | undefined;
  /** wake-ups over 5 ms late, at most 20 (the worst) */
  spikes: { tUs: number; lateMs: number }[];
}

export class NoiseCanary {
  private readonly ctl: Int32Array;
  private readonly data: Float64Array;
  private readonly worker: Worker;

  constructor(readonly periodMs = CANARY_PERIOD_MS) {
    const sab = new SharedArrayBuffer(8 + CELLS * 16);
    this.ctl = new Int32Array(sab, 0, 2);
    this.data = new Float64Array(sab, 8);
    this.worker = new Worker(WORKER, { eval: true, workerData: { sab, periodMs } });
    // never what keeps the harness alive
    this.worker.unref();
  }

  /** What the canary saw between two capture instants (µs); a window it has no samples of is empty. */
  window(fromUs: number, toUs: number): NoiseSummary {
    const written = Atomics.load(this.ctl, 0);
    const late: { tUs: number; lateMs: number }[] = [];
    // newest first, back to the window's start (or the ring's oldest sample)
    for (let i = written - 1; i >= 0 && i >= written - CELLS; i--) {
      const k = i % CELLS;
      const tUs = (this.data[2 * k] as number) * 1000;
      if (tUs < fromUs) break;
      const lateMs = this.data[2 * k + 1] as number;
      // a wake-up that came after the window but was due inside it was late inside it
      if (tUs - lateMs * 1000 <= toUs) late.push({ tUs, lateMs });
    }
    const sorted = late.map((x) => x.lateMs).sort((a, b) => a - b);
    const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const worst = late.reduce<{ tUs: number; lateMs: number } | undefined>(
      (w, x) => (!w || x.lateMs > w.lateMs ? x : w),
      undefined,
    );
    return {
      periodMs: this.periodMs,
      fromUs,
      toUs,
      samples: late.length,
      medianMs: round(pick(0.5)),
      p99Ms: round(pick(0.99)),
      worstMs: round(worst?.lateMs ?? 0),
      worstAtUs: worst?.tUs,
      spikes: late
        .filter((x) => x.lateMs > SPIKE_MS)
        .sort((a, b) => b.lateMs - a.lateMs)
        .slice(0, 20)
        .map((x) => ({ tUs: Math.round(x.tUs), lateMs: round(x.lateMs) })),
    };
  }

  async stop(): Promise<void> {
    Atomics.store(this.ctl, 1, 1);
    await this.worker.terminate();
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

let shared: NoiseCanary | undefined;

/** The process's canary, started on first use: every run of this process reads the same one. */
export function noiseCanary(): NoiseCanary {
  shared ??= new NoiseCanary();
  return shared;
}

/**
 * Whether the machine's noise explains a timing that missed its window late: the measured error minus
 * the canary's worst lateness around the instant the reaction was due would have been within tolerance.
 * The window to read is from a little before the due instant to the observed reaction.
 */
export function noiseExplains(errorMs: number, lateTolMs: number, noise: NoiseSummary): boolean {
  return errorMs > lateTolMs && noise.worstMs > 0 && errorMs - noise.worstMs <= lateTolMs;
}
