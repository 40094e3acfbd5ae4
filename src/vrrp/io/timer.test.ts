import { afterAll, describe, expect, it } from 'vitest';
import { Poller } from './poller.js';
import { monotonicMs, PreciseTimers } from './timer.js';

describe('PreciseTimers (timerfd, on a poller)', () => {
  const poller = new Poller();
  afterAll(() => poller.close());
  it('fires each callback once, in deadline order, never before its deadline; cancelled ones never', async () => {
    const timers = new PreciseTimers(poller);
    const t0 = monotonicMs();
    const fired: { i: number; late: number }[] = [];
    const deadlines = [30, 5, 20, 10, 25, 15, 40, 35];
    const done = new Promise<void>((resolve) => {
      for (const [i, d] of deadlines.entries()) {
        timers.schedule(t0 + d, () => {
          fired.push({ i, late: monotonicMs() - (t0 + d) });
          if (fired.length === deadlines.length - 1) resolve();
        });
      }
    });
    const cancelled = timers.schedule(t0 + 22, () => fired.push({ i: -1, late: 0 }));
    timers.cancel(cancelled);
    await done;
    await timers.close();
    expect(fired.map((f) => deadlines[f.i])).toEqual([5, 10, 15, 20, 25, 30, 35, 40].slice(0, fired.length));
    expect(fired.every((f) => f.late >= 0)).toBe(true);
    const late = fired.map((f) => f.late).sort((a, b) => a - b);
    console.log(
      `timerfd lateness (ms): median ${late[late.length >> 1]?.toFixed(3)}, max ${late.at(-1)?.toFixed(3)}`,
    );
  });

  it('a deadline in the past fires at once; a callback may schedule the next one', async () => {
    const timers = new PreciseTimers(poller);
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      timers.schedule(monotonicMs() - 100, () => {
        order.push('past');
        timers.schedule(monotonicMs() + 2, () => {
          order.push('chained');
          resolve();
        });
      });
    });
    await timers.close();
    expect(order).toEqual(['past', 'chained']);
  });

  it("a timer allowed to run early shares an earlier one's wake-up, and never runs early alone", async () => {
    const timers = new PreciseTimers(poller);
    const t0 = monotonicMs() + 20;
    // The instant each timer was run at: timers run in one wake-up share it, so the check does
    // not depend on how fast this machine runs two callbacks back to back.
    const ran: { name: string; instant: number }[] = [];
    await new Promise<void>((resolve) => {
      timers.schedule(t0, (_due, instant) => ran.push({ name: 'first', instant }));
      // 0.5 ms later, may run 1 ms early: goes with the first
      timers.schedule(t0 + 0.5, (_due, instant) => ran.push({ name: 'shared', instant }), undefined, 1);
      // alone 30 ms later with the same allowance: on time, not early
      timers.schedule(
        t0 + 30,
        (_due, instant) => {
          ran.push({ name: 'alone', instant });
          resolve();
        },
        undefined,
        1,
      );
    });
    await timers.close();
    expect(ran.map((r) => r.name)).toEqual(['first', 'shared', 'alone']);
    const [first, shared, alone] = ran.map((r) => r.instant) as [number, number, number];
    expect(first).toBeGreaterThanOrEqual(t0);
    // in the first one's wake-up, whether that came on time or late
    expect(shared).toBe(first);
    expect(alone).toBeGreaterThanOrEqual(t0 + 30);
  });

  it('reusing a handle moves the timer; a cancelled handle can be scheduled again', async () => {
    const timers = new PreciseTimers(poller);
    const fired: string[] = [];
    const t = monotonicMs();
    let h = timers.schedule(t + 5, () => fired.push('old'));
    h = timers.schedule(t + 10, () => fired.push('moved'), h);
    timers.cancel(h);
    await new Promise<void>((resolve) => {
      timers.schedule(
        t + 15,
        () => {
          fired.push('again');
          resolve();
        },
        h,
      );
    });
    await timers.close();
    expect(fired).toEqual(['again']);
  });

  it('close() returns while nothing is scheduled (the blocked read is woken)', async () => {
    const timers = new PreciseTimers(poller);
    const h = timers.schedule(monotonicMs() + 60_000, () => {});
    timers.cancel(h);
    const t = monotonicMs();
    await timers.close();
    expect(monotonicMs() - t).toBeLessThan(1000);
  });
});
