import { execa } from 'execa';
import { ipBatch, listNetns } from '../netns/ip.js';
import { killUntilGone } from './daemon.js';
import { namespaceTag } from './network.js';
import { runPids } from './proc.js';
import { type LabState, scratchDir, unregister } from './state.js';

export interface TeardownReport {
  namespaces: string[];
  processes: number;
  ms: number;
}

/**
 * Removes what one run owns: its processes (found by namespace and by tag), its namespaces (those carrying
 * its tag; untagged ones only when `adoptUntagged`, i.e. `up` died between creating and tagging them),
 * its run directory and its registry entry. Nothing is removed by name pattern alone.
 */
export async function teardown(
  state: Pick<LabState, 'lab' | 'runId' | 'runDir' | 'namespaces'>,
  opts: { adoptUntagged?: boolean; keepRunDir?: boolean } = {},
): Promise<TeardownReport> {
  const started = performance.now();
  const existing = new Set(await listNetns());
  const candidates = state.namespaces.filter((ns) => existing.has(ns));
  const owned = (
    await Promise.all(
      candidates.map(async (ns) => {
        const tag = await namespaceTag(ns);
        const mine = tag ? tag.runId === state.runId : opts.adoptUntagged === true;
        return mine ? ns : undefined;
      }),
    )
  ).filter((ns): ns is string => ns !== undefined);

  // A power cut: the namespaces are discarded with everything in them, so no graceful stop is waited for
  // (keepalived alone takes ~1 s to send priority 0 and leave). Nothing a daemon holds outlives it:
  // PostgreSQL's shared memory is in a private IPC namespace and in its data directory. The namespaces
  // go only once nothing is left in them.
  const processes = await killUntilGone(() => runPids(owned, state.runId));

  await ipBatch(owned.map((ns) => `netns del ${ns}`));
  // rm(1) removes a run directory (thousands of PostgreSQL files) in a third of the time fs.rm takes.
  if (!opts.keepRunDir && state.runDir) await execa('rm', ['-rf', '--one-file-system', '--', state.runDir]);
  // PostgreSQL's files when the run directory was out of its reach (see postgresHome); usually absent.
  await execa('rm', ['-rf', '--one-file-system', '--', scratchDir(state.lab, state.runId)]);
  await unregister(state.lab, state.runId);
  return { namespaces: owned, processes, ms: performance.now() - started };
}
