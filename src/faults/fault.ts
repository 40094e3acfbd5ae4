import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeMarker } from '../capture/decode/marker.js';
import { injectFrame } from '../capture/inject.js';
import { InputError } from '../errors.js';
import { findLab, type LabState, readState } from '../lab/state.js';
import { isSpeaker } from '../speakers/speaker.js';

/** Options a fault may take; each kind reads the ones it understands. */
export interface FaultOptions {
  count?: number;
  periodMs?: number;
  lossPct?: number;
  delayMs?: number;
  jitterMs?: number;
  /** vrrp-drop: the sending node whose adverts are dropped at the target. */
  from?: string;
  /** netem / vrrp-drop: remove instead of set. */
  clear?: boolean;
}

export interface FaultKind {
  name: string;
  summary: string;
  /** What TARGET names: an interface (node:iface), a node, or a daemon (node or node/service). */
  target: 'iface' | 'node' | 'daemon';
  /** Option and target checks beyond the target's shape; throws InputError. Runs before the marker. */
  check?(lab: LabState, target: string, opts: FaultOptions): void;
  run(lab: LabState, target: string, opts: FaultOptions): Promise<string>;
}

/** What was done, when (wall clock), and the id its marker frame carries in every capture. */
export interface FaultRecord {
  id: string;
  kind: string;
  target: string;
  options: FaultOptions;
  markedAt: string;
  doneAt: string;
  detail: string;
  /** Set when the action failed after its marker went out (the capture shows the marker regardless). */
  error?: string;
}

export function faultLog(runDir: string): string {
  return join(runDir, 'faults.jsonl');
}

export async function labState(lab: string): Promise<LabState> {
  const entry = await findLab(lab);
  const state = entry && (await readState(entry.runDir));
  if (state?.status !== 'up') throw new InputError(`no lab named '${lab}' is up`);
  return state;
}

export function nodeOf(state: LabState, name: string): LabState['nodes'][number] {
  const node = state.nodes.find((n) => n.name === name);
  if (!node)
    throw new InputError(
      `lab '${state.lab}' has no node '${name}' (${state.nodes.map((n) => n.name).join(', ')})`,
    );
  return node;
}

export function ifaceOf(state: LabState, target: string) {
  const [nodeName = '', ifname] = target.split(':');
  const node = nodeOf(state, nodeName);
  const iface = node.interfaces.find((i) => i.name === ifname);
  if (!ifname || !iface) {
    throw new InputError(
      `'${target}': expected node:iface (${node.interfaces.map((i) => `${node.name}:${i.name}`).join(', ')})`,
    );
  }
  return { node, iface };
}

/** "proxy1" means the node's VRRP speaker; "proxy1/nginx" names any recorded daemon. */
export function daemonOf(state: LabState, target: string) {
  const [nodeName = '', service] = target.split('/');
  nodeOf(state, nodeName);
  const p = state.processes.find(
    (x) => x.node === nodeName && (service ? x.service === service : isSpeaker(x)),
  );
  if (!p) {
    const known = state.processes.filter((x) => x.node === nodeName).map((x) => `${x.node}/${x.service}`);
    throw new InputError(`'${target}': no such daemon (${known.join(', ') || 'none on that node'})`);
  }
  return p;
}

/**
 * Marks, then acts: the marker frame (carrying the fault's id) goes into every segment's capture first,
 * so the fault's instant and every packet are read off one clock. Targets and options are checked
 * before the marker, so a refused fault leaves no trace in the captures. Every fault that was marked
 * is appended to runs/<lab>/faults.jsonl, with its error if the action then failed.
 */
export async function injectFault(
  kind: FaultKind,
  state: LabState,
  target: string,
  opts: FaultOptions,
): Promise<FaultRecord> {
  if (kind.target === 'iface') ifaceOf(state, target);
  else if (kind.target === 'node') nodeOf(state, target);
  else daemonOf(state, target);
  kind.check?.(state, target, opts);
  const id = `f-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  await injectFrame(state.runDir, encodeMarker({ id, kind: kind.name, target, ...opts }));
  const markedAt = new Date().toISOString();
  const record: FaultRecord = {
    id,
    kind: kind.name,
    target,
    options: opts,
    markedAt,
    doneAt: '',
    detail: '',
  };
  try {
    record.detail = await kind.run(state, target, opts);
    return record;
  } catch (err) {
    record.error = (err as Error).message;
    throw err;
  } finally {
    record.doneAt = new Date().toISOString();
    await appendFile(faultLog(state.runDir), `${JSON.stringify(record)}\n`);
  }
}
