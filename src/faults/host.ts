import { killUntilGone, restartDaemon, specOf } from '../lab/daemon.js';
import { isAlive, runPids } from '../lab/proc.js';
import { type LabState, writeState } from '../lab/state.js';
import { ipBatch } from '../netns/ip.js';
import { type FaultKind, nodeOf } from './fault.js';

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** A powered-off box: every process in the node's namespace SIGKILLed, every link down. */
export const hostCrash: FaultKind = {
  name: 'host-crash',
  summary: 'power a node off: SIGKILL every process in its namespace, take its links down',
  target: 'node',
  async run(state, target) {
    const node = nodeOf(state, target);
    // Links first: a dead box sends nothing more, not even what a dying process would.
    await ipBatch(
      node.interfaces.map((i) => `link set dev ${i.name} down`),
      node.ns,
    );
    const killed = await killUntilGone(() => runPids([node.ns]));
    return `${node.ns}: links down, ${killed} processes killed`;
  },
};

/** A signal to every process in the node's namespace: SIGSTOP hangs the box (its links stay up), SIGCONT thaws it. */
function signalHost(name: string, summary: string, signal: 'SIGSTOP' | 'SIGCONT', done: string): FaultKind {
  return {
    name,
    summary,
    target: 'node',
    async run(state, target) {
      const node = nodeOf(state, target);
      const pids = await runPids([node.ns]);
      signalAll(pids, signal);
      return `${node.ns}: ${pids.length} processes ${done}`;
    },
  };
}

export const hostFreeze = signalHost(
  'host-freeze',
  'freeze a node: SIGSTOP every process in its namespace (links stay up)',
  'SIGSTOP',
  'stopped',
);
export const hostThaw = signalHost(
  'host-thaw',
  'thaw a frozen node: SIGCONT every process in its namespace',
  'SIGCONT',
  'continued',
);

/** Power back on: links up, then every daemon the node ran is started again, as at `up`. */
export const hostRecover: FaultKind = {
  name: 'host-recover',
  summary: 'power a crashed node back on: links up, its daemons started again',
  target: 'node',
  async run(state, target) {
    const node = nodeOf(state, target);
    await ipBatch(
      node.interfaces.map((i) => `link set dev ${i.name} up`),
      node.ns,
    );
    const restarted = await restartDaemons(state, (p) => p.node === node.name);
    return `${node.ns}: links up, restarted ${restarted.join(', ') || 'nothing'}`;
  },
};

/** Starts again every recorded daemon that matches and is no longer running; updates the journal. */
export async function restartDaemons(
  state: LabState,
  which: (p: LabState['processes'][number]) => boolean,
): Promise<string[]> {
  const done: string[] = [];
  const again = [];
  for (const [i, p] of state.processes.entries()) {
    if (!which(p) || (await isAlive(p.pid, p.startTime))) continue;
    again.push(
      restartDaemon(specOf(p, state.lab, state.runId)).then((running) => {
        state.processes[i] = running.record;
        done.push(p.service);
      }),
    );
  }
  // Every one starts at once (a host comes up whole); the journal records whoever came back.
  const results = await Promise.allSettled(again);
  await writeState(state);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return done;
}
