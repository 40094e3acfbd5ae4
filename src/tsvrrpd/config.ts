/**
 * keepalived.conf as tsvrrpd runs it: the shared parser and extractor (what keepalived itself reads and
 * warns about), then the instances resolved to what the daemon needs. A keyword tsvrrpd does not
 * implement is a warning naming file:line; what makes an instance unrunnable is a ConfigError (exit 2).
 */
import { isIP } from 'node:net';
import { loadConfig } from '../keepalived/config/load.js';
import type { ConfigNode } from '../keepalived/config/parse.js';
import type { VrrpScriptConfig } from '../keepalived/config/script.js';
import {
  type ConfigWarning,
  extractVrrp,
  type Pos,
  type VipConfig,
  type VrrpGlobals,
  type VrrpInstanceConfig,
} from '../keepalived/config/vrrp.js';
import { canonicalIp } from '../vrrp/addr.js';
import { virtualRouterMac } from '../vrrp/announce.js';
import { DEFAULT_GARP_MASTER_REPEAT, type InstanceConfig } from '../vrrp/instance.js';

export interface RouterVip {
  address: string;
  prefix: number;
  family: 4 | 6;
  dev: string;
  label?: string | undefined;
  broadcast?: string | undefined;
  /** kept but never a source address (a VMAC's copy of the parent's link-local) */
  deprecated?: boolean | undefined;
}

export interface RouterInstance {
  name: string;
  at: Pos;
  vrid: number;
  ifname: string;
  family: 4 | 6;
  version: 2 | 3;
  /** the state machine's configuration, less what the interface gives at run time (primary address) */
  core: Omit<InstanceConfig, 'primaryAddress' | 'family'>;
  /** advertised and moved with mastership */
  vips: RouterVip[];
  /** moved with mastership, not advertised */
  vipsExcluded: RouterVip[];
  /** v2 PASS authentication: the password (at most 8 octets) */
  password: string | undefined;
  /** keepalived's unicast_src_ip: the address adverts come from, in place of the interface's */
  unicastSrcIp: string | undefined;
  /** keepalived's unicast_peer: adverts go to each of these instead of the group (of the instance's family) */
  unicastPeers: string[];
  /** check_unicast_src (or the global vrrp_check_unicast_src): only adverts from a unicast peer count */
  checkUnicastSrc: boolean;
  /** keepalived's notify scripts, as argv: run on entering each state (`generic` gets 4 more words) */
  notify:
    | { master?: string[]; backup?: string[]; fault?: string[]; stop?: string[]; generic?: string[] }
    | undefined;
  /** per-peer min_ttl / max_ttl, checked with checkUnicastSrc */
  unicastPeerTtl: { address: string; min: number; max: number }[];
  /**
   * keepalived's use_vmac: a macvlan (private mode) on `ifname` with the virtual router MAC; the VIPs
   * without a `dev` of their own live on it, and adverts leave through it unless `xmitBase`.
   */
  vmac: { ifname: string; mac: string; xmitBase: boolean } | undefined;
}

/** A vrrp_script some instance tracks, in milliseconds. */
export interface RouterScript {
  name: string;
  argv: string[];
  intervalMs: number;
  /** keepalived: the timeout, else the interval */
  timeoutMs: number;
  rise: number;
  fall: number;
  initFail: boolean;
}

export interface RouterConfig {
  path: string;
  routerId: string | undefined;
  instances: RouterInstance[];
  /** the vrrp_scripts that are tracked (keepalived drops the others: "script X is not used") */
  scripts: RouterScript[];
  syncGroups: { name: string; members: string[] }[];
  warnings: ConfigWarning[];
}

/** A configuration tsvrrpd cannot run; the message reads `file:line:col: reason`. */
export class ConfigError extends Error {
  constructor(
    readonly at: Pos,
    readonly reason: string,
  ) {
    super(`${at.file}:${at.line}:${at.col}: ${reason}`);
    this.name = 'ConfigError';
  }
}

const GLOBAL_IMPLEMENTED = new Set(
  (
    'router_id vrrp_version vrrp_check_unicast_src vrrp_garp_master_delay vrrp_garp_master_repeat vrrp_garp_master_refresh ' +
    'vrrp_garp_master_refresh_repeat vrrp_garp_lower_prio_repeat vrrp_lower_prio_no_advert'
  ).split(' '),
);
const INSTANCE_IMPLEMENTED = new Set(
  (
    'state interface virtual_router_id priority advert_int version nopreempt preempt preempt_delay ' +
    'garp_master_delay garp_master_repeat garp_master_refresh garp_master_refresh_repeat ' +
    'garp_lower_prio_repeat lower_prio_no_advert authentication track_interface dont_track_primary ' +
    'virtual_ipaddress virtual_ipaddress_excluded unicast_src_ip unicast_peer check_unicast_src use_vmac ' +
    'track_script notify_master notify_backup notify_fault notify_stop notify ' +
    'vmac_xmit_base'
  ).split(' '),
);
const VIP_OPTIONS_IMPLEMENTED = new Set(['dev', 'label', 'brd', 'broadcast']);
const VIP_OPTIONS_WITH_VALUE = new Set([
  'dev',
  'scope',
  'broadcast',
  'brd',
  'label',
  'peer',
  'preferred_lft',
]);

export async function loadRouterConfig(path: string): Promise<RouterConfig> {
  return resolveRouterConfig(await loadConfig(path), path);
}

/** Throws ConfigError for what cannot run; everything else it only warns about. */
export function resolveRouterConfig(nodes: ConfigNode[], path: string): RouterConfig {
  const vrrp = extractVrrp(nodes);
  const warnings = [...vrrp.warnings];
  const warn = (at: Pos, message: string) =>
    warnings.push({ at: { file: at.file, line: at.line, col: at.col }, message });
  // what the extractor already called unknown is not also "not implemented"
  const unknown = new Set(
    vrrp.warnings
      .filter((w) => w.message.startsWith('Unknown keyword'))
      .map((w) => `${w.at.file}:${w.at.line}:${w.at.col}`),
  );
  warnUnimplemented(nodes, (at, m) => {
    if (!unknown.has(`${at.file}:${at.line}:${at.col}`)) warn(at, m);
  });

  const byName = new Map(vrrp.scripts.map((sc) => [sc.name, sc]));
  const instances = vrrp.instances.map((inst) => resolveInstance(inst, vrrp.globals, byName, warn));
  if (instances.length === 0) {
    throw new ConfigError({ file: path, line: 1, col: 1 }, 'no vrrp_instance configured');
  }
  // Two instances on one VRID (IPv4 and IPv6) want the same default VMAC name: keepalived gives the
  // IPv6 one vrrp6.VRID.
  const vmacs = new Map<string, RouterInstance>();
  for (const inst of instances) {
    if (!inst.vmac) continue;
    const other = vmacs.get(inst.vmac.ifname);
    if (other && inst.family === 6 && inst.vmac.ifname === `vrrp.${inst.vrid}`) {
      const renamed = `vrrp6.${inst.vrid}`;
      for (const v of [...inst.vips, ...inst.vipsExcluded]) if (v.dev === inst.vmac.ifname) v.dev = renamed;
      inst.vmac.ifname = renamed;
    } else if (other) {
      throw new ConfigError(inst.at, `(${inst.name}) VMAC ${inst.vmac.ifname} is already ${other.name}'s`);
    }
    vmacs.set(inst.vmac.ifname, inst);
  }
  const seen = new Map<string, RouterInstance>();
  for (const inst of instances) {
    const key = `${inst.ifname}/${inst.family}/${inst.vrid}`;
    const other = seen.get(key);
    if (other) {
      throw new ConfigError(
        inst.at,
        `(${inst.name}) VRID ${inst.vrid} on ${inst.ifname} is already used by ${other.name} (${other.at.file}:${other.at.line})`,
      );
    }
    seen.set(key, inst);
  }

  const syncGroups: RouterConfig['syncGroups'] = [];
  const grouped = new Set<string>();
  for (const g of vrrp.syncGroups) {
    const members = g.members.filter((m) => {
      if (!instances.some((i) => i.name === m)) {
        warn(g.at, `sync group ${g.name}: no vrrp_instance ${m} - ignoring it`);
        return false;
      }
      if (grouped.has(m)) {
        warn(g.at, `sync group ${g.name}: ${m} is already in another sync group - ignoring it`);
        return false;
      }
      return true;
    });
    // keepalived drops a group of one: there is nothing to keep in step.
    if (members.length < 2) warn(g.at, `sync group ${g.name} has fewer than two instances - ignoring it`);
    else {
      for (const m of members) grouped.add(m);
      syncGroups.push({ name: g.name, members });
    }
  }
  const used = new Set(instances.flatMap((i) => (i.core.trackScripts ?? []).map((t) => t.name)));
  const scripts: RouterScript[] = [];
  for (const sc of vrrp.scripts) {
    if (!used.has(sc.name)) {
      warn(sc.at, `Warning - script ${sc.name} is not used`);
      continue;
    }
    if (sc.user)
      warn(sc.at, `tsvrrpd does not implement 'user' for vrrp_script ${sc.name}: it runs as tsvrrpd does`);
    scripts.push({
      name: sc.name,
      argv: sc.argv,
      intervalMs: sc.interval * 1000,
      timeoutMs: (sc.timeout || sc.interval) * 1000,
      rise: sc.rise,
      fall: sc.fall,
      initFail: sc.initFail,
    });
  }
  return { path, routerId: vrrp.globals.routerId, instances, scripts, syncGroups, warnings };
}

function resolveInstance(
  inst: VrrpInstanceConfig,
  globals: VrrpGlobals,
  scripts: ReadonlyMap<string, VrrpScriptConfig>,
  warn: (at: Pos, m: string) => void,
): RouterInstance {
  const p = `(${inst.name})`;
  if (inst.interface === undefined) throw new ConfigError(inst.at, `${p} no interface configured`);
  if (inst.vrid === undefined) throw new ConfigError(inst.at, `${p} no virtual_router_id configured`);
  const ifname = inst.interface;
  if (inst.vips.length === 0) throw new ConfigError(inst.at, `${p} no virtual_ipaddress configured`);

  // The first address decides the instance's family, as in keepalived; the others must match it.
  const family = isIP(inst.vips[0]?.address ?? '') as 4 | 6;
  // keepalived skips a unicast address of the other family (it "MUST be of the same family")
  const sameFamily = (address: string): boolean => {
    if (isIP(address) === family) return true;
    warn(inst.at, `${p} unicast address ${address} is not IPv${family} like the instance - skipping it`);
    return false;
  };
  // keepalived's default VMAC name is vrrp.VRID (an IPv6 instance whose name is taken: vrrp6.VRID, below)
  const vmacName = inst.useVmac ? (inst.useVmac.name ?? `vrrp.${inst.vrid}`) : undefined;
  if (inst.vmacXmitBase && !inst.useVmac)
    warn(inst.at, `${p} vmac_xmit_base is only valid with a vmac - ignoring`);
  const vipDev = vmacName ?? ifname;
  const vip = (v: VipConfig): RouterVip | undefined => {
    const f = isIP(v.address);
    if (f !== family) {
      warn(v.at, `${p} ${v.address} is not IPv${family} like the instance's first address - ignoring it`);
      return undefined;
    }
    return {
      address: canonicalIp(v.address, family) ?? v.address,
      prefix: v.prefix ?? (family === 4 ? 32 : 128),
      family,
      dev: v.dev ?? vipDev,
      label: v.label,
      broadcast: v.broadcast,
    };
  };
  const vips = inst.vips.map(vip).filter((v) => v !== undefined);
  const vipsExcluded = inst.vipsExcluded
    .map((v) => ({ ...v, family: isIP(v.address) }))
    .map((v) => ({
      address: canonicalIp(v.address) ?? v.address,
      prefix: v.prefix ?? (v.family === 4 ? 32 : 128),
      family: v.family as 4 | 6,
      dev: v.dev ?? vipDev,
      label: v.label,
      broadcast: v.broadcast,
    }));

  let version = inst.version ?? 2;
  if (family === 6 && version === 2) {
    warn(inst.at, `${p} VRRPv2 has no IPv6 - using version 3`);
    version = 3;
  }
  let advertInt = inst.advertInt;
  if (version === 2 && !Number.isInteger(advertInt)) advertInt = Math.max(1, Math.round(advertInt));
  if (version === 3) advertInt = Math.max(0.01, Math.round(advertInt * 100) / 100);

  let password: string | undefined;
  if (inst.auth?.type === 'AH')
    warn(inst.at, `${p} tsvrrpd does not implement AH authentication - none used`);
  else if (inst.auth?.type === 'PASS' && version === 2) password = inst.auth.pass;

  let priority = inst.priority;
  if (priority === 255 && inst.state === 'BACKUP') {
    warn(
      inst.at,
      `${p} priority 255 (address owner) with state BACKUP - it waits Master_Down_Interval as a backup`,
    );
  }
  if (priority < 1) priority = 1;

  return {
    name: inst.name,
    at: inst.at,
    vrid: inst.vrid,
    ifname,
    family,
    version,
    core: {
      name: inst.name,
      state: inst.state,
      priority,
      advertInt,
      version,
      nopreempt: inst.nopreempt,
      preemptDelay: inst.preemptDelay,
      garpMasterDelay: inst.garpMasterDelay,
      garpMasterRepeat: inst.garpMasterRepeat,
      garpMasterRefresh: inst.garpMasterRefresh,
      garpMasterRefreshRepeat: inst.garpMasterRefreshRepeat,
      dontTrackPrimary: inst.dontTrackPrimary,
      trackInterfaces: inst.trackInterfaces.map((t) => ({ name: t.name, weight: t.weight })),
      trackScripts: (inst.trackScripts ?? []).map((t) => ({
        name: t.name,
        weight: t.weight,
        reverse: t.reverse,
        initFail: scripts.get(t.name)?.initFail ?? false,
      })),
      // keepalived: an advert back at once unless lower_prio_no_advert, and garp_lower_prio_repeat GARPs
      // (by default global_defs' vrrp_garp_master_repeat, not the instance's: vrrp_complete_init)
      lowerPrioImmediateAdvert: !(inst.lowerPrioNoAdvert ?? false),
      garpLowerPrioRepeat: inst.garpLowerPrioRepeat ?? globals.garpMasterRepeat ?? DEFAULT_GARP_MASTER_REPEAT,
    },
    vips,
    vipsExcluded,
    password,
    unicastSrcIp:
      inst.unicastSrcIp !== undefined && sameFamily(inst.unicastSrcIp) ? inst.unicastSrcIp : undefined,
    vmac:
      vmacName === undefined
        ? undefined
        : {
            ifname: vmacName,
            mac: virtualRouterMac(inst.vrid, family),
            xmitBase: inst.vmacXmitBase ?? false,
          },
    unicastPeers: inst.unicastPeers.filter(sameFamily),
    checkUnicastSrc: inst.checkUnicastSrc ?? globals.checkUnicastSrc ?? false,
    unicastPeerTtl: (inst.unicastPeerTtl ?? []).filter((r) => isIP(r.address) === family),
    notify: resolveNotify(inst, warn),
  };
}

/** Warnings for keepalived keywords tsvrrpd reads past. */
function warnUnimplemented(nodes: ConfigNode[], warn: (at: Pos, m: string) => void): void {
  const skip = (n: ConfigNode, what = `'${n.keyword}'`) =>
    warn(n, `tsvrrpd does not implement ${what} - ignoring it`);
  for (const node of nodes) {
    switch (node.keyword) {
      case 'global_defs':
        for (const s of node.children ?? []) if (!GLOBAL_IMPLEMENTED.has(s.keyword)) skip(s);
        break;
      case 'vrrp_instance':
        for (const s of node.children ?? []) {
          if (!INSTANCE_IMPLEMENTED.has(s.keyword)) skip(s);
          else if (s.keyword === 'virtual_ipaddress' || s.keyword === 'virtual_ipaddress_excluded') {
            for (const entry of s.children ?? []) warnVipOptions(entry, skip);
          }
        }
        break;
      case 'vrrp_sync_group':
        for (const s of node.children ?? []) if (s.keyword !== 'group') skip(s);
        break;
      case 'vrrp_script':
        // `user` is warned about where the script is resolved; the rest is read by the extractor
        break;
      default:
        skip(node);
    }
  }
}

function warnVipOptions(entry: ConfigNode, skip: (n: ConfigNode, what: string) => void): void {
  for (let i = 0; i < entry.args.length; i++) {
    const opt = entry.args[i];
    if (!opt) continue;
    if (VIP_OPTIONS_WITH_VALUE.has(opt.text)) i++;
    if (!VIP_OPTIONS_IMPLEMENTED.has(opt.text)) {
      skip(
        { keyword: opt.text, args: [], file: opt.file, line: opt.line, col: opt.col },
        `address option '${opt.text}'`,
      );
    }
  }
}

/** The notify scripts, with a warning where keepalived would switch user (tsvrrpd runs them as itself). */
function resolveNotify(
  inst: VrrpInstanceConfig,
  warn: (at: Pos, m: string) => void,
): RouterInstance['notify'] {
  if (!inst.notify) return undefined;
  const out: NonNullable<RouterInstance['notify']> = {};
  const names = {
    notify_master: 'master',
    notify_backup: 'backup',
    notify_fault: 'fault',
    notify_stop: 'stop',
    notify: 'generic',
  } as const;
  for (const [kw, key] of Object.entries(names) as [
    keyof typeof names,
    (typeof names)[keyof typeof names],
  ][]) {
    const sc = inst.notify[kw];
    if (!sc) continue;
    if (sc.user)
      warn(
        sc.at,
        `tsvrrpd does not implement running ${kw} as user ${sc.user.join(' ')}: it runs as tsvrrpd does`,
      );
    out[key] = sc.argv;
  }
  return out;
}
