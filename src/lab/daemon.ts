import { spawn } from 'node:child_process';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { RuntimeFailure } from '../errors.js';
import { waitForLine } from '../util/wait.js';
import { isAlive, procStartTime } from './proc.js';
import { type ProcessRecord, runEnv } from './state.js';

export interface DaemonSpec {
  node: string;
  ns: string;
  service: string;
  argv: string[];
  log: string;
  runId: string;
  lab: string;
  /** Run as this user (setpriv execs, so the recorded pid stays the daemon's). */
  user?: string;
  /** A private IPC namespace: shared memory dies with the process, never leaks (PostgreSQL). */
  privateIpc?: boolean;
  env?: Record<string, string>;
  /** Standard output to its own file (data, e.g. a prober's outcomes); stderr stays in `log`. */
  stdout?: string;
  /** 'speaker': the node's VRRP speaker (keepalived or tsvrrpd), what `daemon-kill NODE` means. */
  role?: 'speaker';
  /**
   * Files a killed run of it leaves behind that would stop it starting again (keepalived refuses to start
   * while its pid files name a pid that still exists, a zombie included): removed before each start.
   */
  staleFiles?: string[];
  /** The log line that says it is ready, for a restart to wait on as `up` did. */
  ready?: { pattern: string; timeoutMs: number };
}

export interface RunningDaemon {
  record: ProcessRecord;
  /** Rejects when the process exits (a daemon that exits during start-up has failed). */
  exited: Promise<never>;
}

/**
 * Starts a long-lived process inside a lab namespace, detached from the harness so the lab outlives
 * `harness up`. Each step (ip netns exec, unshare, setpriv) execs the next: the pid is the daemon's.
 * Every process carries the run's tag in its environment.
 */
export async function startDaemon(spec: DaemonSpec): Promise<RunningDaemon> {
  const argv = [
    'netns',
    'exec',
    spec.ns,
    ...(spec.privateIpc ? ['unshare', '--ipc', '--'] : []),
    ...(spec.user ? ['setpriv', `--reuid=${spec.user}`, `--regid=${spec.user}`, '--init-groups', '--'] : []),
    ...spec.argv,
  ];
  for (const f of spec.staleFiles ?? []) await rm(f, { force: true });
  const log = await open(spec.log, 'a');
  const out = spec.stdout ? await open(spec.stdout, 'a') : log;
  const child = spawn('ip', argv, {
    detached: true,
    stdio: ['ignore', out.fd, log.fd],
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      ...spec.env,
      ...runEnv(spec.lab, spec.runId),
    },
  });
  await log.close();
  if (out !== log) await out.close();
  const pid = child.pid;
  if (pid === undefined)
    throw new RuntimeFailure(`${spec.node}/${spec.service}: could not start ${spec.argv[0]}`);
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      reject(
        new RuntimeFailure(
          `${spec.node}/${spec.service} exited during start-up (${signal ?? `code ${code}`})`,
        ),
      );
    });
  });
  exited.catch(() => {});
  child.unref();
  const startTime = (await procStartTime(pid)) ?? '';
  return {
    record: {
      node: spec.node,
      service: spec.service,
      pid,
      startTime,
      argv: spec.argv,
      log: spec.log,
      ns: spec.ns,
      user: spec.user,
      privateIpc: spec.privateIpc,
      env: spec.env,
      role: spec.role,
      staleFiles: spec.staleFiles,
      ready: spec.ready,
    },
    exited,
  };
}

/**
 * Sends `signal` to processes and waits until every one is gone, at most `waitMs`; returns the pids still
 * alive then. They are not our children, so nothing can be awaited: /proc (pid + start time, zombies
 * counted as gone) is the only witness, read every 10 ms.
 */
export async function signalAndWait(
  targets: { pid: number; startTime?: string }[],
  signal: NodeJS.Signals,
  waitMs: number,
): Promise<number[]> {
  const known = await Promise.all(
    targets.map(async (t) => ({ pid: t.pid, start: t.startTime ?? (await procStartTime(t.pid)) })),
  );
  let left = known.filter((t) => t.start !== undefined);
  for (const t of left) {
    try {
      process.kill(t.pid, signal);
    } catch {
      // already gone
    }
  }
  const until = Date.now() + waitMs;
  for (;;) {
    const alive = await Promise.all(left.map((t) => isAlive(t.pid, t.start)));
    left = left.filter((_, i) => alive[i]);
    if (left.length === 0 || Date.now() >= until) return left.map((t) => t.pid);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** SIGKILL, and wait (a second at most) until they are gone. */
export async function killAndWait(pids: number[]): Promise<void> {
  await signalAndWait(
    pids.map((pid) => ({ pid })),
    'SIGKILL',
    1000,
  );
}

/**
 * SIGKILLs what `find` returns, and again, until a fresh look finds nothing alive: a process forked
 * between one scan and the kill is caught by the next. Seen: nginx's master starting a worker just as
 * `gc` killed it; the worker outlived its deleted namespace (nginx clears the run's tag from its
 * workers' environment, so nothing could find it later). Returns how many processes it killed.
 */
export async function killUntilGone(find: () => Promise<number[]>, rounds = 20): Promise<number> {
  const killed = new Set<number>();
  for (let i = 0; i < rounds; i++) {
    const alive = await Promise.all((await find()).map(async (pid) => ((await isAlive(pid)) ? pid : 0)));
    const pids = alive.filter((pid) => pid > 0);
    if (pids.length === 0) break;
    for (const pid of pids) killed.add(pid);
    await killAndWait(pids);
  }
  return killed.size;
}

/** The spec a recorded process was started from, to start it again. */
export function specOf(record: ProcessRecord, lab: string, runId: string): DaemonSpec {
  const { node, service, argv, log, ns, user, privateIpc, env, role, staleFiles, ready } = record;
  return { node, service, argv, log, ns, user, privateIpc, env, role, staleFiles, ready, lab, runId };
}

export async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a recorded daemon again and, when its record says how, waits for its ready line (only lines
 * written after this start count). Rejects if it exits or stays silent past its deadline.
 */
export async function restartDaemon(spec: DaemonSpec): Promise<RunningDaemon> {
  const from = await stat(spec.log).then(
    (s) => s.size,
    () => 0,
  );
  const running = await startDaemon(spec);
  if (spec.ready) {
    await waitForLine(
      spec.log,
      new RegExp(spec.ready.pattern),
      spec.ready.timeoutMs,
      running.exited,
      from,
    ).catch(async (err: Error) => {
      throw new RuntimeFailure(
        `${spec.node}/${spec.service} did not come back: ${err.message}\n${await logTail(spec.log, 10)}`,
      );
    });
  }
  return running;
}
