import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { signalAndWait, startDaemon } from '../lab/daemon.js';
import { type LabState, type ProcessRecord, writeState } from '../lab/state.js';
import { programPath } from '../util/program.js';

// Resolved when first run, not at import: unit tests import this module without a build.
const proberProgram = () => programPath(import.meta.url, './prober.js');

export type ProbeSpec =
  | { name: string; node: string; kind: 'http'; url: string; everyMs?: number; timeoutMs?: number }
  | {
      name: string;
      node: string;
      kind: 'db';
      host: string;
      port?: number;
      everyMs?: number;
      timeoutMs?: number;
    };

/** Whether a probe watches `vip`: the host of its URL, or its database host, is that address. */
export function probeWatches(p: ProbeSpec, vip: string): boolean {
  const host = p.kind === 'http' ? new URL(p.url).hostname.replace(/^\[|\]$/g, '') : p.host;
  return host === vip;
}

export interface Outcome {
  /** Microseconds since the epoch, when the request was sent. */
  t: number;
  ok: boolean;
  ms: number;
  who?: string;
  error?: string;
}

export interface RunningProbe {
  spec: ProbeSpec;
  record: ProcessRecord;
  file: string;
}

/** Starts a prober inside a node of a lab that is up; it runs until stopped or the lab goes down. */
export async function startProbe(state: LabState, spec: ProbeSpec): Promise<RunningProbe> {
  const node = state.nodes.find((n) => n.name === spec.node);
  if (!node) throw new InputError(`no node '${spec.node}' in lab '${state.lab}'`);
  const dir = join(state.runDir, 'probes');
  await (await import('node:fs/promises')).mkdir(dir, { recursive: true });
  const file = join(dir, `${spec.name}.jsonl`);
  const target =
    spec.kind === 'http' ? ['--url', spec.url] : ['--host', spec.host, '--port', String(spec.port ?? 5432)];
  const argv = [
    process.execPath,
    proberProgram(),
    '--kind',
    spec.kind,
    ...target,
    '--every',
    String(spec.everyMs ?? 50),
    '--timeout',
    String(spec.timeoutMs ?? 500),
  ];
  const running = await startDaemon({
    node: node.name,
    ns: node.ns,
    service: `probe-${spec.name}`,
    argv,
    log: join(dir, `${spec.name}.log`),
    stdout: file,
    lab: state.lab,
    runId: state.runId,
  });
  state.processes.push(running.record);
  await writeState(state);
  return { spec, record: running.record, file };
}

/** Stops a prober (SIGTERM: it finishes the request in flight and writes its line) and returns its outcomes. */
export async function stopProbe(p: RunningProbe): Promise<Outcome[]> {
  await signalAndWait([p.record], 'SIGTERM', 3000);
  return readOutcomes(p.file);
}

export async function readOutcomes(file: string): Promise<Outcome[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Outcome];
      } catch {
        return [];
      }
    });
}

/**
 * Client-perceived downtime of a fault at `atUs`: from the last success before the first failure that
 * follows the fault, to the first success after it. No failure: 0 ms.
 */
export function downtime(
  outcomes: Outcome[],
  atUs: number,
): { ms: number | undefined; failed: number; lastOkUs?: number; firstOkUs?: number } {
  const firstFail = outcomes.find((o) => o.t >= atUs && !o.ok);
  if (!firstFail) return { ms: 0, failed: 0 };
  const lastOk = outcomes.filter((o) => o.ok && o.t < firstFail.t).at(-1);
  const firstOk = outcomes.find((o) => o.ok && o.t > firstFail.t);
  const failed = outcomes.filter((o) => !o.ok && o.t >= firstFail.t && (!firstOk || o.t < firstOk.t)).length;
  const ms = lastOk && firstOk ? (firstOk.t - lastOk.t) / 1000 : undefined;
  return { ms, failed, lastOkUs: lastOk?.t, firstOkUs: firstOk?.t };
}
