/**
 * The conformance labs: a device under test (DUT, the speaker being judged), sometimes a second one,
 * and a tester node on one segment (a second segment where a case needs a tracked interface). Each case
 * gets a fresh lab written from these templates; `topologies/conformance/` holds the plain ones for use
 * by hand, written by the same code.
 */
import { stringify } from 'yaml';
import type { SpeakerImpl } from '../topology/schema.js';

export type VariantId = 'v2-ipv4' | 'v3-ipv4' | 'v3-ipv6';
export const VARIANT_IDS: readonly VariantId[] = ['v2-ipv4', 'v3-ipv4', 'v3-ipv6'];

export interface Variant {
  id: VariantId;
  version: 2 | 3;
  family: 4 | 6;
  /** v2 at its floor (1 s); v3 scaled down to 0.1 s: the cases only depend on ratios of the interval */
  intervalMs: number;
  vrid: number;
  /** the virtual router's addresses; IPv6 starts with the link-local one (RFC 5798 §5.2.9) */
  vips: string[];
  prefix: number;
  /** the DUT's primary address (its adverts' source): IPv4 on eth0, IPv6 the link-local */
  dutPrimary: string;
  dut2Primary: string;
  /** addresses a tester advert may claim as its source: above and below the DUT's primary */
  peerHigh: string;
  peerLow: string;
  /** the tester's own address (the sender of ARP requests / neighbor solicitations) */
  testerIp: string;
  /** v2 only: PASS authentication both sides use */
  password: string | undefined;
  /** the second segment (tracked interface, a second instance) */
  vip2: string;
  prefix2: number;
}

export const MACS = {
  dut: '02:00:00:00:00:02',
  dut2: '02:00:00:00:00:03',
  tester: '02:00:00:00:00:09',
} as const;

const V4 = {
  vips: ['198.51.100.50'],
  prefix: 24,
  dutPrimary: '198.51.100.2',
  dut2Primary: '198.51.100.3',
  peerHigh: '198.51.100.9',
  peerLow: '198.51.100.1',
  testerIp: '198.51.100.9',
  vip2: '203.0.113.50',
  prefix2: 24,
};
// Link-locals from the MACs (EUI-64): 02:00:00:00:00:02 → fe80::ff:fe00:2.
const V6 = {
  vips: ['fe80::5:10', '2001:db8:1::50'],
  prefix: 64,
  dutPrimary: 'fe80::ff:fe00:2',
  dut2Primary: 'fe80::ff:fe00:3',
  peerHigh: 'fe80::ff:fe00:9',
  peerLow: 'fe80::ff:fe00:1',
  testerIp: 'fe80::ff:fe00:9',
  vip2: '2001:db8:2::50',
  prefix2: 64,
};

export const VARIANTS: Record<VariantId, Variant> = {
  'v2-ipv4': { id: 'v2-ipv4', version: 2, family: 4, intervalMs: 1000, vrid: 10, password: 'cf-pass', ...V4 },
  'v3-ipv4': { id: 'v3-ipv4', version: 3, family: 4, intervalMs: 100, vrid: 10, password: undefined, ...V4 },
  'v3-ipv6': { id: 'v3-ipv6', version: 3, family: 6, intervalMs: 100, vrid: 10, password: undefined, ...V6 },
};

/** One vrrp_instance of a DUT. */
export interface DutInstance {
  name?: string;
  state?: 'MASTER' | 'BACKUP';
  priority: number;
  /** default the variant's interval */
  advertIntMs?: number;
  iface?: 'eth0' | 'eth1';
  vrid?: number;
  nopreempt?: boolean;
  preemptDelayS?: number;
  garpMasterDelayS?: number;
  garpMasterRepeat?: number;
  garpMasterRefreshS?: number;
  garpMasterRefreshRepeat?: number;
  trackInterfaces?: string[];
  vmac?: boolean;
  /** keepalived's unicast_peer list: adverts go to these instead of the group */
  unicastPeers?: string[];
  /** default the variant's VIPs (eth0) or its second VIP (eth1) */
  vips?: string[];
}

export interface DutSpec {
  instances: DutInstance[];
  /** a vrrp_sync_group of all instances */
  syncGroup?: boolean;
  /** a second DUT of the same implementation (its own config) */
  dut2?: DutSpec;
  /** the DUT has eth1 on a second segment (tracked interface, second instance) */
  secondSegment?: boolean;
}

/** keepalived.conf for a DUT. */
export function dutConf(v: Variant, spec: DutSpec): string {
  const lines = [
    `! conformance DUT: ${v.id} (VRRPv${v.version}, IPv${v.family}, advert_int ${v.intervalMs / 1000} s)`,
  ];
  for (const [i, inst] of spec.instances.entries()) {
    const iface = inst.iface ?? 'eth0';
    const vips =
      inst.vips ?? (iface === 'eth0' ? v.vips.map((a) => `${a}/${v.prefix}`) : [`${v.vip2}/${v.prefix2}`]);
    const body = [
      `state ${inst.state ?? 'BACKUP'}`,
      `interface ${iface}`,
      `virtual_router_id ${inst.vrid ?? v.vrid + i}`,
      `priority ${inst.priority}`,
      `advert_int ${(inst.advertIntMs ?? v.intervalMs) / 1000}`,
      `version ${v.version}`,
      ...(inst.nopreempt ? ['nopreempt'] : []),
      ...(inst.preemptDelayS !== undefined ? [`preempt_delay ${inst.preemptDelayS}`] : []),
      ...(inst.vmac ? ['use_vmac'] : []),
      ...(inst.garpMasterDelayS !== undefined ? [`garp_master_delay ${inst.garpMasterDelayS}`] : []),
      ...(inst.garpMasterRepeat !== undefined ? [`garp_master_repeat ${inst.garpMasterRepeat}`] : []),
      ...(inst.garpMasterRefreshS !== undefined ? [`garp_master_refresh ${inst.garpMasterRefreshS}`] : []),
      ...(inst.garpMasterRefreshRepeat !== undefined
        ? [`garp_master_refresh_repeat ${inst.garpMasterRefreshRepeat}`]
        : []),
      ...(v.password ? ['authentication {', '    auth_type PASS', `    auth_pass ${v.password}`, '}'] : []),
      ...(inst.trackInterfaces?.length
        ? ['track_interface {', ...inst.trackInterfaces.map((t) => `    ${t}`), '}']
        : []),
      ...(inst.unicastPeers?.length
        ? ['unicast_peer {', ...inst.unicastPeers.map((a) => `    ${a}`), '}']
        : []),
      'virtual_ipaddress {',
      ...vips.map((a) => `    ${a}`),
      '}',
    ];
    lines.push(`vrrp_instance ${inst.name ?? `CF_${i + 1}`} {`, ...body.map((l) => `    ${l}`), '}');
  }
  if (spec.syncGroup) {
    lines.push(
      'vrrp_sync_group CF_GROUP {',
      '    group {',
      ...spec.instances.map((inst, i) => `        ${inst.name ?? `CF_${i + 1}`}`),
      '    }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

function address(v: Variant, node: 'dut' | 'dut2' | 'tester'): string[] {
  const host = { dut: 2, dut2: 3, tester: 9 }[node];
  return v.family === 4 ? [`198.51.100.${host}/24`] : [`2001:db8:1::${host}/64`];
}

/**
 * The lab's topology as data (what the runner hands to `up`), its configs at `confs` (file names relative
 * to the topology's directory).
 */
export function labTopology(
  name: string,
  v: Variant,
  spec: DutSpec,
  impl: SpeakerImpl,
  confs: { dut: string; dut2?: string },
): Record<string, unknown> {
  const second = spec.secondSegment || spec.instances.some((i) => i.iface === 'eth1');
  const nodes: Record<string, unknown> = {
    dut: {
      interfaces: {
        eth0: { addresses: address(v, 'dut'), mac: MACS.dut },
        ...(second
          ? {
              eth1: {
                addresses: [v.family === 4 ? '203.0.113.2/24' : '2001:db8:2::2/64'],
                mac: '02:00:00:00:01:02',
              },
            }
          : {}),
      },
      vrrp: { config: confs.dut, impl },
    },
  };
  if (spec.dut2 && confs.dut2) {
    nodes.dut2 = {
      interfaces: { eth0: { addresses: address(v, 'dut2'), mac: MACS.dut2 } },
      vrrp: { config: confs.dut2, impl },
    };
  }
  nodes.tester = {
    interfaces: { eth0: { addresses: address(v, 'tester'), mac: MACS.tester } },
    services: [{ kind: 'tester' }],
  };
  return {
    name,
    ...(v.family === 6
      ? {
          defaults: {
            sysctls: { 'net.ipv6.conf.all.accept_dad': 0, 'net.ipv6.conf.default.accept_dad': 0 },
          },
        }
      : {}),
    segments: { lan: {}, ...(second ? { lan2: {} } : {}) },
    nodes,
    links: [
      { endpoints: ['dut:eth0', 'lan'] },
      ...(second ? [{ endpoints: ['dut:eth1', 'lan2'] }] : []),
      ...(spec.dut2 ? [{ endpoints: ['dut2:eth0', 'lan'] }] : []),
      { endpoints: ['tester:eth0', 'lan'] },
    ],
  };
}

/** The same lab as a topology file (topologies/conformance/), for reading and for `harness up`. */
export function labYaml(
  name: string,
  v: Variant,
  spec: DutSpec,
  impl: SpeakerImpl,
  confs: { dut: string; dut2?: string },
): string {
  const second = spec.secondSegment || spec.instances.some((i) => i.iface === 'eth1');
  const header = [
    '# yaml-language-server: $schema=../topology.schema.json',
    `# Conformance lab ${v.id}: the device under test (dut) and the tester on one segment${second ? ', dut eth1 on a second' : ''}.`,
  ];
  return `${header.join('\n')}\n${stringify(labTopology(name, v, spec, impl, confs), { flowCollectionPadding: true })}`;
}

/** What `topologies/conformance/` holds: a plain lab per variant (DUT priority 100, one instance). */
export function baseLab(v: Variant): { yaml: string; conf: string } {
  const spec: DutSpec = { instances: [{ priority: 100 }] };
  return {
    yaml: labYaml(`cf-${v.id}`, v, spec, 'keepalived', { dut: `${v.id}/dut.conf` }),
    conf: dutConf(v, spec),
  };
}

/** ... and one with two speakers (priorities 200 and 100) for the cases that need two. */
export function twoDutLab(v: Variant): { yaml: string; conf: string; conf2: string } {
  const spec: DutSpec = { instances: [{ priority: 200 }], dut2: { instances: [{ priority: 100 }] } };
  return {
    yaml: labYaml(`cf-${v.id}-two`, v, spec, 'keepalived', {
      dut: `${v.id}/dut-200.conf`,
      dut2: `${v.id}/dut2-100.conf`,
    }),
    conf: dutConf(v, spec),
    conf2: dutConf(v, spec.dut2 as DutSpec),
  };
}
