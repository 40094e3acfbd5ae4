import { describe, expect, it } from 'vitest';
import { downtime, type Outcome } from './probe.js';

const T0 = 1_795_577_976_000_000;
const at = (ms: number) => T0 + Math.round(ms * 1000);

/** A probe every 50 ms from `fromMs`: `pattern` says which requests succeed ('.') or fail ('x'). */
function probe(fromMs: number, pattern: string): Outcome[] {
  return [...pattern].map((c, i) =>
    c === '.'
      ? { t: at(fromMs + i * 50), ok: true, ms: 1.2, who: 'b' }
      : { t: at(fromMs + i * 50), ok: false, ms: 500, error: 'timeout' },
  );
}

describe('downtime', () => {
  it('no failure after the fault: 0 ms, nothing failed', () => {
    expect(downtime(probe(0, '..........'), at(200))).toEqual({ ms: 0, failed: 0 });
    expect(downtime([], at(0))).toEqual({ ms: 0, failed: 0 });
  });

  it('a run of failures: from the last success before it to the first success after it', () => {
    // requests at 0, 50, …; the fault at 120 ms; failures at 150 … 300; success again at 350
    const outcomes = probe(0, '...xxxx...');
    expect(downtime(outcomes, at(120))).toEqual({
      ms: 250,
      failed: 4,
      lastOkUs: at(100),
      firstOkUs: at(350),
    });
  });

  it('counts only the first run of failures after the fault', () => {
    const outcomes = probe(0, '..xx..xxx..');
    expect(downtime(outcomes, at(0))).toEqual({ ms: 150, failed: 2, lastOkUs: at(50), firstOkUs: at(200) });
  });

  it('never recovered: ms undefined, every failure since the first counted', () => {
    const outcomes = probe(0, '....xxxxx');
    expect(downtime(outcomes, at(100))).toEqual({
      ms: undefined,
      failed: 5,
      lastOkUs: at(150),
      firstOkUs: undefined,
    });
  });

  it('no success before the first failure: ms undefined, the recovery is still reported', () => {
    expect(downtime(probe(0, 'xx..'), at(0))).toEqual({
      ms: undefined,
      failed: 2,
      lastOkUs: undefined,
      firstOkUs: at(100),
    });
  });

  it('failures before the fault are ignored', () => {
    // failures at 50-100 ms (before the fault at 200), then the real outage at 300-400
    const outcomes = probe(0, '.xx...xxx..');
    expect(downtime(outcomes, at(200))).toEqual({
      ms: 200,
      failed: 3,
      lastOkUs: at(250),
      firstOkUs: at(450),
    });
    // and with only earlier failures there is no downtime at all
    expect(downtime(probe(0, '.xx......'), at(200))).toEqual({ ms: 0, failed: 0 });
  });

  it('a request sent exactly at the fault counts as after it', () => {
    expect(downtime(probe(0, '..x..'), at(100))).toMatchObject({ ms: 100, failed: 1 });
  });

  it('keeps µs precision', () => {
    const outcomes: Outcome[] = [
      { t: T0 + 1, ok: true, ms: 1 },
      { t: T0 + 2, ok: false, ms: 1 },
      { t: T0 + 1_234_568, ok: true, ms: 1 },
    ];
    expect(downtime(outcomes, T0)).toMatchObject({ ms: 1234.567, failed: 1 });
  });
});
