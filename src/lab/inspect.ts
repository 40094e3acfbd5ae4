import { addresses } from '../netns/ip.js';
import { isAlive } from './proc.js';
import { findLab, type LabState, readState } from './state.js';
import { vipHolders } from './vips.js';

export interface LabView {
  lab: string;
  runId: string;
  runDir: string;
  status: LabState['status'];
  nodes: {
    name: string;
    ns: string;
    interfaces: { name: string; state: string; mac: string; addresses: string[]; vips: string[] }[];
    vips: string[];
  }[];
  processes: { node: string; service: string; pid: number; alive: boolean; log: string }[];
  vips: {
    address: string;
    instance: string;
    vrid: number | undefined;
    expected: string;
    holders: string[];
  }[];
}

export async function inspectLab(lab: string): Promise<LabView | undefined> {
  const entry = await findLab(lab);
  const state = entry && (await readState(entry.runDir));
  if (!state) return undefined;
  return view(state);
}

/** The lab as the kernel sees it now: addresses from netlink, liveness from /proc. */
export async function view(state: LabState): Promise<LabView> {
  const vipSet = new Set(state.vips.map((v) => v.address));
  const nodes = await Promise.all(
    state.nodes.map(async (n) => {
      const links = (await addresses(n.ns).catch(() => [])).filter((l) => l.ifname !== 'lo');
      return {
        name: n.name,
        ns: n.ns,
        interfaces: links.map((l) => ({
          name: l.ifname,
          state: l.operstate ?? '?',
          mac: l.address ?? '',
          addresses: l.addr_info.filter((a) => !vipSet.has(a.local)).map((a) => `${a.local}/${a.prefixlen}`),
          vips: l.addr_info.filter((a) => vipSet.has(a.local)).map((a) => a.local),
        })),
        vips: links.flatMap((l) => l.addr_info.filter((a) => vipSet.has(a.local)).map((a) => a.local)),
      };
    }),
  );
  const holders = await vipHolders(
    state.nodes.filter((n) => state.vips.some((v) => v.candidates.includes(n.name))),
    [...vipSet],
  );
  const order = (node: string) => state.nodes.findIndex((n) => n.name === node);
  const sorted = [...state.processes].sort(
    (a, b) => order(a.node) - order(b.node) || a.service.localeCompare(b.service),
  );
  const processes = await Promise.all(
    sorted.map(async (p) => ({
      node: p.node,
      service: p.service,
      pid: p.pid,
      alive: await isAlive(p.pid, p.startTime),
      log: p.log,
    })),
  );
  return {
    lab: state.lab,
    runId: state.runId,
    runDir: state.runDir,
    status: state.status,
    nodes,
    processes,
    vips: state.vips.map((v) => ({ ...v, candidates: undefined, holders: holders.get(v.address) ?? [] })),
  };
}
