import { execa } from 'execa';
import { RuntimeFailure } from '../errors.js';
import { ipBatch, ipJson } from '../netns/ip.js';
import type { LabPlan } from '../topology/plan.js';
import { parseTag } from './state.js';

/**
 * The network plane: one root `ip -batch` creates every namespace, bridge and veth pair (each end placed
 * directly in its namespace, nothing ever exists in the root namespace), then one batch per namespace,
 * in parallel, tags it and sets addresses and links up.
 */
export async function createNetwork(plan: LabPlan, tag: string): Promise<void> {
  await ipBatch(plan.createBatch);
  // Sysctls before addresses, so settings such as accept_dad apply to them.
  await Promise.all(
    plan.nodes
      .filter((n) => Object.keys(n.sysctls).length > 0)
      .map(async (n) => {
        const args = Object.entries(n.sysctls).map(([k, v]) => `${k}=${v}`);
        const r = await execa('ip', ['netns', 'exec', n.ns, 'sysctl', '-q', '-w', ...args], {
          reject: false,
        });
        if (r.exitCode !== 0) throw new RuntimeFailure(`sysctl on ${n.name} failed: ${r.stderr.trim()}`);
      }),
  );
  await Promise.all(
    [...plan.configBatches].map(([ns, lines]) => ipBatch([`link set lo alias "${tag}"`, ...lines], ns)),
  );
}

/** The ownership tag of a namespace (the ifalias of its lo), if it has ours. */
export async function namespaceTag(ns: string): Promise<{ lab: string; runId: string } | undefined> {
  try {
    const [lo] = await ipJson<{ ifalias?: string }[]>(['link', 'show', 'lo'], ns);
    return parseTag(lo?.ifalias);
  } catch {
    return undefined;
  }
}
