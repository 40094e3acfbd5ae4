import { describe, expect, it } from 'vitest';
import { releaseFailover, silentFailover, within } from './expect.js';

describe('judge windows', () => {
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
