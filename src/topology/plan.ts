import type { Cidr } from '../net/cidr.js';
import type { Check, Service } from './schema.js';
import { type ResolvedTopology, type ResolvedVrrp, SWITCH } from './validate.js';

/** Everything `up` will create, computed before anything is created. */
export interface LabPlan {
  lab: string;
  switchNs: string;
  /** Node namespaces first in file order, the switch last. */
  namespaces: string[];
  nodes: NodePlan[];
  segments: { name: string; bridge: string }[];
  /** Commands for the root namespace's `ip -batch`: namespaces, bridges, veth pairs (ends placed directly). */
  createBatch: string[];
  /** Per-namespace `ip -batch` commands: addresses, ports, links up, routes. */
  configBatches: Map<string, string[]>;
  checks: Check[];
  vips: VipPlan[];
}

export interface NodePlan {
  name: string;
  ns: string;
  interfaces: {
    name: string;
    addresses: Cidr[];
    segment: string | undefined;
    /** Its bridge port in the switch namespace (segment links only). */
    port: string | undefined;
    peer: string | undefined;
  }[];
  sysctls: Record<string, string>;
  services: Service[];
  vrrp: ResolvedVrrp | undefined;
  /** "HOST:PORT" as written → the address it resolved to. */
  endpoints: Map<string, { address: string; port: number }>;
}

/** A VIP and the speakers that may hold it; `expected` is the one the configured priorities elect. */
export interface VipPlan {
  address: string;
  prefix: number | undefined;
  dev: string | undefined;
  instance: string;
  vrid: number | undefined;
  candidates: { node: string; priority: number; state: string | undefined; primary: bigint }[];
  expected: string;
  /** How long the configuration may take to settle it (Master_Down_Interval + preempt_delay). */
  settleMs: number;
}

export function namespaceOf(lab: string, node: string): string {
  return `${lab}-${node}`;
}

export function planLab(t: ResolvedTopology, lab = t.topology.name): LabPlan {
  const switchNs = namespaceOf(lab, SWITCH);
  const segments = Object.entries(t.topology.segments).map(([name, s]) => ({
    name,
    bridge: s.bridge ?? name,
  }));
  const nodes: NodePlan[] = Object.entries(t.topology.nodes).map(([name, spec]) => {
    const ifaces = [...(t.ifaces.get(name)?.values() ?? [])];
    const sysctls = withInterfaceDefaults(
      Object.fromEntries(
        Object.entries({ ...t.topology.defaults.sysctls, ...spec.sysctls }).map(([k, v]) => [k, String(v)]),
      ),
      ifaces.map((i) => i.name),
    );
    const endpoints = new Map(
      [...t.endpoints]
        .filter(([key]) => key.startsWith(`${name}|`))
        .map(([key, v]) => [key.slice(name.length + 1), v]),
    );
    return {
      name,
      ns: namespaceOf(lab, name),
      interfaces: ifaces.map((i) => ({
        name: i.name,
        addresses: i.addresses,
        segment: i.segment,
        port: i.port,
        peer: i.peer ? `${i.peer.node}:${i.peer.iface}` : undefined,
      })),
      sysctls,
      services: spec.services,
      vrrp: t.vrrp.get(name),
      endpoints,
    };
  });

  const createBatch: string[] = [...nodes.map((n) => `netns add ${n.ns}`), `netns add ${switchNs}`];
  const configBatches = new Map<string, string[]>();
  // lo first, so processes can talk to themselves.
  for (const ns of [...nodes.map((n) => n.ns), switchNs]) configBatches.set(ns, ['link set lo up']);
  const switchBatch = configBatches.get(switchNs) ?? [];
  for (const seg of segments) {
    // A lab segment is a plain hub-like switch: no STP delay, no multicast snooping (VRRP is multicast).
    createBatch.push(
      `link add name ${seg.bridge} netns ${switchNs} type bridge stp_state 0 mcast_snooping 0`,
    );
    // The switch is not a host: no IPv6 link-local, so it sends nothing of its own into the segments.
    switchBatch.push(`link set dev ${seg.bridge} addrgenmode none`, `link set dev ${seg.bridge} up`);
  }
  const segBridge = new Map(segments.map((s) => [s.name, s.bridge]));
  const done = new Set<string>();
  for (const node of nodes) {
    const batch = configBatches.get(node.ns) ?? [];
    for (const iface of t.ifaces.get(node.name)?.values() ?? []) {
      const mac = iface.mac ? ` address ${iface.mac}` : '';
      if (iface.segment && iface.port) {
        createBatch.push(
          `link add name ${iface.name} netns ${node.ns}${mac} type veth peer name ${iface.port} netns ${switchNs}`,
        );
        switchBatch.push(
          `link set dev ${iface.port} addrgenmode none`,
          `link set dev ${iface.port} master ${segBridge.get(iface.segment)}`,
          `link set dev ${iface.port} up`,
        );
      } else if (iface.peer && !done.has(`${iface.peer.node}:${iface.peer.iface}`)) {
        const peerMac = t.ifaces.get(iface.peer.node)?.get(iface.peer.iface)?.mac;
        createBatch.push(
          `link add name ${iface.name} netns ${node.ns}${mac} type veth peer name ${iface.peer.iface} netns ${namespaceOf(lab, iface.peer.node)}${peerMac ? ` address ${peerMac}` : ''}`,
        );
      }
      done.add(`${node.name}:${iface.name}`);
      for (const a of iface.addresses) {
        batch.push(`addr add ${a.address}/${a.prefix} dev ${iface.name}${a.family === 6 ? ' nodad' : ''}`);
      }
      batch.push(`link set dev ${iface.name} up`);
    }
    for (const r of t.topology.nodes[node.name]?.routes ?? []) batch.push(`route add ${r.to} via ${r.via}`);
  }

  return {
    lab,
    switchNs,
    namespaces: [...nodes.map((n) => n.ns), switchNs],
    nodes,
    segments,
    createBatch,
    configBatches,
    checks: t.topology.checks,
    vips: planVips(nodes),
  };
}

/**
 * `net.ipv{4,6}.conf.default.X` only reaches interfaces created after it is set, and a lab's interfaces
 * exist before its sysctls run: so it is also set on each of them (unless the file names that interface).
 * Without this, `default.accept_dad: 0` would leave every link-local address tentative for a second
 * after the link comes up, and VRRPv3 over IPv6 cannot send from it.
 */
function withInterfaceDefaults(sysctls: Record<string, string>, ifnames: string[]): Record<string, string> {
  const out = { ...sysctls };
  for (const [key, value] of Object.entries(sysctls)) {
    const m = key.match(/^(net\.ipv[46]\.conf)\.default\.(.+)$/);
    if (!m) continue;
    // sysctl keys are dot-separated: a dot inside an interface name is written as '/'
    for (const ifname of ifnames) out[`${m[1]}.${ifname.replaceAll('.', '/')}.${m[2]}`] ??= value;
  }
  return out;
}

/** Groups the VIPs of all speakers by address and elects the holder the configured priorities say. */
function planVips(nodes: NodePlan[]): VipPlan[] {
  const byAddress = new Map<string, VipPlan>();
  for (const node of nodes) {
    for (const inst of node.vrrp?.instances ?? []) {
      const primary = node.interfaces
        .find((i) => i.name === inst.interface)
        ?.addresses.find((a) => a.family === 4);
      for (const vip of inst.vips) {
        const plan: VipPlan = byAddress.get(vip.address) ?? {
          address: vip.address,
          prefix: vip.prefix,
          dev: vip.dev,
          instance: inst.name,
          vrid: inst.vrid,
          candidates: [],
          expected: '',
          settleMs: 0,
        };
        byAddress.set(vip.address, plan);
        plan.candidates.push({
          node: node.name,
          priority: inst.priority,
          state: inst.state,
          primary: primary?.value ?? 0n,
        });
        // Master_Down_Interval = 3 x advert + skew (< 1 s), then any preempt_delay before the winner takes over.
        const settle = (3 * inst.advertInt + 1 + (inst.preemptDelay ?? 0)) * 1000;
        plan.settleMs = Math.max(plan.settleMs, settle);
        // Higher priority wins; on a tie, the higher primary address (RFC 5798 6.4.3).
        const best = plan.candidates.reduce((a, b) =>
          b.priority > a.priority || (b.priority === a.priority && b.primary > a.primary) ? b : a,
        );
        plan.expected = best.node;
      }
    }
  }
  return [...byAddress.values()];
}
