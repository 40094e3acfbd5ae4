import { isIP } from 'node:net';
import { type ConfigNode, label } from './parse.js';
import {
  type NotifyKeyword,
  type NotifyScriptConfig,
  readNotifyScript,
  readTrackScript,
  readVrrpScript,
  type TrackScriptConfig,
  type VrrpScriptConfig,
} from './script.js';
import type { Token } from './tokenize.js';

// Reads the VRRP part of a parsed keepalived.conf the way keepalived 2.2.7 does (keepalived/vrrp/vrrp_parser.c,
// checked against the installed daemon). Values are reported as configured; where keepalived would read them
// differently or drop them, a warning says so. Checks keepalived makes only after parsing (VRID required,
// sync group members exist, interfaces exist, ...) are left to callers.

export interface Pos {
  file: string;
  line: number;
  col: number;
}

/** A virtual_ipaddress entry: `203.0.113.140/24 dev eth2` → address, prefix 24, dev eth2. */
export interface VipConfig {
  address: string;
  prefix: number | undefined;
  dev: string | undefined;
  label?: string | undefined;
  broadcast?: string | undefined;
  at: Pos;
}

export interface VrrpInstanceConfig {
  name: string;
  at: Pos;
  state: 'MASTER' | 'BACKUP' | undefined;
  interface: string | undefined;
  vrid: number | undefined;
  /** keepalived default 100. */
  priority: number;
  /** Seconds, default 1, may be fractional (0.01 to 255). */
  advertInt: number;
  /** The instance's `version`, else 3 for IPv6, else global_defs `vrrp_version`, else undefined (keepalived then uses 2). */
  version: 2 | 3 | undefined;
  nopreempt: boolean;
  /** Seconds. */
  preemptDelay: number | undefined;
  /** Seconds; the instance's, else global_defs `vrrp_garp_master_delay`. */
  garpMasterDelay: number | undefined;
  /** GARP/NA per burst; the instance's, else global_defs `vrrp_garp_master_repeat`. */
  garpMasterRepeat?: number | undefined;
  /** Seconds between refresh bursts while master (0: off); else global `vrrp_garp_master_refresh`. */
  garpMasterRefresh?: number | undefined;
  garpMasterRefreshRepeat?: number | undefined;
  /** GARP/NA a master sends on hearing a lower priority; else global `vrrp_garp_lower_prio_repeat`. */
  garpLowerPrioRepeat?: number | undefined;
  /** `lower_prio_no_advert`, else global `vrrp_lower_prio_no_advert`; keepalived's default is false. */
  lowerPrioNoAdvert?: boolean | undefined;
  dontTrackPrimary: boolean;
  auth: { type: 'PASS' | 'AH'; pass: string | undefined } | undefined;
  trackInterfaces: { name: string; weight: number | undefined; at: Pos }[];
  vips: VipConfig[];
  vipsExcluded: VipConfig[];
  unicastSrcIp: string | undefined;
  unicastPeers: string[];
  /** a unicast_peer's `min_ttl` / `max_ttl` (0 and 255 when not given): checked with check_unicast_src */
  unicastPeerTtl?: { address: string; min: number; max: number }[] | undefined;
  /** `check_unicast_src`, else global `vrrp_check_unicast_src`: unicast adverts only from a unicast_peer */
  checkUnicastSrc?: boolean | undefined;
  /** track_script entries whose vrrp_script was defined above the instance (keepalived reads in order) */
  trackScripts?: TrackScriptConfig[] | undefined;
  /** notify_master / _backup / _fault / _stop and the generic notify, as argv */
  notify?: Partial<Record<NotifyKeyword, NotifyScriptConfig>> | undefined;
  /** `use_vmac [NAME]`: the instance's own macvlan with the virtual router MAC (RFC 5798 §7.3) */
  useVmac?: { name: string | undefined } | undefined;
  /** `vmac_xmit_base`: adverts leave through the base interface, not the vmac */
  vmacXmitBase?: boolean | undefined;
}

export interface SyncGroupConfig {
  name: string;
  at: Pos;
  members: string[];
}

export interface ConfigWarning {
  at: Pos;
  message: string;
}

/** global_defs settings that apply to the VRRP instances. */
export interface VrrpGlobals {
  routerId?: string | undefined;
  version?: 2 | 3 | undefined;
  garpMasterDelay?: number | undefined;
  garpMasterRepeat?: number | undefined;
  garpMasterRefresh?: number | undefined;
  garpMasterRefreshRepeat?: number | undefined;
  garpLowerPrioRepeat?: number | undefined;
  lowerPrioNoAdvert?: boolean | undefined;
  checkUnicastSrc?: boolean | undefined;
}

export interface VrrpConfig {
  globals: VrrpGlobals;
  /** vrrp_script blocks with a script to run */
  scripts: VrrpScriptConfig[];
  instances: VrrpInstanceConfig[];
  syncGroups: SyncGroupConfig[];
  warnings: ConfigWarning[];
}

type Warn = (at: Pos, message: string) => void;

const pos = (at: Pos): Pos => ({ file: at.file, line: at.line, col: at.col });

// vrrp_instance keywords of keepalived 2.2.7 that this extractor does not read: no "unknown" warning for them.
const INSTANCE_OTHER = new Set(
  (
    'use_vmac_addr use_ipvlan unicast_fault_no_peer ' +
    'old_unicast_checksum native_ipv6 vrf track_file track_process track_bfd mcast_src_ip ' +
    'mcast_dst_ip track_src_ip unicast_ttl promote_secondaries linkbeat_use_polling virtual_routes ' +
    'virtual_rules accept no_accept skip_check_adv_addr strict_mode debug ' +
    'notify_deleted notify_master_rx_lower_pri smtp_alert ' +
    'notify_priority_changes lvs_sync_daemon_interface garp_lower_prio_delay down_timer_adverts ' +
    'garp_extra_if vmac_garp_intvl higher_prio_send_advert kernel_rx_buf_size'
  ).split(' '),
);
// vrrp_instance keywords followed by a `{ ... }` block.
const INSTANCE_BLOCKS = new Set(
  (
    'authentication track_interface track_script track_file track_process track_bfd unicast_peer ' +
    'virtual_ipaddress virtual_ipaddress_excluded virtual_routes virtual_rules'
  ).split(' '),
);
const SYNC_GROUP_OTHER = new Set(
  (
    'track_interface track_script track_file track_process track_bfd notify_backup notify_master ' +
    'notify_fault notify_stop notify smtp_alert global_tracking sync_group_tracking_weight ' +
    'notify_priority_changes'
  ).split(' '),
);
const SYNC_GROUP_BLOCKS = new Set(
  'group track_interface track_script track_file track_process track_bfd'.split(' '),
);

export function extractVrrp(nodes: ConfigNode[]): VrrpConfig {
  const warnings: ConfigWarning[] = [];
  const warn: Warn = (at, message) => warnings.push({ at: pos(at), message });
  const globals = readGlobals(nodes, warn);
  const instances: VrrpInstanceConfig[] = [];
  const syncGroups: SyncGroupConfig[] = [];
  const scripts = new Map<string, VrrpScriptConfig>();
  const allScripts = new Map<string, Pos>();
  for (const node of nodes) {
    const name = node.keyword === 'vrrp_script' ? node.args[0]?.text : undefined;
    if (name && !allScripts.has(name)) allScripts.set(name, pos(node));
  }

  for (const node of nodes) {
    if (node.keyword === 'vrrp_script') {
      const [name] = node.args;
      if (!name) warn(node, 'vrrp_script needs a name - skipping');
      else if (!node.children) warn(node, `'${label(node)}' has no '{' block - skipping`);
      else {
        // a later block of the same name is another script keepalived also keeps; the first one is found
        const script = readVrrpScript(node, name.text, warn);
        if (script && !scripts.has(script.name)) scripts.set(script.name, script);
      }
      continue;
    }
    if (node.keyword !== 'vrrp_instance' && node.keyword !== 'vrrp_sync_group') continue;
    const [name, ...extra] = node.args;
    const known: { name: string }[] = node.keyword === 'vrrp_instance' ? instances : syncGroups;
    // keepalived skips the whole block of a nameless or duplicate instance or sync group.
    if (!name || extra.length > 0) {
      warn(node, `${node.keyword} must have exactly one name - skipping`);
    } else if (known.some((k) => k.name === name.text)) {
      warn(node, `${node.keyword} ${name.text} already defined - skipping`);
    } else if (!node.children) {
      warn(node, `'${label(node)}' has no '{' block - skipping`);
    } else if (node.keyword === 'vrrp_instance') {
      instances.push(
        readInstance(node, name.text, globals, { known: new Map(scripts), all: allScripts }, warn),
      );
    } else {
      syncGroups.push(readSyncGroup(node, name.text, warn));
    }
  }
  return { globals, scripts: [...scripts.values()], instances, syncGroups, warnings };
}

/** The global_defs keywords that set VRRP defaults; the rest of global_defs is not read here. */
function readGlobals(nodes: ConfigNode[], warn: Warn): VrrpGlobals {
  const g: VrrpGlobals = {};
  for (const node of nodes) {
    if (node.keyword !== 'global_defs') continue;
    for (const stmt of node.children ?? []) {
      const int = (max: number) => readNumber(oneValue(stmt, warn), 'int', 0, max, warn);
      switch (stmt.keyword) {
        case 'router_id':
          g.routerId = oneValue(stmt, warn)?.text ?? g.routerId;
          break;
        case 'vrrp_version':
          g.version = (readNumber(oneValue(stmt, warn), 'int', 2, 3, warn) as 2 | 3 | undefined) ?? g.version;
          break;
        case 'vrrp_garp_master_delay':
          g.garpMasterDelay = int(4294) ?? g.garpMasterDelay;
          break;
        case 'vrrp_garp_master_repeat':
          g.garpMasterRepeat = int(65535) ?? g.garpMasterRepeat;
          break;
        case 'vrrp_garp_master_refresh':
          g.garpMasterRefresh = int(4294) ?? g.garpMasterRefresh;
          break;
        case 'vrrp_garp_master_refresh_repeat':
          g.garpMasterRefreshRepeat = int(65535) ?? g.garpMasterRefreshRepeat;
          break;
        case 'vrrp_garp_lower_prio_repeat':
          g.garpLowerPrioRepeat = int(65535) ?? g.garpLowerPrioRepeat;
          break;
        case 'vrrp_lower_prio_no_advert':
          g.lowerPrioNoAdvert = readBool(stmt, warn) ?? g.lowerPrioNoAdvert;
          break;
        case 'vrrp_check_unicast_src':
          warnExtra(stmt.args, warn);
          g.checkUnicastSrc = true;
          break;
      }
    }
  }
  return g;
}

/** `keyword [true|false|yes|no|on|off]`, a bare keyword meaning true, as keepalived's check_true_false. */
function readBool(stmt: ConfigNode, warn: Warn): boolean | undefined {
  const [v, ...extra] = stmt.args;
  warnExtra(extra, warn);
  if (!v) return true;
  if (/^(true|yes|on)$/i.test(v.text)) return true;
  if (/^(false|no|off)$/i.test(v.text)) return false;
  warn(v, `invalid ${stmt.keyword} '${v.text}' - ignoring`);
  return undefined;
}

/**
 * Feeds a block's statements to `handle` in keepalived's order. keepalived ignores a `{` after a keyword that
 * takes no block ("Unexpected '{'"): it reads the inner statements at this level, and the inner `}` then
 * closes THIS block, so the statements after it are read one level up. `handle` returns 'closes-block' when
 * keepalived's reading of a statement ends the block the same way.
 */
function readBlock(
  owner: ConfigNode,
  takesBlock: (keyword: string) => boolean,
  handle: (stmt: ConfigNode) => 'closes-block' | undefined,
  warn: Warn,
  statements = owner.children ?? [],
): void {
  for (const [i, stmt] of statements.entries()) {
    let closes: boolean;
    if (stmt.children && !takesBlock(stmt.keyword)) {
      warn(
        stmt,
        `Unexpected '{' after '${stmt.keyword}': keepalived ignores it and reads the block's contents here`,
      );
      const { children, ...withoutBlock } = stmt;
      handle(withoutBlock);
      readBlock(owner, takesBlock, handle, warn, children);
      closes = true;
    } else {
      closes = handle(stmt) === 'closes-block';
    }
    const next = statements[i + 1];
    if (closes && next) {
      const where = `at the '}' of '${stmt.keyword}' above`;
      warn(
        next,
        `keepalived ends '${label(owner)}' ${where}: it reads this and the rest of the block outside it`,
      );
      return;
    }
  }
}

/** What one vrrp_instance statement handler needs. */
interface InstanceContext {
  inst: VrrpInstanceConfig;
  /** `(NAME)`, keepalived's prefix for messages about an instance. */
  p: string;
  auth: { type?: 'PASS' | 'AH'; pass?: string; at?: Pos };
  /** the vrrp_script blocks read so far, and where every one of them is */
  scripts: { known: ReadonlyMap<string, VrrpScriptConfig>; all: ReadonlyMap<string, Pos> };
  advertAt?: Pos;
  /** `priority` was given; without it keepalived derives it from `state` (MASTER → 255, else 100) */
  prioritySet?: boolean;
  /** where nopreempt / preempt_delay were set, for keepalived's warnings about them */
  nopreemptAt?: Pos;
  preemptDelayAt?: Pos;
  warn: Warn;
}

function readInstance(
  node: ConfigNode,
  name: string,
  globals: VrrpGlobals,
  scripts: InstanceContext['scripts'],
  warn: Warn,
): VrrpInstanceConfig {
  const inst: VrrpInstanceConfig = {
    name,
    at: pos(node),
    state: undefined,
    interface: undefined,
    vrid: undefined,
    priority: 100,
    advertInt: 1,
    version: undefined,
    nopreempt: false,
    preemptDelay: undefined,
    garpMasterDelay: undefined,
    dontTrackPrimary: false,
    auth: undefined,
    trackInterfaces: [],
    vips: [],
    vipsExcluded: [],
    unicastSrcIp: undefined,
    unicastPeers: [],
  };
  const ctx: InstanceContext = { inst, p: `(${name})`, auth: {}, warn, scripts };
  readBlock(
    node,
    (kw) => INSTANCE_BLOCKS.has(kw),
    (stmt) => readInstanceStatement(stmt, ctx),
    warn,
  );
  // keepalived (vrrp_complete_instance): an instance whose first address is IPv6 defaults to version 3,
  // whatever global_defs' vrrp_version says.
  inst.version ??= inst.vips[0]?.address.includes(':') ? 3 : globals.version;
  inst.garpMasterDelay ??= globals.garpMasterDelay;
  inst.garpMasterRepeat ??= globals.garpMasterRepeat;
  inst.garpMasterRefresh ??= globals.garpMasterRefresh;
  inst.garpMasterRefreshRepeat ??= globals.garpMasterRefreshRepeat;
  inst.garpLowerPrioRepeat ??= globals.garpLowerPrioRepeat;
  inst.lowerPrioNoAdvert ??= globals.lowerPrioNoAdvert;
  // keepalived (vrrp_complete_instance): no priority → 255 for state MASTER (the address owner), else 100.
  if (!ctx.prioritySet && inst.state === 'MASTER') inst.priority = 255;
  // ... and what it clears, saying so. The values stay as written here (lint reports on them); the
  // state machine applies keepalived's clearing (src/vrrp/instance.ts, resolveParams).
  const wantMaster = inst.state === 'MASTER' || (inst.state === undefined && inst.priority === 255);
  if (inst.priority === 255 && inst.nopreempt) {
    warn(
      ctx.nopreemptAt ?? inst.at,
      `${ctx.p} nopreempt is incompatible with priority 255. resetting nopreempt`,
    );
  } else if (wantMaster && inst.nopreempt) {
    warn(
      ctx.nopreemptAt ?? inst.at,
      `${ctx.p} Warning - nopreempt will not work with initial state MASTER - clearing`,
    );
  }
  if (wantMaster && inst.preemptDelay) {
    warn(
      ctx.preemptDelayAt ?? inst.at,
      `${ctx.p} Warning - preempt delay will not work with initial state MASTER - clearing`,
    );
  }
  inst.auth = effectiveAuth(ctx);
  if (ctx.advertAt && inst.version !== 3 && !Number.isInteger(inst.advertInt)) {
    warn(ctx.advertAt, `${ctx.p} VRRPv2 advert_int must be whole seconds - keepalived rounds it`);
  }
  return inst;
}

function readInstanceStatement(stmt: ConfigNode, ctx: InstanceContext): undefined {
  const { inst, p, warn } = ctx;
  const kw = stmt.keyword;
  if (INSTANCE_BLOCKS.has(kw) && !blockOk(stmt, warn)) return;
  switch (kw) {
    case 'state': {
      const v = oneValue(stmt, warn);
      if (v?.text === 'MASTER') inst.state = 'MASTER';
      else if (v?.text === 'BACKUP' && inst.state === 'MASTER') {
        warn(v, `${p} state previously set as MASTER - ignoring BACKUP`);
      } else if (v?.text === 'BACKUP') inst.state = 'BACKUP';
      else if (v) {
        warn(v, `${p} unknown state '${v.text}', defaulting to BACKUP`);
        inst.state = 'BACKUP';
      }
      return;
    }
    case 'interface':
      inst.interface = oneValue(stmt, warn)?.text ?? inst.interface;
      return;
    case 'virtual_router_id':
      inst.vrid = readNumber(oneValue(stmt, warn), 'int', 1, 255, warn) ?? inst.vrid;
      return;
    case 'priority': {
      // Unlike the other numbers, a bad priority resets it to the default.
      const v = oneValue(stmt, warn);
      if (v) inst.priority = readNumber(v, 'int', 1, 255, warn, `${p} using default priority 100`) ?? 100;
      ctx.prioritySet = true;
      return;
    }
    case 'advert_int':
      ctx.advertAt = pos(stmt);
      inst.advertInt = readNumber(oneValue(stmt, warn), 'decimal', 0.01, 255, warn) ?? inst.advertInt;
      return;
    case 'version': {
      const v = readNumber(oneValue(stmt, warn), 'int', 2, 3, warn) as 2 | 3 | undefined;
      if (v !== undefined && inst.version !== undefined && v !== inst.version) {
        warn(stmt, `${p} version ${v} conflicts with version ${inst.version} set earlier - ignoring`);
      } else if (v !== undefined) inst.version = v;
      return;
    }
    case 'nopreempt':
    case 'preempt': // kept by keepalived for backwards compatibility: undoes nopreempt
      warnExtra(stmt.args, warn);
      inst.nopreempt = kw === 'nopreempt';
      ctx.nopreemptAt = pos(stmt);
      return;
    case 'preempt_delay':
      ctx.preemptDelayAt = pos(stmt);
      inst.preemptDelay = readNumber(oneValue(stmt, warn), 'decimal', 0, 1000, warn) ?? inst.preemptDelay;
      return;
    case 'garp_master_delay':
      inst.garpMasterDelay = readNumber(oneValue(stmt, warn), 'int', 0, 4294, warn) ?? inst.garpMasterDelay;
      return;
    case 'garp_master_repeat':
      inst.garpMasterRepeat =
        readNumber(oneValue(stmt, warn), 'int', 1, 65535, warn) ?? inst.garpMasterRepeat;
      return;
    case 'garp_master_refresh':
      inst.garpMasterRefresh =
        readNumber(oneValue(stmt, warn), 'int', 0, 4294, warn) ?? inst.garpMasterRefresh;
      return;
    case 'garp_master_refresh_repeat':
      inst.garpMasterRefreshRepeat =
        readNumber(oneValue(stmt, warn), 'int', 1, 65535, warn) ?? inst.garpMasterRefreshRepeat;
      return;
    case 'garp_lower_prio_repeat':
      inst.garpLowerPrioRepeat =
        readNumber(oneValue(stmt, warn), 'int', 0, 65535, warn) ?? inst.garpLowerPrioRepeat;
      return;
    case 'lower_prio_no_advert':
      inst.lowerPrioNoAdvert = readBool(stmt, warn) ?? inst.lowerPrioNoAdvert;
      return;
    case 'dont_track_primary':
      warnExtra(stmt.args, warn);
      inst.dontTrackPrimary = true;
      return;
    case 'use_vmac': {
      const [name, ...extra] = stmt.args;
      if (extra.length > 0) warnExtra(extra, warn);
      if (name && name.text.length > 15)
        warn(name, `${p} VMAC interface name '${name.text}' too long - ignoring`);
      inst.useVmac = { name: name && name.text.length <= 15 ? name.text : undefined };
      return;
    }
    case 'vmac_xmit_base':
      warnExtra(stmt.args, warn);
      inst.vmacXmitBase = true;
      return;
    case 'check_unicast_src':
      warnExtra(stmt.args, warn);
      inst.checkUnicastSrc = true;
      return;
    case 'unicast_src_ip': {
      const v = oneValue(stmt, warn);
      if (v && !isIP(v.text)) warn(v, `${p} invalid unicast_src_ip '${v.text}' - ignoring`);
      else if (v) inst.unicastSrcIp = v.text;
      return;
    }
    case 'authentication':
      ctx.auth.at ??= pos(stmt);
      readBlock(
        stmt,
        () => false,
        (a) => readAuthStatement(a, ctx),
        warn,
      );
      return;
    case 'track_interface':
      for (const entry of stmt.children ?? []) readTrackInterface(entry, ctx);
      return;
    case 'notify_master':
    case 'notify_backup':
    case 'notify_fault':
    case 'notify_stop':
    case 'notify': {
      const notify = inst.notify ?? {};
      if (notify[kw]) {
        warn(stmt, `${p} ${kw} script already specified - ignoring ${stmt.args[0]?.text ?? ''}`);
        return;
      }
      const script = readNotifyScript(stmt, inst.name, warn);
      if (script) inst.notify = { ...notify, [kw]: script };
      return;
    }
    case 'track_script': {
      const tracked = inst.trackScripts ?? [];
      for (const entry of stmt.children ?? []) {
        nestedBlock(entry, warn);
        readTrackScript(entry, inst.name, ctx.scripts.known, tracked, warn, ctx.scripts.all);
      }
      inst.trackScripts = tracked;
      return;
    }
    case 'virtual_ipaddress':
    case 'virtual_ipaddress_excluded':
      for (const entry of stmt.children ?? []) {
        const vip = readVip(entry, warn);
        if (vip) (kw === 'virtual_ipaddress' ? inst.vips : inst.vipsExcluded).push(vip);
      }
      return;
    case 'unicast_peer':
      for (const entry of stmt.children ?? []) readUnicastPeer(entry, ctx);
      return;
    default:
      if (!INSTANCE_OTHER.has(kw)) warn(stmt, `Unknown keyword '${kw}'`);
  }
}

function readAuthStatement(stmt: ConfigNode, { p, auth, warn }: InstanceContext): undefined {
  if (stmt.keyword === 'auth_type') {
    const v = oneValue(stmt, warn);
    if (v?.text === 'PASS' || v?.text === 'AH') auth.type = v.text;
    else if (v) warn(v, `${p} unknown authentication type '${v.text}'`);
  } else if (stmt.keyword === 'auth_pass') {
    const v = oneValue(stmt, warn);
    if (!v) return;
    // keepalived keeps 8 bytes: the size of the VRRPv2 authentication data.
    if (v.text.length > 8) warn(v, `${p} auth_pass is longer than 8 characters - keepalived truncates it`);
    auth.pass = v.text.slice(0, 8);
  } else {
    warn(stmt, `Unknown keyword '${stmt.keyword}'`);
  }
}

/** The authentication as configured, with warnings where keepalived will not use it. */
function effectiveAuth({ inst, p, auth, warn }: InstanceContext): VrrpInstanceConfig['auth'] {
  const at = auth.at ?? inst.at;
  if (!auth.type) {
    if (auth.pass !== undefined)
      warn(at, `${p} auth_pass without auth_type - keepalived uses no authentication`);
    return undefined;
  }
  if (!auth.pass) {
    warn(at, `${p} Authentication specified but no password given - keepalived ignores authentication`);
  } else if (inst.version === 3) {
    warn(at, `${p} VRRP version 3 does not support authentication - keepalived ignores it`);
  }
  return { type: auth.type, pass: auth.pass };
}

function readSyncGroup(node: ConfigNode, name: string, warn: Warn): SyncGroupConfig {
  const group: SyncGroupConfig = { name, at: pos(node), members: [] };
  let haveGroup = false;
  const readStatement = (stmt: ConfigNode): 'closes-block' | undefined => {
    if (stmt.keyword !== 'group') {
      if (!SYNC_GROUP_OTHER.has(stmt.keyword)) warn(stmt, `Unknown keyword '${stmt.keyword}'`);
      return;
    }
    if (haveGroup) {
      // keepalived skips this block, and its '}' also ends the sync group (measured on keepalived 2.2.7).
      warn(stmt, `Group list already specified for sync group ${name}`);
      return stmt.children ? 'closes-block' : undefined;
    }
    haveGroup = true;
    if (!blockOk(stmt, warn)) return;
    // Every word of the block is a member, however the lines are laid out.
    group.members = (stmt.children ?? []).flatMap((entry) => [
      entry.keyword,
      ...entry.args.map((a) => a.text),
    ]);
    if (group.members.length === 0) warn(stmt, `sync group ${name} has an empty group block`);
  };
  readBlock(node, (kw) => SYNC_GROUP_BLOCKS.has(kw), readStatement, warn);
  return group;
}

// `NAME [weight W [reverse]]`
function readTrackInterface(entry: ConfigNode, { inst, p, warn }: InstanceContext): void {
  nestedBlock(entry, warn);
  const name = entry.keyword;
  const [opt, value, reverse, ...extra] = entry.args;
  if (inst.trackInterfaces.some((t) => t.name === name)) {
    warn(entry, `${p} duplicate track_interface ${name} - ignoring`);
    return;
  }
  let weight: number | undefined;
  if (opt) {
    if (opt.text !== 'weight') {
      warn(opt, `${p} unknown track_interface ${name} option '${opt.text}' - ignoring the interface`);
      return;
    }
    if (!value) {
      warn(opt, `${p} weight without value for track_interface ${name} - ignoring the interface`);
      return;
    }
    weight = readNumber(value, 'signed', -254, 254, warn);
    if (weight === 254 || weight === -254) {
      warn(value, `${p} weight for ${name} cannot be +/-254 - using +/-253`);
      weight = Math.sign(weight) * 253;
    }
    if (reverse && reverse.text !== 'reverse') {
      warn(reverse, `${p} unknown track_interface weight option '${reverse.text}'`);
    }
    warnExtra(extra, warn);
  }
  inst.trackInterfaces.push({ name, weight, at: pos(entry) });
}

// `ADDRESS [min_ttl N] [max_ttl N]`
function readUnicastPeer(entry: ConfigNode, { inst, p, warn }: InstanceContext): void {
  nestedBlock(entry, warn);
  if (!isIP(entry.keyword)) {
    warn(entry, `${p} malformed unicast peer address '${entry.keyword}' - skipping`);
    return;
  }
  const range = { address: entry.keyword, min: 0, max: 255 };
  for (let i = 0; i < entry.args.length; i += 2) {
    const opt = entry.args[i] as Token;
    const value = entry.args[i + 1];
    if (!value) warn(opt, `${p} ${opt.text} is missing a value`);
    else if (opt.text === 'min_ttl' || opt.text === 'max_ttl') {
      const n = readNumber(value, 'int', 0, 255, warn);
      if (n !== undefined) range[opt.text === 'min_ttl' ? 'min' : 'max'] = n;
    } else warn(opt, `${p} unknown unicast_peer option '${opt.text}'`);
  }
  inst.unicastPeers.push(entry.keyword);
  if (range.min !== 0 || range.max !== 255) inst.unicastPeerTtl = [...(inst.unicastPeerTtl ?? []), range];
}

// Options of an address line, as keepalived's alloc_ipaddress knows them: those taking a value, and flags.
const VIP_VALUE_OPTIONS = new Set(['dev', 'scope', 'broadcast', 'brd', 'label', 'peer', 'preferred_lft']);
const VIP_FLAGS = new Set('home -nodad mngtmpaddr noprefixroute autojoin no_track use_vmac'.split(' '));

/** `ADDRESS[/PREFIX] [dev IFACE] [brd B] [label L] [scope S] ...`; undefined (and a warning) if keepalived drops it. */
function readVip(entry: ConfigNode, warn: Warn): VipConfig | undefined {
  nestedBlock(entry, warn);
  const [address, prefixText] = entry.keyword.split('/', 2) as [string, string | undefined];
  const family = isIP(address);
  if (!family) {
    warn(entry, `invalid IP address '${entry.keyword}' - skipping`);
    return undefined;
  }
  const vip: VipConfig = { address, prefix: undefined, dev: undefined, at: pos(entry) };
  if (prefixText !== undefined) {
    const token = { ...pos(entry), text: prefixText, col: entry.col + address.length + 1 };
    vip.prefix = readNumber(token, 'int', 0, family === 4 ? 32 : 128, warn, 'using a host prefix');
  }
  for (let i = 0; i < entry.args.length; i++) {
    const opt = entry.args[i] as Token;
    if (VIP_FLAGS.has(opt.text)) continue;
    if (!VIP_VALUE_OPTIONS.has(opt.text)) {
      warn(opt, `unknown option '${opt.text}' for ip address ${entry.keyword} - ignoring`);
      continue;
    }
    const value = entry.args[++i];
    if (!value) {
      warn(opt, `no ${opt.text} value for ip address ${entry.keyword} - skipping the address`);
      return undefined;
    }
    if (opt.text === 'dev' && vip.dev !== undefined) {
      warn(opt, `dev given twice for ip address ${entry.keyword} - skipping the address`);
      return undefined;
    }
    if (opt.text === 'dev') vip.dev = value.text;
    if (opt.text === 'label') vip.label = value.text;
    if (opt.text === 'brd' || opt.text === 'broadcast') vip.broadcast = value.text;
  }
  return vip;
}

/** The one value of `keyword VALUE`; warns when it is missing (keepalived exits) or followed by more words. */
function oneValue(stmt: ConfigNode, warn: Warn): Token | undefined {
  const [value, ...extra] = stmt.args;
  if (!value) warn(stmt, `'${stmt.keyword}' needs a value`);
  warnExtra(extra, warn);
  return value;
}

function warnExtra(extra: Token[], warn: Warn): void {
  const [first] = extra;
  if (first) warn(first, `extra words ignored by keepalived: '${extra.map((t) => t.text).join(' ')}'`);
}

/** A list block (virtual_ipaddress ...) needs its `{ }`; words on the keyword line are ignored. */
function blockOk(stmt: ConfigNode, warn: Warn): boolean {
  if (!stmt.children) {
    warn(stmt, `'${stmt.keyword}' needs a '{ ... }' block - ignoring`);
    return false;
  }
  const [first] = stmt.args;
  if (first) warn(first, `block ${stmt.keyword} has extra parameters - ignoring them`);
  return true;
}

function nestedBlock(entry: ConfigNode, warn: Warn): void {
  if (entry.children) warn(entry, `unexpected '{' block in a list entry - ignoring it`);
}

const NUMBER = {
  int: /^\d+$/,
  signed: /^[-+]?\d+$/,
  decimal: /^(\d+\.?\d*|\.\d+)$/,
};

/** Parses a number in [min, max]; warns and returns undefined otherwise (callers keep their default). */
function readNumber(
  token: Token | undefined,
  kind: keyof typeof NUMBER,
  min: number,
  max: number,
  warn: Warn,
  fallback = 'ignoring',
): number | undefined {
  if (!token) return undefined;
  const n = Number(token.text);
  if (NUMBER[kind].test(token.text) && n >= min && n <= max) return n;
  warn(token, `invalid number '${token.text}' (expected ${min} to ${max}) - ${fallback}`);
  return undefined;
}
