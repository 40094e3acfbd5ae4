import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a lab owns, written before it is created (a journal) and updated as it grows, so that `down`
 * and `gc` remove exactly that, also after `up` was killed half-way.
 */
export interface LabState {
  version: 1;
  lab: string;
  runId: string;
  runDir: string;
  topologyFile: string;
  status: 'creating' | 'up' | 'failed';
  /** The `harness up` process while it is building; a dead owner of a 'creating' lab means it crashed. */
  owner: { pid: number; startTime: string };
  createdAt: string;
  /** Tag set as the ifalias of each namespace's lo: ownership that survives the harness. */
  tag: string;
  switchNs: string;
  namespaces: string[];
  nodes: {
    name: string;
    ns: string;
    interfaces: { name: string; segment?: string; port?: string; mac?: string; addresses: string[] }[];
  }[];
  segments: { name: string; bridge: string; pcap: string }[];
  processes: ProcessRecord[];
  vips: {
    address: string;
    instance: string;
    vrid: number | undefined;
    expected: string;
    candidates: string[];
  }[];
}

export interface ProcessRecord {
  node: string;
  service: string;
  pid: number;
  /** /proc starttime: a recycled pid is not ours. */
  startTime: string;
  argv: string[];
  log: string;
  /** What it takes to start it again (daemon restart, host recover). */
  ns: string;
  user?: string;
  privateIpc?: boolean;
  env?: Record<string, string>;
  /** 'speaker': the node's VRRP speaker, whichever implementation */
  role?: 'speaker' | undefined;
  /** removed before it starts again (pid files a killed run left) */
  staleFiles?: string[] | undefined;
  /** its ready line, for a restart to wait on */
  ready?: { pattern: string; timeoutMs: number } | undefined;
}

/** Runtime registry: lab name → run directory. On tmpfs, like /run/netns, so both vanish at reboot. */
export const REGISTRY = process.env.VRRP_HARNESS_REGISTRY ?? '/run/vrrp-harness/labs';

/**
 * Where a run keeps what PostgreSQL must reach as its own user when the run directory is not reachable by
 * it (a checkout under a private directory, e.g. mktemp -d): world-searchable, one per run, named so that
 * teardown (down, gc after a crash) finds it from the run's id alone.
 */
export const SCRATCH_ROOT = process.env.VRRP_HARNESS_SCRATCH ?? '/var/tmp/vrrp-harness';

export function scratchDir(lab: string, runId: string): string {
  return join(SCRATCH_ROOT, `${lab}-${runId}`);
}

export function tagFor(lab: string, runId: string): string {
  return `vrrp-harness lab=${lab} run=${runId}`;
}

export function parseTag(alias: string | undefined): { lab: string; runId: string } | undefined {
  const m = alias?.match(/^vrrp-harness lab=(\S+) run=(\S+)$/);
  return m?.[1] && m[2] ? { lab: m[1], runId: m[2] } : undefined;
}

/**
 * The environment tag every process a run starts carries, helpers included (initdb, cp): a process the
 * harness started outside the lab's namespaces is still found, and killed, by `down` and `gc`.
 */
export function runEnv(lab: string, runId: string): Record<string, string> {
  return { VRRP_HARNESS_LAB: lab, VRRP_HARNESS_RUN: runId };
}

export function stateFile(runDir: string): string {
  return join(runDir, 'lab.json');
}

/** Atomic: a crash mid-write leaves the previous state, never half a file. */
export async function writeState(state: LabState): Promise<void> {
  const file = stateFile(state.runDir);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  await mkdir(REGISTRY, { recursive: true });
  await writeFile(
    join(REGISTRY, `${state.lab}.json`),
    JSON.stringify({ runDir: state.runDir, runId: state.runId }),
  );
}

export async function readState(runDir: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(runDir), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export interface RegistryEntry {
  lab: string;
  runDir: string;
  runId: string;
}

export async function registryEntries(): Promise<RegistryEntry[]> {
  let files: string[];
  try {
    files = await readdir(REGISTRY);
  } catch {
    return [];
  }
  const out: RegistryEntry[] = [];
  for (const f of files.filter((n) => n.endsWith('.json'))) {
    try {
      const { runDir, runId } = JSON.parse(await readFile(join(REGISTRY, f), 'utf8'));
      out.push({ lab: f.slice(0, -5), runDir, runId });
    } catch {
      out.push({ lab: f.slice(0, -5), runDir: '', runId: '' });
    }
  }
  return out;
}

export async function findLab(lab: string): Promise<RegistryEntry | undefined> {
  return (await registryEntries()).find((e) => e.lab === lab);
}

/** Drops the registry entry, but only if it is still this run's (a newer run of the lab may own it). */
export async function unregister(lab: string, runId: string): Promise<void> {
  const entry = await findLab(lab);
  if (entry && entry.runId === runId) await rm(join(REGISTRY, `${lab}.json`), { force: true });
}
