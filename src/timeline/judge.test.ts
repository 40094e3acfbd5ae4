import { describe, expect, it } from 'vitest';
import { TOLERANCE } from './expect.js';
import { judge } from './judge.js';
import type { Handover } from './timeline.js';

const T0 = 1_795_577_976_000_000;

/** A VRRPv2 handover, advert_int 2 s, to a backup of priority 80 (Skew_Time 687.5 ms, MDI 6687.5 ms). */
function handover(over: Partial<Handover> = {}): Handover {
  return {
    vrid: 51,
    vips: ['198.51.100.50'],
    from: 'a',
    to: 'b',
    faultId: 'f1',
    faultAtUs: T0,
    lastOldAdvertUs: T0 - 1_000_000,
    oldReleased: false,
    newMasterFirstAdvertUs: T0 + 5_687_500,
    newPriority: 80,
    intervalMs: 2000,
    version: 2,
    firstGarpUs: undefined,
    failoverMs: 5687.5,
    silenceMs: 6687.5,
    ...over,
  };
}

const SKEW = 687.5;
const MDI = 6687.5;
const EARLY = TOLERANCE.earlyMs;
const LATE = TOLERANCE.lateMs;

describe('judge: the old master sent priority 0 → Skew_Time after its release advert', () => {
  it('measures silenceMs against [skew − early, skew + late]', () => {
    const j = judge(handover({ oldReleased: true, silenceMs: 690.1, failoverMs: 9999 }), 'daemon-stop');
    expect(j).toMatchObject({ measured: 'silenceMs', ms: 690.1, verdict: 'pass' });
    expect(j.expected).toMatchObject({ min: SKEW - EARLY, max: SKEW + LATE });
    expect(j.expected?.why).toMatch(/Skew_Time\(80\) = 687\.5 ms/);
  });

  it.each([
    [SKEW - EARLY, 'pass'],
    [SKEW + LATE, 'pass'],
    [SKEW - EARLY - 0.1, 'fail'],
    [SKEW + LATE + 0.1, 'fail'],
    [MDI, 'fail'], // a release judged like a crash would pass here: it must not
  ] as const)('silence %s ms → %s', (silenceMs, verdict) => {
    expect(judge(handover({ oldReleased: true, silenceMs }), 'daemon-stop').verdict).toBe(verdict);
  });

  it('wins over the fault kind: a released master is judged by Skew_Time whatever the fault was', () => {
    for (const kind of ['daemon-restart', 'host-crash', 'host-thaw', 'no-such-kind', '']) {
      const j = judge(handover({ oldReleased: true, silenceMs: SKEW }), kind);
      expect(j.measured).toBe('silenceMs');
      expect(j.expected?.min).toBe(SKEW - EARLY);
      expect(j.verdict).toBe('pass');
    }
  });

  it('v3: Skew_Time scales with the interval', () => {
    // ((256 − 80) × 1000) / 256 = 687.5 for 1 s; for 2 s it is 1375
    const j = judge(handover({ version: 3, oldReleased: true, silenceMs: 1375 }), 'daemon-stop');
    expect(j.expected).toMatchObject({ min: 1375 - EARLY, max: 1375 + LATE });
    expect(j.verdict).toBe('pass');
  });
});

describe('judge: the master fell silent → Master_Down_Interval after its last advert', () => {
  const SILENT = ['host-crash', 'host-freeze', 'daemon-kill', 'link-down', 'cable-cut', 'vrrp-drop', 'netem'];

  it.each(SILENT)('%s measures silenceMs against [MDI − early, MDI + late]', (kind) => {
    const j = judge(handover({ failoverMs: 1 }), kind);
    expect(j).toMatchObject({ measured: 'silenceMs', ms: MDI, verdict: 'pass' });
    expect(j.expected).toMatchObject({ min: MDI - EARLY, max: MDI + LATE });
    expect(j.expected?.why).toMatch(/Master_Down_Interval/);
  });

  it.each([
    [MDI - EARLY, 'pass'],
    [MDI + LATE, 'pass'],
    [MDI - EARLY - 0.1, 'fail'],
    [MDI + LATE + 0.1, 'fail'],
    [SKEW, 'fail'],
  ] as const)('silence %s ms → %s', (silenceMs, verdict) => {
    expect(judge(handover({ silenceMs }), 'host-crash').verdict).toBe(verdict);
  });

  it('fails when there was no old advert to measure from', () => {
    const j = judge(handover({ silenceMs: undefined, lastOldAdvertUs: undefined }), 'host-crash');
    expect(j).toMatchObject({ measured: 'silenceMs', ms: undefined, verdict: 'fail' });
    expect(j.expected).toBeDefined();
  });

  it('uses the backup priority and the interval of the handover', () => {
    // v2, priority 200, 1 s: 3000 + (56/256) × 1000 = 3218.75
    const j = judge(handover({ newPriority: 200, intervalMs: 1000, silenceMs: 3218.75 }), 'link-down');
    expect(j.expected).toMatchObject({ min: 3218.75 - EARLY, max: 3218.75 + LATE });
    expect(j.verdict).toBe('pass');
  });
});

describe('judge: a node came back and preempted → its own MDI after the fault, + 1 s to boot', () => {
  const RETURNS = ['host-recover', 'link-up', 'cable-restore', 'daemon-start', 'daemon-restart'];

  it.each(RETURNS)('%s measures failoverMs against [MDI − early, MDI + 1000]', (kind) => {
    // The new master is the returning one, priority 100: MDI = 6000 + 609.375
    const mdi = 6609.375;
    const j = judge(handover({ newPriority: 100, failoverMs: 7000, silenceMs: 900 }), kind);
    expect(j).toMatchObject({ measured: 'failoverMs', ms: 7000, verdict: 'pass' });
    expect(j.expected).toMatchObject({ min: mdi - EARLY, max: mdi + 1000 });
    expect(j.expected?.why).toMatch(/preemption/);
  });

  it.each([
    [MDI - EARLY, 'pass'],
    [MDI + 1000, 'pass'],
    [MDI - EARLY - 0.1, 'fail'],
    [MDI + 1000.1, 'fail'],
  ] as const)('failover %s ms → %s (silenceMs is not what is judged)', (failoverMs, verdict) => {
    expect(judge(handover({ failoverMs, silenceMs: MDI }), 'host-recover').verdict).toBe(verdict);
  });
});

describe('judge: a frozen master thawed → its overdue advert at once', () => {
  it.each([
    [0, 'pass'],
    [2000, 'pass'],
    [2000.1, 'fail'],
    [-0.1, 'fail'],
  ] as const)('failover %s ms → %s, window [0, interval]', (failoverMs, verdict) => {
    const j = judge(handover({ failoverMs, silenceMs: MDI }), 'host-thaw');
    expect(j.measured).toBe('failoverMs');
    expect(j.expected).toMatchObject({ min: 0, max: 2000 });
    expect(j.verdict).toBe(verdict);
  });
});

describe('judge: a fault kind without an RFC expectation', () => {
  it.each(['link-flap', 'daemon-stop', 'no-such-kind', ''])('%s → measured, no window', (kind) => {
    const j = judge(handover(), kind);
    expect(j).toEqual({ measured: 'silenceMs', ms: MDI, expected: undefined, verdict: 'measured' });
  });

  it('stays measured even without a silence', () => {
    expect(judge(handover({ silenceMs: undefined }), 'link-flap').verdict).toBe('measured');
  });
});
