import koffi, { type KoffiFunc } from 'koffi';
import { close as closeFd, EAGAIN, EINTR, fail, SyscallError } from './libc.js';
import type { Poller } from './poller.js';

/**
 * Timers on the kernel's clock. Node's own setTimeout rounds to whole milliseconds and fires from a
 * cached loop time, which is routinely 1 ms (and under load tens of ms) late; VRRP at 10 ms intervals
 * needs better. One timerfd (CLOCK_MONOTONIC, absolute expiry) holds the earliest deadline less a short
 * lead, and the speaker's poller (a blocking poll on libuv's pool) returns when it expires. That wake-up
 * crosses two threads (pool thread, then the main loop), and on a busy machine either can wait for a
 * CPU; so the last
 * stretch is slept on the main thread itself (clock_nanosleep to the exact deadline: one wake-up, as a C
 * daemon's epoll timeout would be). `monotonicMs()` reads the same clock (process.hrtime is
 * CLOCK_MONOTONIC), so deadlines and readings agree.
 */

const CLOCK_MONOTONIC = 1;
const TFD_CLOEXEC = 0o2000000;
const TFD_NONBLOCK = 0o4000;
const TFD_TIMER_ABSTIME = 1;

const libc = koffi.load('libc.so.6');
const timerfdCreate = libc.func('int timerfd_create(int clockid, int flags)') as KoffiFunc<
  (clock: number, flags: number) => number
>;
const timerfdSettime = libc.func(
  'int timerfd_settime(int fd, int flags, const void *new_value, void *old_value)',
) as KoffiFunc<(fd: number, flags: number, value: Buffer, old: null) => number>;
const read = libc.func('long read(int fd, void *buf, size_t count)') as KoffiFunc<
  (fd: number, buf: Buffer, count: number) => number
>;
const clockNanosleep = libc.func(
  'int clock_nanosleep(int clockid, int flags, const void *request, void *remain)',
) as KoffiFunc<(clock: number, flags: number, request: Buffer, remain: null) => number>;
const sleepSpec = Buffer.alloc(16);

/** Sleeps the calling thread until `atMs` on the monotonic clock. */
function sleepUntil(atMs: number): void {
  const ns = BigInt(Math.round(atMs * 1e6));
  sleepSpec.writeBigInt64LE(ns / 1_000_000_000n, 0);
  sleepSpec.writeBigInt64LE(ns % 1_000_000_000n, 8);
  // A signal ends the sleep early (EINTR, returned, not set in errno); with an absolute deadline the
  // same request sleeps the rest. Running on after EINTR ran a timer up to 0.6 ms before its deadline
  // (seen once in 15 runs of timer.test.ts under vitest, and once in a full CI run).
  while (clockNanosleep(CLOCK_MONOTONIC, TFD_TIMER_ABSTIME, sleepSpec, null) === EINTR) {
    // sleep again until the deadline
  }
}

const prctl = libc.func(
  'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
) as KoffiFunc<(option: number, a2: number, a3: number, a4: number, a5: number) => number>;
const PR_SET_TIMERSLACK = 29;

/**
 * The kernel may let a sleeping thread's timer run up to its "timer slack" late (50 µs by default) to
 * batch wake-ups; a VRRP speaker's main thread asks for 1 ns. Best effort: a failure changes nothing else.
 */
export function reduceTimerSlack(): boolean {
  return prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0) === 0;
}

/**
 * How long before a deadline the pool thread wakes the main loop, which then sleeps the rest: longer
 * than the hop usually takes (p99 ~0.4 ms measured here), short enough that the main thread is rarely
 * blocked for long.
 */
export const DEFAULT_LEAD_MS = 1.5;

/** CLOCK_MONOTONIC in milliseconds (fractional: nanosecond resolution). */
export function monotonicMs(): number {
  // hrtime() as [s, ns]: no BigInt on the hot path
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

export interface TimerHandle {
  readonly atMs: number;
}

interface Entry extends TimerHandle {
  atMs: number;
  fn: (dueMs: number, instantMs: number) => void;
  live: boolean;
  owner: PreciseTimers;
  /** may run this much early to share the wake-up of an earlier timer */
  earlyMs: number;
}

export class PreciseTimers {
  private readonly fd: number;
  /** pending entries, earliest first */
  private queue: Entry[] = [];
  /**
   * When the timerfd is set to expire (undefined: disarmed). It is moved earlier at once when an earlier
   * deadline comes, but not later when the earliest one is cancelled or moved back: a backup re-arms its
   * master-down timer with every advert, and one early wake-up that finds nothing due is cheaper than a
   * timerfd_settime per packet.
   */
  private armedAt: number | undefined;
  private closing = false;
  private readonly spec = Buffer.alloc(32); // struct itimerspec: interval {sec, nsec}, value {sec, nsec}
  private readonly buf = Buffer.alloc(8);

  constructor(
    private readonly poller: Poller,
    private readonly onError: (e: Error) => void = (e) => process.emitWarning(e.message),
    private readonly leadMs = DEFAULT_LEAD_MS,
  ) {
    this.fd = timerfdCreate(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (this.fd < 0) fail('timerfd_create(CLOCK_MONOTONIC)');
    poller.add(this.fd, { coalesceMs: 0, drain: () => this.expired() });
  }

  /**
   * Runs `fn(atMs)` at `atMs` on the monotonic clock (at once if that has passed). `reuse`, a handle this
   * object returned before, pending or not, is cancelled and its storage reused. `earlyMs`: the timer
   * may run that much before its time when the thread is awake anyway for an earlier one (never by
   * itself): a wake-up costs tens of µs of CPU here, and a router with 255 virtual routers would
   * otherwise wake 255 times a second to send adverts a fraction of a millisecond apart.
   */
  schedule(
    atMs: number,
    fn: (dueMs: number, instantMs: number) => void,
    reuse?: TimerHandle,
    earlyMs = 0,
  ): TimerHandle {
    if (this.closing) throw new Error('timers closed');
    // Under the lead: from the pool thread's wake-up (a lead before the first deadline) the first timer
    // must still be slept to; an allowance past that would run it early there, and the next timer would
    // need a wake-up of its own (measured: a 2 ms allowance made 255 adverts cost 2.4 times the CPU).
    earlyMs = Math.min(earlyMs, Math.max(0, this.leadMs - 0.5));
    let e = reuse as Entry | undefined;
    if (e?.owner === this) {
      if (e.live) this.unqueue(e);
      e.atMs = atMs;
      e.fn = fn;
      e.live = true;
      e.earlyMs = earlyMs;
    } else e = { atMs, fn, live: true, owner: this, earlyMs };
    // Insertion keeps the queue sorted; ties keep their order of scheduling.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.queue[mid] as Entry).atMs <= atMs) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, e);
    if (lo === 0) this.arm();
    return e;
  }

  cancel(h: TimerHandle | undefined): void {
    const e = h as Entry | undefined;
    if (!e?.live || e.owner !== this) return;
    e.live = false;
    this.unqueue(e);
  }

  /** Stops: resolves once the poller has let go of the timerfd and it is closed. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.queue = [];
    await this.poller.remove(this.fd);
    closeFd(this.fd);
  }

  private unqueue(e: Entry): void {
    // binary search to the first entry due at its time, then along the (few) ties
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.queue[mid] as Entry).atMs < e.atMs) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.queue.length && (this.queue[i] as Entry).atMs === e.atMs; i++) {
      if (this.queue[i] === e) {
        this.queue.splice(i, 1);
        return;
      }
    }
  }

  /** Arms for the earliest deadline if the timerfd would otherwise expire after it (or not at all). */
  private arm(): void {
    const first = this.queue[0]?.atMs;
    if (first === undefined) return;
    const next = first - this.leadMs;
    if (this.armedAt !== undefined && this.armedAt <= next) return;
    this.armedAt = next;
    // a deadline already past must still fire: 1 ns (it_value 0 would disarm)
    this.setTime(Math.max(next, 1e-6));
  }

  private setTime(atMs: number): void {
    const ns = BigInt(Math.round(atMs * 1e6));
    this.spec.fill(0);
    this.spec.writeBigInt64LE(ns / 1_000_000_000n, 16);
    this.spec.writeBigInt64LE(ns % 1_000_000_000n, 24);
    if (timerfdSettime(this.fd, TFD_TIMER_ABSTIME, this.spec, null) < 0) fail('timerfd_settime');
  }

  /** The timerfd is readable: consume its count, run what is due, arm for what is next. */
  private expired(): boolean {
    if (read(this.fd, this.buf, 8) < 0) {
      const errno = koffi.errno();
      if (errno !== EAGAIN && errno !== EINTR) this.onError(new SyscallError('read(timerfd)', errno));
    }
    this.armedAt = undefined;
    this.runDue();
    if (!this.closing) this.arm();
    return false;
  }

  /**
   * Runs what is due, sleeping on this thread to each deadline that is within the lead; a timer that may
   * run early and is due within that allowance runs at once instead. Timers that run one after the other
   * without a sleep between them share one instant (the second argument): when the first of them ran,
   * as keepalived reads its clock once per wake-up.
   */
  private runDue(): void {
    let instant: number | undefined;
    for (;;) {
      const first = this.queue[0];
      if (!first || this.closing) return;
      const wait = first.atMs - monotonicMs();
      if (wait > this.leadMs) return;
      // The allowance is for sharing: only a timer that follows one just run in this wake-up may run
      // early. The first of a wake-up sleeps to its deadline even when the wake-up came so late that
      // less than its allowance is left (it ran alone up to 0.6 ms early: 3 in 70 runs of timer.test.ts).
      if (wait > (instant === undefined ? 0 : first.earlyMs)) {
        sleepUntil(first.atMs);
        instant = undefined;
      }
      if (this.queue[0] !== first) continue;
      this.queue.shift();
      first.live = false;
      instant ??= monotonicMs();
      try {
        first.fn(first.atMs, instant);
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
