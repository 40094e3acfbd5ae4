import { execa } from 'execa';
import type { Check } from '../topology/schema.js';
import { DeadlineExceeded } from '../util/wait.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  status: number | undefined;
  body: string;
  attempts: number;
  ms: number;
}

/** One HTTP request from inside a node's namespace (curl: the client a user would type). */
export async function httpFrom(
  ns: string,
  url: string,
  timeoutS = 2,
): Promise<{ status?: number; body: string; error?: string }> {
  const r = await execa(
    'ip',
    ['netns', 'exec', ns, 'curl', '-sS', '-m', String(timeoutS), '-w', '\n%{http_code}', url],
    {
      reject: false,
    },
  );
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop());
  return {
    status: status || undefined,
    body: lines.join('\n'),
    error: r.exitCode === 0 ? undefined : r.stderr.trim(),
  };
}

/**
 * Runs a readiness check until it passes or `ms` runs out. It is only started once every service said it
 * was ready and every VIP settled, so the first attempt normally passes; retries cover ARP resolution.
 */
export async function runCheck(check: Check, ns: string, ms: number): Promise<CheckResult> {
  const started = performance.now();
  const expect = check.expect ? new RegExp(check.expect) : undefined;
  let attempts = 0;
  let last: Awaited<ReturnType<typeof httpFrom>> = { body: '' };
  while (performance.now() - started < ms) {
    attempts++;
    last = await httpFrom(ns, check.http);
    const ok = last.status !== undefined && last.status < 400 && (!expect || expect.test(last.body));
    if (ok)
      return {
        name: check.name,
        ok,
        status: last.status,
        body: last.body,
        attempts,
        ms: performance.now() - started,
      };
    await new Promise((r) => setTimeout(r, Math.min(100 * attempts, 500)));
  }
  throw new DeadlineExceeded(
    `check '${check.name}' (${check.http} from ${ns}): last answer ${last.status ?? last.error ?? 'none'} ${last.body.slice(0, 200)}`,
    ms,
  );
}
