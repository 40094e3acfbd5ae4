import koffi, { type KoffiFunc } from 'koffi';
import { close as closeFd, EAGAIN, EINTR, fail, SyscallError } from './libc.js';

/**
 * Timers on the kernel's clock: one timerfd (CLOCK_MONOTONIC, absolute expiry) holds the earliest
 * deadline of a set, and a blocking read on libuv's pool returns the moment it expires. Node's own
 * setTimeout rounds to whole milliseconds and fires from a cached loop time, which is routinely 1 ms
 * (and under load tens of ms) late; VRRP at 10 ms intervals needs better. `monotonicMs()` reads the same
 * clock (process.hrtime is CLOCK_MONOTONIC), so deadlines and readings agree.
 */

const CLOCK_MONOTONIC = 1;
const TFD_CLOEXEC = 0o2000000;
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

/** CLOCK_MONOTONIC in milliseconds (fractional: nanosecond resolution). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface TimerHandle {
  readonly atMs: number;
}

interface Entry extends TimerHandle {
  fn: () => void;
  live: boolean;
}

export class PreciseTimers {
  private readonly fd: number;
  /** pending entries, earliest first */
  private queue: Entry[] = [];
  private armedAt: number | undefined;
  private reading = false;
  private closing = false;
  private closed?: () => void;
  private readonly spec = Buffer.alloc(32); // struct itimerspec: interval {sec, nsec}, value {sec, nsec}
  private readonly buf = Buffer.alloc(8);

  constructor(private readonly onError: (e: Error) => void = (e) => process.emitWarning(e.message)) {
    this.fd = timerfdCreate(CLOCK_MONOTONIC, TFD_CLOEXEC);
    if (this.fd < 0) fail('timerfd_create(CLOCK_MONOTONIC)');
  }

  /** Runs `fn` at `atMs` on the monotonic clock (at once if that has passed). */
  schedule(atMs: number, fn: () => void): TimerHandle {
    if (this.closing) throw new Error('timers closed');
    const e: Entry = { atMs, fn, live: true };
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
    if (!e?.live) return;
    e.live = false;
    const i = this.queue.indexOf(e);
    if (i >= 0) this.queue.splice(i, 1);
    if (i === 0) this.arm();
  }

  /** Resolves once the pending read has returned and the fd is closed. */
  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    this.queue = [];
    return new Promise((resolve) => {
      this.closed = () => {
        closeFd(this.fd);
        resolve();
      };
      if (!this.reading) this.closed();
      else this.setTime(1e-6); // expires at once: the blocked read returns
    });
  }

  private arm(): void {
    const next = this.queue[0]?.atMs;
    if (next === this.armedAt) return;
    this.armedAt = next;
    // it_value 0 disarms; a deadline already past must still fire, so it becomes 1 ns.
    this.setTime(next === undefined ? 0 : Math.max(next, 1e-6));
    if (next !== undefined) this.issue();
  }

  private setTime(atMs: number): void {
    const ns = BigInt(Math.round(atMs * 1e6));
    this.spec.fill(0);
    this.spec.writeBigInt64LE(ns / 1_000_000_000n, 16);
    this.spec.writeBigInt64LE(ns % 1_000_000_000n, 24);
    if (timerfdSettime(this.fd, TFD_TIMER_ABSTIME, this.spec, null) < 0) fail('timerfd_settime');
  }

  private issue(): void {
    if (this.reading) return;
    this.reading = true;
    read.async(this.fd, this.buf, 8, (err: unknown, n: number) => {
      this.reading = false;
      if (this.closing) {
        this.closed?.();
        return;
      }
      if (err) this.onError(err instanceof Error ? err : new Error(String(err)));
      else if (n < 0) {
        const errno = koffi.errno();
        if (errno !== EAGAIN && errno !== EINTR) this.onError(new SyscallError('read(timerfd)', errno));
      }
      this.armedAt = undefined;
      this.runDue();
      this.arm();
    });
  }

  private runDue(): void {
    const now = monotonicMs();
    while (this.queue.length > 0 && (this.queue[0] as Entry).atMs <= now) {
      const e = this.queue.shift() as Entry;
      e.live = false;
      try {
        e.fn();
      } catch (err) {
        this.onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
