import { describe, expect, it } from 'vitest';
import {
  masterDownMs,
  skewMs,
  v2MasterDownSeconds,
  v2SkewSeconds,
  v3MasterDownCentiseconds,
  v3SkewCentiseconds,
} from './rfc-timers.js';

// Every expected value below is worked out by hand from the RFC text, written as a literal.

describe('RFC 3768 §6.1 (v2): Skew_Time = (256 − Priority)/256 s; MDI = 3 × Advertisement_Interval + Skew_Time', () => {
  it('priority 80, advert_int 2 s (the post’s WAN backup): skew 176/256 = 0.6875 s, MDI 6.6875 s', () => {
    expect(v2SkewSeconds(80)).toBe(0.6875);
    expect(v2MasterDownSeconds(80, 2)).toBe(6.6875);
    expect(masterDownMs(2, 80, 2000)).toBe(6687.5);
  });
  it('priority 90, 2 s (the post’s LAN backup): skew 166/256 = 0.6484375 s, MDI 6648.4375 ms', () => {
    expect(skewMs(2, 90, 2000)).toBe(648.4375);
    expect(masterDownMs(2, 90, 2000)).toBe(6648.4375);
  });
  it('priority 100, 1 s: skew 156/256 = 0.609375 s, MDI 3609.375 ms', () => {
    expect(skewMs(2, 100, 1000)).toBe(609.375);
    expect(masterDownMs(2, 100, 1000)).toBe(3609.375);
  });
  it('the skew does not scale with the interval in v2', () => {
    expect(skewMs(2, 100, 5000)).toBe(609.375);
    expect(masterDownMs(2, 100, 5000)).toBe(15609.375);
  });
  it('priority 255: skew 1/256 s = 3.90625 ms; priority 1: 255/256 s = 996.09375 ms', () => {
    expect(skewMs(2, 255, 1000)).toBe(3.90625);
    expect(skewMs(2, 1, 1000)).toBe(996.09375);
  });
});

describe('RFC 5798 / RFC 9568 §6.1 (v3): Skew_Time = ((256 − priority) × Master_Adver_Interval)/256 cs', () => {
  it('priority 100, 10 cs (100 ms): skew 1560/256 = 6.09375 cs, MDI 36.09375 cs = 360.9375 ms', () => {
    expect(v3SkewCentiseconds(100, 10)).toBe(6.09375);
    expect(v3MasterDownCentiseconds(100, 10)).toBe(36.09375);
    expect(skewMs(3, 100, 100)).toBe(60.9375);
    expect(masterDownMs(3, 100, 100)).toBe(360.9375);
  });
  it('priority 80, 200 cs (2 s): skew 35200/256 = 137.5 cs, MDI 737.5 cs', () => {
    expect(skewMs(3, 80, 2000)).toBe(1375);
    expect(masterDownMs(3, 80, 2000)).toBe(7375);
  });
  it('priority 150, 100 cs (1 s): skew 10600/256 = 41.40625 cs, MDI 341.40625 cs', () => {
    expect(skewMs(3, 150, 1000)).toBe(414.0625);
    expect(masterDownMs(3, 150, 1000)).toBe(3414.0625);
  });
  it('priority 100, 1 s: MDI 3609.375 ms, the same as v2 at 1 s only because the interval is 1 s', () => {
    expect(masterDownMs(3, 100, 1000)).toBe(3609.375);
  });
});

describe('input checks', () => {
  it('a priority outside 1..255 is refused', () => {
    expect(() => skewMs(2, 0, 1000)).toThrow(/1\.\.255/);
    expect(() => masterDownMs(3, 256, 1000)).toThrow(/1\.\.255/);
    expect(() => skewMs(3, 99.5, 1000)).toThrow(/1\.\.255/);
  });
});
