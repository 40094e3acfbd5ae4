import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { listNetns } from '../netns/ip.js';
import { namespaceTag } from './network.js';
import { isAlive } from './proc.js';
import { findLab, type LabState, readState, registryEntries } from './state.js';
import { type TeardownReport, teardown } from './teardown.js';

/** `harness down LAB`: removes one lab whole. */
export async function down(lab: string): Promise<TeardownReport> {
  const entry = await findLab(lab);
  if (!entry) throw new InputError(`no lab named '${lab}' (harness inspect --all lists them)`);
  const state = await readState(entry.runDir);
  if (!state) {
    // The run directory went missing: what is left is found by its tag.
    return removeRun({ lab, runId: entry.runId, runDir: entry.runDir }, await taggedNamespaces());
  }
  return teardown(state);
}

export async function downAll(): Promise<TeardownReport[]> {
  const out: TeardownReport[] = [];
  for (const e of await registryEntries()) out.push(await down(e.lab));
  out.push(...(await gc()).removed);
  return out;
}

type Tagged = { ns: string; lab: string; runId: string }[];

/** Tears down a run known only by its id: namespaces are found by their tag. */
async function removeRun(
  run: { lab: string; runId: string; runDir: string },
  tagged: Tagged,
  adoptUntagged: string[] = [],
): Promise<TeardownReport> {
  const namespaces = [...tagged.filter((t) => t.runId === run.runId).map((t) => t.ns), ...adoptUntagged];
  return teardown({ ...run, namespaces }, { adoptUntagged: adoptUntagged.length > 0 });
}

/** Every namespace on the machine that carries a vrrp-harness tag (one `ip` per namespace: read once). */
async function taggedNamespaces(): Promise<Tagged> {
  const all = await listNetns();
  const tags = await Promise.all(all.map(async (ns) => ({ ns, tag: await namespaceTag(ns) })));
  return tags.flatMap(({ ns, tag }) => (tag ? [{ ns, ...tag }] : []));
}

export interface GcReport {
  removed: TeardownReport[];
  kept: string[];
}

/**
 * `harness gc`: removes everything of runs that are no longer alive — a `up` killed half-way (its journal
 * says 'creating' and its owner is gone), a lab whose state file vanished, namespaces carrying a tag of
 * no live lab, run directories with no lab behind them. A lab that is up is kept.
 */
export async function gc(opts: { runsDir?: string } = {}): Promise<GcReport> {
  const removed: TeardownReport[] = [];
  const kept: string[] = [];
  const healthy = new Set<string>();
  const done = new Set<string>();
  const tagged = await taggedNamespaces();
  for (const entry of await registryEntries()) {
    const state = await readState(entry.runDir);
    if (state && (await isHealthy(state))) {
      healthy.add(state.runId);
      kept.push(entry.lab);
      continue;
    }
    // Untagged namespaces of a crashed `up` are adopted: the journal recorded them before creating them.
    const run = state ?? { lab: entry.lab, runId: entry.runId, runDir: entry.runDir };
    removed.push(await removeRun(run, tagged, state ? await untaggedOf(state) : []));
    done.add(run.runId);
  }
  // Tagged namespaces of runs nobody registers any more.
  const orphans = tagged.filter((t) => !healthy.has(t.runId) && !done.has(t.runId));
  const byRun = new Map<string, { lab: string; ns: string[] }>();
  for (const o of orphans) {
    const r = byRun.get(o.runId) ?? { lab: o.lab, ns: [] };
    r.ns.push(o.ns);
    byRun.set(o.runId, r);
  }
  for (const [runId, r] of byRun) {
    removed.push(await teardown({ lab: r.lab, runId, runDir: '', namespaces: r.ns }, { keepRunDir: true }));
  }
  // Run directories left without a registry entry (the registry lives on tmpfs and is lost at reboot).
  const base = resolve(opts.runsDir ?? 'runs');
  for (const name of await readdir(base).catch(() => [] as string[])) {
    const state = await readState(join(base, name));
    if (!state || healthy.has(state.runId) || kept.includes(state.lab)) continue;
    removed.push(await teardown(state));
  }
  return { removed, kept };
}

async function isHealthy(state: LabState): Promise<boolean> {
  if (state.status === 'up') return true;
  return state.status === 'creating' && (await isAlive(state.owner.pid, state.owner.startTime));
}

async function untaggedOf(state: LabState): Promise<string[]> {
  if (state.status !== 'creating') return [];
  const existing = new Set(await listNetns());
  const list = state.namespaces.filter((ns) => existing.has(ns));
  const tags = await Promise.all(list.map(namespaceTag));
  return list.filter((_, i) => tags[i] === undefined);
}
