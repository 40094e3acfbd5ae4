import { type FSWatcher, watch } from 'node:fs';
import { open } from 'node:fs/promises';

export class DeadlineExceeded extends Error {
  constructor(
    what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** Resolves with `p`, or rejects once `ms` have passed; `abort` (a process exit, say) rejects at once. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string, abort?: Promise<never>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
  });
  return Promise.race([p, deadline, ...(abort ? [abort] : [])]).finally(() => clearTimeout(timer));
}

/**
 * Waits until a line matching `pattern` is appended to `file` (a daemon's log), woken by inotify rather
 * than polling. Returns the matching line.
 */
export function waitForLine(
  file: string,
  pattern: RegExp,
  ms: number,
  abort?: Promise<never>,
  /** where to start reading: a log's size before a restart, so that the last run's lines do not count */
  from = 0,
): Promise<string> {
  let watcher: FSWatcher | undefined;
  const found = new Promise<string>((resolve, reject) => {
    let offset = from;
    let pending = '';
    let reading = false;
    let again = false;
    const scan = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        const fh = await open(file, 'r');
        try {
          for (;;) {
            const buf = Buffer.alloc(65536);
            const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
            if (bytesRead === 0) break;
            offset += bytesRead;
            pending += buf.subarray(0, bytesRead).toString('utf8');
            const lines = pending.split('\n');
            pending = lines.pop() ?? '';
            const hit = lines.find((l) => pattern.test(l));
            if (hit !== undefined) return resolve(hit);
          }
        } finally {
          await fh.close();
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return reject(err);
      } finally {
        reading = false;
      }
      if (again) {
        again = false;
        await scan();
      }
    };
    try {
      watcher = watch(file, () => void scan());
    } catch (err) {
      return reject(err);
    }
    void scan();
  });
  return withDeadline(found, ms, `waiting for /${pattern.source}/ in ${file}`, abort).finally(() =>
    watcher?.close(),
  );
}

/**
 * Checks `ready` every `everyMs` until it holds, or throws DeadlineExceeded after `timeoutMs`: for state
 * that has no event to wait on (a counter another thread advances).
 */
export async function pollUntil(
  ready: () => boolean,
  { timeoutMs, everyMs = 10, what = 'condition' }: { timeoutMs: number; everyMs?: number; what?: string },
): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > end) throw new DeadlineExceeded(what, timeoutMs);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
