import { describe, expect, it } from 'vitest';
import { masterDownMs, releaseFailover, silentFailover, skewMs, within } from './expect.js';

describe('VRRP timer formulas', () => {
  it('v2 skew is (256 − P)/256 s, whatever the interval (RFC 3768 §6.1)', () => {
    expect(skewMs(2, 80, 2000)).toBe(687.5);
    expect(skewMs(2, 100, 1000)).toBeCloseTo(609.375);
    expect(skewMs(2, 255, 1000)).toBeCloseTo(3.90625);
  });

  it('v3 skew scales with the master interval (RFC 5798 §6.1)', () => {
    expect(skewMs(3, 80, 2000)).toBe(1375);
    expect(skewMs(3, 100, 100)).toBeCloseTo(60.9375);
  });

  it("Master_Down_Interval = 3 × interval + skew: the post's WAN backup (v2, 2 s, priority 80)", () => {
    expect(masterDownMs(2, 80, 2000)).toBe(6687.5);
    expect(masterDownMs(3, 100, 1000)).toBeCloseTo(3609.375);
  });

  it('windows: silent failure and priority-0 release', () => {
    const w = silentFailover(2, 80, 2000);
    expect(within(6688.7, w.fromLastAdvert)).toBe(true);
    expect(within(4700, w.fromFault)).toBe(true);
    expect(within(4600, w.fromFault)).toBe(false);
    expect(within(7000, w.fromLastAdvert)).toBe(false);
    const r = releaseFailover(2, 80, 2000);
    expect(within(688, r)).toBe(true);
    expect(within(6688, r)).toBe(false);
    expect(r.why).toMatch(/Skew_Time/);
  });
});
