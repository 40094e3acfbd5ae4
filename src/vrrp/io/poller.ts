import koffi, { type KoffiFunc } from 'koffi';
import { close as closeFd, EAGAIN, EINTR, fail, SyscallError } from './libc.js';

/**
 * One wait for every descriptor a speaker reads (VRRP sockets, its timer, netlink): a single blocking
 * poll(2) on libuv's pool, and the main thread reads whatever is ready without blocking. Node cannot
 * watch a raw or netlink socket itself, and a koffi asynchronous call costs ~40 µs of CPU per round
 * trip here (measured), so the number of round trips is what a busy router pays for:
 *   - one poll serves all descriptors, instead of a blocking read per descriptor;
 *   - a descriptor may ask to be left out for a few milliseconds after it was read (`coalesceMs`), so a
 *     burst of adverts (255 virtual routers) costs one wake-up, not one each. Its packets wait in the
 *     kernel meanwhile, stamped with their arrival time, and whoever needs them earlier (a timer about to
 *     decide) reads them at once with `drain`.
 * An eventfd wakes the pending poll when the set of descriptors changes.
 */

const POLLIN = 0x001;
const POLLERR = 0x008;
const POLLHUP = 0x010;
const POLLNVAL = 0x020;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;

const libc = koffi.load('libc.so.6');
const poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)') as KoffiFunc<
  (fds: Buffer, n: number, timeout: number) => number
>;
const eventfd = libc.func('int eventfd(unsigned int initval, int flags)') as KoffiFunc<
  (init: number, flags: number) => number
>;
const write = libc.func('long write(int fd, const void *buf, size_t count)') as KoffiFunc<
  (fd: number, buf: Buffer, n: number) => number
>;
const read = libc.func('long read(int fd, void *buf, size_t count)') as KoffiFunc<
  (fd: number, buf: Buffer, n: number) => number
>;

export interface Watch {
  /** Reads until the descriptor would block; returns whether it read anything. */
  drain(): boolean;
  /** Left out of the poll this long after a drain that read something (0: never). */
  coalesceMs: number;
}

interface Entry {
  fd: number;
  watch: Watch;
  pausedUntil: number;
}

export class Poller {
  private readonly entries = new Map<number, Entry>();
  private readonly wake: number;
  private readonly one = Buffer.alloc(8);
  private readonly scratch = Buffer.alloc(8);
  private fds = Buffer.alloc(0);
  /** the descriptors of the poll in flight, in order */
  private inFlight: Entry[] = [];
  private pending = false;
  private closing = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly onError: (e: Error) => void = (e) => process.emitWarning(e.message)) {
    this.wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.wake < 0) fail('eventfd');
    this.one.writeBigUInt64LE(1n);
  }

  /** Starts watching `fd` (non-blocking, or `drain` would block the main thread). */
  add(fd: number, watch: Watch): void {
    this.entries.set(fd, { fd, watch, pausedUntil: 0 });
    this.reissue();
  }

  /** Ends `fd`'s pause now (its batching was shortened): the poll watches it again at once. */
  resume(fd: number): void {
    const e = this.entries.get(fd);
    if (!e || e.pausedUntil === 0) return;
    e.pausedUntil = 0;
    this.reissue();
  }

  /** Resolves once no poll in flight holds `fd`: only then may its owner close it. */
  remove(fd: number): Promise<void> {
    this.entries.delete(fd);
    if (!this.pending || !this.inFlight.some((e) => e.fd === fd)) return Promise.resolve();
    const gone = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.interrupt();
    return gone;
  }

  /** Ends the loop; resolves when the poll in flight has returned and the eventfd is closed. */
  close(): Promise<void> {
    this.closing = true;
    this.entries.clear();
    const done = new Promise<void>((resolve) => {
      if (!this.pending) resolve();
      else this.waiters.push(resolve);
    });
    this.interrupt();
    return done.then(() => {
      closeFd(this.wake);
    });
  }

  private interrupt(): void {
    if (this.pending) write(this.wake, this.one, 8);
  }

  /** Makes the next poll see a changed set: wakes the one in flight, or starts one. */
  private reissue(): void {
    if (this.pending) this.interrupt();
    else this.issue();
  }

  private issue(): void {
    if (this.closing || this.pending) return;
    const now = performance.now();
    const active: Entry[] = [];
    let resumeAt = Number.POSITIVE_INFINITY;
    for (const e of this.entries.values()) {
      if (e.pausedUntil <= now) active.push(e);
      else resumeAt = Math.min(resumeAt, e.pausedUntil);
    }
    // struct pollfd: int fd, short events, short revents; the eventfd first
    const n = active.length + 1;
    if (this.fds.length < n * 8) this.fds = Buffer.alloc(n * 16);
    this.fds.writeInt32LE(this.wake, 0);
    this.fds.writeInt16LE(POLLIN, 4);
    this.fds.writeInt16LE(0, 6);
    for (const [i, e] of active.entries()) {
      this.fds.writeInt32LE(e.fd, (i + 1) * 8);
      this.fds.writeInt16LE(POLLIN, (i + 1) * 8 + 4);
      this.fds.writeInt16LE(0, (i + 1) * 8 + 6);
    }
    this.inFlight = active;
    this.pending = true;
    const timeout = Number.isFinite(resumeAt) ? Math.max(0, Math.ceil(resumeAt - now)) : -1;
    poll.async(this.fds, n, timeout, (err: unknown, r: number) => this.completed(err, r));
  }

  private completed(err: unknown, r: number): void {
    this.pending = false;
    const fds = this.inFlight;
    this.inFlight = [];
    for (const w of this.waiters.splice(0)) w();
    if (this.closing) return;
    if (err) this.onError(err instanceof Error ? err : new Error(String(err)));
    else if (r < 0) {
      const errno = koffi.errno();
      if (errno !== EINTR && errno !== EAGAIN) this.onError(new SyscallError('poll', errno));
    }
    if ((this.fds.readInt16LE(6) & POLLIN) !== 0) read(this.wake, this.scratch, 8);
    const now = performance.now();
    for (const [i, e] of fds.entries()) {
      const revents = r > 0 ? this.fds.readInt16LE((i + 1) * 8 + 6) : 0;
      if (revents & POLLNVAL) {
        // closed under us: whoever closed it has removed it too, or will
        continue;
      }
      if (revents & (POLLIN | POLLERR | POLLHUP)) this.run(e, now);
    }
    // Descriptors whose pause is over: read what queued meanwhile (no extra wake-up), then decide.
    for (const e of this.entries.values()) {
      if (e.pausedUntil !== 0 && e.pausedUntil <= now && !fds.includes(e)) this.run(e, now);
    }
    this.issue();
  }

  private run(e: Entry, now: number): void {
    if (!this.entries.has(e.fd)) return;
    let got = false;
    try {
      got = e.watch.drain();
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
    e.pausedUntil = got && e.watch.coalesceMs > 0 ? now + e.watch.coalesceMs : 0;
  }
}
