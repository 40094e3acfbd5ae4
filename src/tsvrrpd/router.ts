/**
 * tsvrrpd's driver: it feeds the pure state machine (src/vrrp/instance.ts) with packets, link changes and
 * timers, and carries out its actions through a RouterIo. Timer events are stepped at the time they were
 * due, not the time the event loop got round to them, so a late wake-up does not push every later
 * advert back (the advert period stays the configured one).
 */
import { gratuitousArp, unsolicitedNa } from '../vrrp/announce.js';
import {
  type Action,
  type InstanceEvent,
  type InstanceState,
  initialState,
  reconfigure,
  step,
  syncGroupStep,
  type TimerName,
} from '../vrrp/instance.js';
import {
  type DropReason,
  decodeVrrp,
  encodeVrrp,
  type InstanceDropReason,
  type InstanceConfig as PacketCheck,
  VRRP_MULTICAST_V4,
  VRRP_MULTICAST_V6,
  type VrrpAdvert,
  validateForInstance,
} from '../vrrp/packet.js';
import { skewMs } from '../vrrp/timers.js';
import type { RouterConfig, RouterInstance, RouterVip } from './config.js';
import { type ScriptOutcome, ScriptRunner, type ScriptStats } from './scripts.js';

export interface Received {
  /** the VRRP message; may be a view of a receive buffer that is reused after the call */
  data: Buffer;
  src: string;
  dst: string;
  ttl: number;
  /** when it arrived (the kernel's stamp, on the clock of `now()`); else it counts from when it was read */
  atMs?: number;
}

export interface RouterSocket {
  /** from `src` (the instance's primary address) to the VRRP group, or to `dst` (unicast peers); `via` a VMAC */
  send(message: Buffer, src: string, dst?: string, via?: string): void;
  /** get ready to send from `src` (so the first advert goes out without delay) */
  prepare?(src: string, via?: string): void;
  /** hand over now what is queued (a timer is about to decide on what has been heard) */
  drain?(): void;
  /** receive in batches: leave the socket this long after a read (see {@link coalesceFor}) */
  coalesceMs?: number;
  close(): Promise<void>;
}

export interface LinkInfo {
  ifname: string;
  up: boolean;
  mac: string;
}

/** Everything the router does to the world; the real one is src/tsvrrpd/io.ts. */
export interface RouterIo {
  openSocket(ifname: string, family: 4 | 6, onPacket: (p: Received) => void): RouterSocket;
  addAddress(vip: RouterVip): void;
  deleteAddress(vip: RouterVip): void;
  sendFrame(ifname: string, frame: Buffer): void;
  /** get ready to send frames out of `ifname` (so the first GARP burst goes out without delay) */
  prepareFrames?(ifname: string): void;
  getLink(ifname: string): LinkInfo | undefined;
  watchLinks(onChange: (l: LinkInfo) => void): { close(): Promise<void> };
  /** the interface's addresses of one family (IPv6: link-local ones first) */
  addresses(ifname: string, family: 4 | 6): string[];
  /** keepalived's use_vmac: a private-mode macvlan `ifname` on `parent` with `mac`, up, replacing any */
  createVmac(parent: string, ifname: string, mac: string): void;
  deleteLink(ifname: string): void;
  /** writes /proc/sys/<key> (e.g. net/ipv4/conf/eth0/arp_ignore); returns what it held */
  setSysctl(key: string, value: string): string | undefined;
  /** milliseconds, monotonic */
  now(): number;
  /**
   * Runs `fn(atMs, instantMs)` at `atMs` on the clock of `now()`. `replace`, a handle this io gave
   * before (pending or spent), is cancelled and may be reused: re-arming a timer allocates nothing.
   * `earlyMs`: it may run up to that much early when the io is awake for an earlier timer anyway (never
   * alone). `instantMs`, if given: when the wake-up that runs it began (timers run back to back share it).
   */
  setTimer(
    atMs: number,
    fn: (dueMs: number, instantMs?: number) => void,
    replace?: unknown,
    earlyMs?: number,
  ): unknown;
  clearTimer(handle: unknown): void;
  /** runs argv (no shell), killed after timeoutMs (undefined: never); never rejects */
  runScript(argv: readonly string[], timeoutMs: number | undefined): Promise<ScriptOutcome>;
  /** after the last use: timers, frame sockets */
  close(): Promise<void>;
}

export type LogFields = Record<string, string | number | boolean | undefined>;
export type Logger = (event: string, fields: LogFields) => void;

export interface InstanceStats {
  state: string;
  priority: number;
  advertsSent: number;
  advertsReceived: number;
  becameMaster: number;
  releasedMaster: number;
  drops: Partial<Record<InstanceDropReason, number>>;
}

export interface RouterStats {
  /** drops before an instance is known (decode checks, unknown VRID, own packets) per reason */
  drops: Partial<Record<DropReason | 'unconfigured_vrid', number>>;
  instances: Record<string, InstanceStats>;
  /** each tracked vrrp_script: its result, runs, last exit status and timeouts */
  scripts: Record<string, ScriptStats>;
  /**
   * How late timers ran (callback time − due time), as counts per bucket: key "<N" means under N µs.
   * The daemon's own view of its scheduling, beside what the captures show.
   */
  timerLateness: Record<string, number>;
}

/** keepalived runs notify_stop scripts with a one second timeout (TIMER_HZ). */
const NOTIFY_STOP_TIMEOUT_MS = 1000;

/** Bucket upper bounds in µs for {@link RouterStats.timerLateness}. */
const LATENESS_BUCKETS = [50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000];

interface Running {
  cfg: RouterInstance;
  state: InstanceState;
  primary: string;
  socket: RouterSocket;
  /** armed timers' handles */
  timers: Map<TimerName, unknown>;
  /** handles of timers that fired or were cancelled, for the next arm to reuse */
  spent: Map<TimerName, unknown>;
  /** one callback per timer name, made once */
  onTimer: Map<TimerName, (dueMs: number, instantMs?: number) => void>;
  stats: InstanceStats;
  /** the receive checks' view of the configuration, remade when the priority or interval change */
  check?: PacketCheck;
  /**
   * The last advert accepted, as it came: one identical to it, octet for octet with the same addresses
   * and TTL, gets the same verdict from the codec and the checks, so it is not decoded again (a backup
   * hears the same advert from its master every interval).
   */
  lastRx?: { data: Buffer; src: string; dst: string; ttl: number; advert: VrrpAdvert; check: PacketCheck };
  /** encoded adverts by priority × destination: the same message is sent every interval */
  encoded: Map<number, Buffer>;
}

const socketKey = (ifname: string, family: 4 | 6) => `${ifname}/${family}`;

/**
 * Where an instance hears adverts: its VMAC if it has one. A macvlan in private mode takes every
 * multicast frame whose source is its own MAC (another router's VMAC has the same one) away from its
 * parent, so only a socket on the VMAC hears the peers (keepalived reads there too).
 */
const rxIfname = (inst: RouterInstance): string => inst.vmac?.ifname ?? inst.ifname;

/** The longest receive batching allowed, however slow the adverts (64 adverts of 255 VRIDs at 1 s). */
const COALESCE_MAX_MS = 250;

/**
 * How long a backup's socket may sit unread after a read, so that the adverts of many virtual routers
 * cost a few wake-ups a second, not one each. Arrival stamps keep their timing, and timers drain the
 * socket before they decide, so the one thing a late read could delay is the reaction to a priority-0
 * advert: the takeover is due Skew_Time after it arrived, and Skew_Time is shortest for the highest
 * priority the instance can reach. Batching stays a millisecond under that, under a quarter of the
 * interval, and under 250 ms. A socket that serves a master is not batched at all (see setCoalescing).
 */
export function coalesceFor(instances: readonly RouterInstance[]): number {
  let ms = COALESCE_MAX_MS;
  for (const inst of instances) {
    const weights = [...(inst.core.trackInterfaces ?? []), ...(inst.core.trackScripts ?? [])];
    const boost = weights.reduce((a, t) => a + Math.max(0, t.weight ?? 0), 0);
    const top = Math.min(254, inst.core.priority + boost);
    const intervalMs = inst.core.advertInt * 1000;
    const skew = inst.core.priority >= 255 ? 0 : skewMs(inst.version, top, intervalMs);
    ms = Math.min(ms, skew - 1, intervalMs / 4);
  }
  return Math.max(0, ms);
}

/**
 * How early an advert may go out to share a wake-up with an earlier timer: a millisecond, and at most
 * 1% of the interval. Its timer still steps at its due time, so the period does not drift; an advert a
 * little early only restarts the backups' master-down timers a little sooner.
 */
export function advertEarlyMs(intervalMs: number): number {
  return Math.min(1, intervalMs / 100);
}

export class Router {
  private readonly running = new Map<string, Running>();
  private readonly sockets = new Map<string, RouterSocket>();
  private readonly links = new Map<string, boolean>();
  private readonly drops: RouterStats['drops'] = {};
  private linkWatch: { close(): Promise<void> } | undefined;
  private stopped = false;
  /** per receiving interface/family: VRID → instance, for each packet */
  private readonly byVrid = new Map<string, (Running | undefined)[]>();
  private addrCache: Map<string, string[]> | undefined;
  private readonly lateness: number[] = new Array(LATENESS_BUCKETS.length + 1).fill(0);
  /** VMAC interfaces this router made (removed when it stops), and the parents' sysctls it changed */
  private readonly vmacs = new Set<string>();
  private readonly sysctlsBefore = new Map<string, string>();
  private readonly scripts = new Map<string, ScriptRunner>();
  /** notify_stop runs still going: stop() waits for them (keepalived gives them a second) */
  private readonly stopNotifies = new Set<Promise<unknown>>();

  constructor(
    private cfg: RouterConfig,
    private readonly io: RouterIo,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.linkWatch = this.io.watchLinks((l) => this.onLink(l));
    // One reading of each interface's addresses for all instances (hundreds share one interface).
    this.addrCache = new Map();
    try {
      for (const inst of this.cfg.instances) this.removeLeftovers(inst);
      for (const inst of this.cfg.instances) this.add(inst);
    } finally {
      this.addrCache = undefined;
    }
    this.setCoalescing();
    this.warmUp();
    // one instant for all: their master-down timers, and later their adverts, fall due together
    const now = this.io.now();
    for (const r of [...this.running.values()]) this.feed(r, { type: 'startup' }, now);
    this.startScripts();
  }

  /**
   * The take-over's first steps run long before they are first needed: each instance's advert is
   * encoded now (the cache serves the first one sent as master), and the machine's way to MASTER is
   * stepped once on a copy (pure: nothing is sent). Code that runs for the first time is interpreted and
   * compiled on the spot, which put ~0.7 ms between a master-down timer and the advert (measured).
   */
  private warmUp(): void {
    for (const r of this.running.values()) {
      const targets = r.cfg.unicastPeers.length > 0 ? r.cfg.unicastPeers : [this.groupOf(r)];
      for (const [i, dst] of targets.entries()) this.advertMessage(r, r.state.priority, i, dst);
    }
    const first = this.running.values().next().value;
    if (!first) return;
    const now = this.io.now();
    const backup = step(first.state, { type: 'startup' }, now).state;
    step(backup, { type: 'timer', timer: 'master_down' }, now);
  }

  private groupOf(r: Running): string {
    return r.cfg.family === 4 ? VRRP_MULTICAST_V4 : VRRP_MULTICAST_V6;
  }

  /** Runs the tracked vrrp_scripts; one kept across a reload (same command and timing) keeps its result. */
  private startScripts(): void {
    const wanted = new Map(this.cfg.scripts.map((sc) => [sc.name, sc]));
    for (const [name, runner] of this.scripts) {
      if (JSON.stringify(wanted.get(name)) === JSON.stringify(runner.script)) continue;
      runner.stop();
      this.scripts.delete(name);
    }
    for (const sc of wanted.values()) {
      if (this.scripts.has(sc.name)) continue;
      const runner = new ScriptRunner(
        sc,
        this.io,
        (ok, outcome) => {
          this.log('script', {
            name: sc.name,
            result: ok ? 'ok' : 'failed',
            how: outcome.how,
            status: outcome.status,
          });
          const now = this.io.now();
          for (const r of [...this.running.values()]) {
            if (r.cfg.core.trackScripts?.some((t) => t.name === sc.name)) {
              this.feed(r, { type: 'script', name: sc.name, ok }, now);
            }
          }
        },
        (outcome) =>
          this.log('script_status', {
            name: sc.name,
            how: outcome.how,
            status: outcome.status,
            detail: outcome.detail,
          }),
      );
      this.scripts.set(sc.name, runner);
      runner.start();
    }
  }

  /**
   * Each socket's receive batching, from the instances it serves (see {@link coalesceFor}). None while
   * one of them is master: a master answers priority 0 with an advert at once and steps down at once
   * for a better one (RFC 5798 §6.4.3), and it hears little else (its backups are silent).
   */
  private setCoalescing(only?: string): void {
    for (const [key, socket] of this.sockets) {
      if (only !== undefined && key !== only) continue;
      const on = [...this.running.values()].filter((r) => socketKey(rxIfname(r.cfg), r.cfg.family) === key);
      socket.coalesceMs = on.some((r) => r.state.state === 'master') ? 0 : coalesceFor(on.map((r) => r.cfg));
    }
  }

  private addressesOf(ifname: string, family: 4 | 6): string[] {
    const key = socketKey(ifname, family);
    let list = this.addrCache?.get(key);
    if (!list) {
      list = this.io.addresses(ifname, family);
      this.addrCache?.set(key, list);
    }
    return list;
  }

  /** SIGTERM: masters send priority 0 and give their addresses up; then every socket closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const runner of this.scripts.values()) runner.stop();
    const now = this.io.now();
    for (const r of this.running.values()) this.feed(r, { type: 'shutdown' }, now, false);
    for (const r of this.running.values()) for (const t of r.timers.values()) this.io.clearTimer(t);
    await Promise.all([...this.stopNotifies]);
    await Promise.all([...this.sockets.values()].map((s) => s.close()));
    await this.linkWatch?.close();
    // keepalived removes its VMACs at exit and gives the parents their ARP settings back.
    for (const ifname of this.vmacs) {
      try {
        this.io.deleteLink(ifname);
      } catch (err) {
        this.log('error', { action: 'delete_vmac', ifname, error: (err as Error).message });
      }
    }
    for (const [key, value] of this.sysctlsBefore) this.io.setSysctl(`net/ipv4/conf/${key}`, value);
    await this.io.close();
  }

  /** SIGHUP: instances keep their state where their name stays; removed ones stop, new ones start. */
  reload(next: RouterConfig): void {
    const now = this.io.now();
    const names = new Set(next.instances.map((i) => i.name));
    for (const [name, r] of this.running) {
      if (names.has(name)) continue;
      this.feed(r, { type: 'shutdown' }, now, false);
      for (const t of r.timers.values()) this.io.clearTimer(t);
      this.forget(r);
    }
    this.cfg = next;
    for (const inst of next.instances) {
      const r = this.running.get(inst.name);
      if (!r) {
        const added = this.add(inst);
        this.feed(added, { type: 'startup' }, now);
      } else if (r.cfg.vrid !== inst.vrid || r.cfg.ifname !== inst.ifname || r.cfg.family !== inst.family) {
        // another virtual router under the same name: leave the old one cleanly, start the new one
        this.feed(r, { type: 'shutdown' }, now, false);
        for (const t of r.timers.values()) this.io.clearTimer(t);
        this.forget(r);
        this.feed(this.add(inst), { type: 'startup' }, now);
      } else {
        const old = r.cfg;
        r.cfg = inst;
        r.check = undefined;
        r.lastRx = undefined;
        r.encoded.clear();
        const res = reconfigure(
          r.state,
          { ...inst.core, primaryAddress: r.primary, family: inst.family },
          now,
        );
        // addresses that are no longer configured leave with the old configuration
        if (r.state.state === 'master') {
          const keep = new Set([...inst.vips, ...inst.vipsExcluded].map((v) => `${v.dev}/${v.address}`));
          for (const v of [...old.vips, ...old.vipsExcluded]) {
            if (!keep.has(`${v.dev}/${v.address}`)) this.io.deleteAddress(v);
          }
          for (const v of [...inst.vips, ...inst.vipsExcluded]) this.io.addAddress(v);
        }
        this.apply(r, res.state, res.actions);
      }
    }
    this.setCoalescing();
    this.startScripts();
    this.log('reload', { instances: next.instances.length });
  }

  private forget(r: Running): void {
    this.running.delete(r.cfg.name);
    const table = this.byVrid.get(socketKey(rxIfname(r.cfg), r.cfg.family));
    if (table?.[r.cfg.vrid] === r) table[r.cfg.vrid] = undefined;
  }

  private vridTable(key: string): (Running | undefined)[] {
    let table = this.byVrid.get(key);
    if (!table) {
      table = new Array(256).fill(undefined);
      this.byVrid.set(key, table);
    }
    return table;
  }

  stats(): RouterStats {
    const instances: Record<string, InstanceStats> = {};
    for (const [name, r] of this.running) {
      instances[name] = { ...r.stats, state: r.state.state, priority: r.state.priority };
    }
    const timerLateness: Record<string, number> = {};
    for (const [i, n] of this.lateness.entries()) {
      if (n > 0)
        timerLateness[
          i < LATENESS_BUCKETS.length ? `<${LATENESS_BUCKETS[i]}` : `>=${LATENESS_BUCKETS.at(-1)}`
        ] = n;
    }
    const scripts: Record<string, ScriptStats> = {};
    for (const [name, runner] of this.scripts) scripts[name] = { ...runner.stats };
    return { drops: { ...this.drops }, instances, scripts, timerLateness };
  }

  states(): Record<string, InstanceState> {
    return Object.fromEntries([...this.running].map(([n, r]) => [n, r.state]));
  }

  private add(inst: RouterInstance): Running {
    const primary = this.primaryAddress(inst);
    if (inst.vmac) this.setUpVmac(inst, primary);
    const rx = rxIfname(inst);
    const key = socketKey(rx, inst.family);
    const table = this.vridTable(key);
    let socket = this.sockets.get(key);
    if (!socket) {
      const family = inst.family;
      socket = this.io.openSocket(rx, family, (p) => this.onPacket(table, family, p));
      this.sockets.set(key, socket);
    }
    socket.prepare?.(primary, this.via(inst));
    for (const v of [...inst.vips, ...inst.vipsExcluded]) this.io.prepareFrames?.(v.dev);
    let state = initialState({ ...inst.core, primaryAddress: primary, family: inst.family });
    const now = this.io.now();
    // link states as they are now, before startup (the machine only records them in Initialize)
    const events: InstanceEvent[] = [];
    if (!this.linkUp(inst.ifname)) events.push({ type: 'iface', up: false });
    for (const t of inst.core.trackInterfaces ?? []) {
      if (!this.linkUp(t.name)) events.push({ type: 'track', name: t.name, up: false });
    }
    for (const e of events) state = step(state, e, now).state;
    const r: Running = {
      cfg: inst,
      state,
      primary,
      socket,
      timers: new Map(),
      spent: new Map(),
      onTimer: new Map(),
      encoded: new Map(),
      stats: {
        state: 'init',
        priority: state.priority,
        advertsSent: 0,
        advertsReceived: 0,
        becameMaster: 0,
        releasedMaster: 0,
        drops: {},
      },
    };
    this.running.set(inst.name, r);
    table[inst.vrid] = r;
    return r;
  }

  /** Adverts leave through the socket's own interface (the VMAC, if any), or the parent with vmac_xmit_base. */
  private via(inst: RouterInstance): string | undefined {
    return inst.vmac?.xmitBase ? inst.ifname : undefined;
  }

  /**
   * keepalived's use_vmac (vrrp_vmac.c, vrrp_if_config.c): the macvlan with the virtual router MAC, and
   * the sysctls that make the kernel answer ARP for a VIP from it alone: on the VMAC accept_local=1 (hear
   * another router's adverts), arp_ignore=1, rp_filter=0; on its parent arp_ignore=1 and arp_filter=1
   * (the parent must not answer for the VIP with its own MAC). IPv6: the VMAC gets no link-local of its
   * own (RFC 5798 §7.4) but the parent's, the adverts' source.
   */
  private setUpVmac(inst: RouterInstance, primary: string): void {
    const vmac = inst.vmac;
    if (!vmac || this.vmacs.has(vmac.ifname)) return;
    this.io.createVmac(inst.ifname, vmac.ifname, vmac.mac);
    this.vmacs.add(vmac.ifname);
    this.log('vmac', { instance: inst.name, ifname: vmac.ifname, mac: vmac.mac, parent: inst.ifname });
    if (inst.family === 4) {
      const set = (dev: string, key: string, value: string) => {
        const before = this.io.setSysctl(`net/ipv4/conf/${dev}/${key}`, value);
        if (dev === inst.ifname && before !== undefined && !this.sysctlsBefore.has(`${dev}/${key}`)) {
          this.sysctlsBefore.set(`${dev}/${key}`, before);
        }
      };
      for (const [k, v] of [
        ['accept_local', '1'],
        ['arp_ignore', '1'],
        ['rp_filter', '0'],
      ])
        set(vmac.ifname, k as string, v as string);
      for (const [k, v] of [
        ['arp_ignore', '1'],
        ['arp_filter', '1'],
      ])
        set(inst.ifname, k as string, v as string);
    } else {
      this.io.addAddress({ address: primary, prefix: 64, family: 6, dev: vmac.ifname, deprecated: true });
    }
  }

  /**
   * keepalived (remove_residual_vips, vrrp_restore_interfaces_startup): VIPs still on an interface from
   * a run that could not clean up (killed) are removed before anything starts, so that they are neither
   * taken for the primary address nor answered for while backup.
   */
  private removeLeftovers(inst: RouterInstance): void {
    // An address owner's VIPs are its own interface addresses.
    if (inst.core.priority >= 255) return;
    for (const v of [...inst.vips, ...inst.vipsExcluded]) {
      const list = this.addressesOf(v.dev, v.family);
      if (!list.includes(v.address)) continue;
      this.io.deleteAddress(v);
      list.splice(list.indexOf(v.address), 1);
      this.log('leftover_removed', { instance: inst.name, address: v.address, dev: v.dev });
    }
  }

  private primaryAddress(inst: RouterInstance): string {
    if (inst.unicastSrcIp) return inst.unicastSrcIp;
    // Never a VIP (of any instance: another one may be master and hold its VIPs here already).
    const vips = new Set(
      this.cfg.instances.flatMap((i) => [...i.vips, ...i.vipsExcluded].map((v) => v.address)),
    );
    const found = this.addressesOf(inst.ifname, inst.family).find(
      (a) => !vips.has(a) && (inst.family === 4 || a.startsWith('fe80:')),
    );
    if (!found) {
      const what = inst.family === 4 ? 'IPv4 address' : 'IPv6 link-local address';
      throw new Error(`(${inst.name}) interface ${inst.ifname} has no ${what} to send from`);
    }
    return found;
  }

  private linkUp(ifname: string): boolean {
    let up = this.links.get(ifname);
    if (up === undefined) {
      up = this.io.getLink(ifname)?.up ?? false;
      this.links.set(ifname, up);
    }
    return up;
  }

  private onLink(l: LinkInfo): void {
    if (this.stopped || this.links.get(l.ifname) === l.up) return;
    this.links.set(l.ifname, l.up);
    this.log('link', { ifname: l.ifname, up: l.up });
    const now = this.io.now();
    for (const r of [...this.running.values()]) {
      if (r.cfg.ifname === l.ifname) this.feed(r, { type: 'iface', up: l.up }, now);
      if (r.cfg.core.trackInterfaces?.some((t) => t.name === l.ifname)) {
        this.feed(r, { type: 'track', name: l.ifname, up: l.up }, now);
      }
    }
  }

  private drop(reason: DropReason | 'unconfigured_vrid'): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  private onPacket(table: readonly (Running | undefined)[], family: 4 | 6, p: Received): void {
    if (this.stopped) return;
    // The master-down timer restarts from the advert's arrival, not from when it was read.
    const t = this.io.now();
    const now = p.atMs === undefined ? t : Math.min(p.atMs, t);
    const last = table[p.data[1] ?? 0]?.lastRx;
    if (
      last !== undefined &&
      last.ttl === p.ttl &&
      last.src === p.src &&
      last.dst === p.dst &&
      last.data.equals(p.data)
    ) {
      const target = table[last.advert.vrid] as Running;
      if (last.check === this.checkFor(target)) {
        target.stats.advertsReceived++;
        this.feed(target, { type: 'advert', advert: last.advert, src: p.src }, now);
        return;
      }
    }
    const decoded = decodeVrrp(p.data, { family, src: p.src, dst: p.dst, ttl: p.ttl });
    if (!decoded.ok) {
      this.drop(decoded.reason);
      return;
    }
    const advert = decoded.advert;
    const target = table[advert.vrid];
    if (!target) {
      this.drop('unconfigured_vrid');
      return;
    }
    if (p.src === target.primary) return; // our own, looped back
    const cfg = this.checkFor(target);
    const check = validateForInstance(advert, cfg, { family, src: p.src, dst: p.dst, ttl: p.ttl });
    if (!check.ok) {
      target.stats.drops[check.reason] = (target.stats.drops[check.reason] ?? 0) + 1;
      return;
    }
    // a copy: the socket's receive buffer is reused for the next datagram
    target.lastRx = { data: Buffer.from(p.data), src: p.src, dst: p.dst, ttl: p.ttl, advert, check: cfg };
    target.stats.advertsReceived++;
    this.feed(target, { type: 'advert', advert, src: p.src }, now);
  }

  /** What the receive checks compare against, made once per configuration, priority and interval. */
  private checkFor(r: Running): PacketCheck {
    const c = r.check;
    if (c && c.priority === r.state.basePriority && c.intervalMs === r.state.params.advertIntMs) return c;
    r.check = {
      vrid: r.cfg.vrid,
      version: r.cfg.version,
      authType: r.cfg.password !== undefined ? 1 : 0,
      password: r.cfg.password,
      intervalMs: r.state.params.advertIntMs,
      addresses: r.cfg.vips.map((v) => v.address),
      priority: r.state.basePriority,
      unicastPeers: r.cfg.unicastPeers,
      checkUnicastSrc: r.cfg.checkUnicastSrc,
      unicastPeerTtl: r.cfg.unicastPeerTtl,
    };
    return r.check;
  }

  /** One event into one instance, its actions carried out, and its sync group kept in step. */
  private feed(r: Running, event: InstanceEvent, now: number, sync = true): void {
    const res = step(r.state, event, now);
    this.apply(r, res.state, res.actions, now, sync);
  }

  private apply(r: Running, state: InstanceState, actions: Action[], now = this.io.now(), sync = true): void {
    r.state = state;
    const moves: { from: InstanceState['state']; to: InstanceState['state']; reason: string }[] = [];
    for (const a of actions) {
      try {
        this.act(r, a);
      } catch (err) {
        this.log('error', { instance: r.cfg.name, action: a.type, error: (err as Error).message });
      }
      if (a.type === 'transition') moves.push(a);
    }
    if (moves.length === 0) return;
    // keepalived sends the notifies once the new state is in place (VIPs added, first advert out)
    for (const m of moves) this.notify(r, m.to, m.reason);
    if (moves.some((m) => m.to === 'master' || m.from === 'master')) {
      this.setCoalescing(socketKey(rxIfname(r.cfg), r.cfg.family));
    }
    if (!sync) return;
    const group = this.cfg.syncGroups.find((g) => g.members.includes(r.cfg.name));
    if (!group) return;
    const members = group.members.map((m) => this.running.get(m)).filter((m) => m !== undefined);
    for (const move of moves) {
      const forced = syncGroupStep(
        group.name,
        members.map((m) => m.state),
        { instance: r.cfg.name, from: move.from, to: move.to },
      );
      for (const f of forced) {
        const m = this.running.get(f.instance);
        if (m) this.feed(m, f.event, now, false);
      }
    }
  }

  /**
   * keepalived's notify scripts for a new state (vrrp_notify.c): notify_<state> as configured, and the
   * generic `notify` with INSTANCE NAME STATE PRIORITY appended. A stop's scripts get a second, others
   * run on their own.
   */
  private notify(r: Running, to: InstanceState['state'], reason: string): void {
    const n = r.cfg.notify;
    if (!n) return;
    const state = to === 'init' ? (reason === 'shutdown' ? 'STOP' : undefined) : to.toUpperCase();
    if (!state) return;
    const specific = { MASTER: n.master, BACKUP: n.backup, FAULT: n.fault, STOP: n.stop }[state];
    const runs = [
      ...(specific ? [specific] : []),
      ...(n.generic ? [[...n.generic, 'INSTANCE', r.cfg.name, state, String(r.state.priority)]] : []),
    ];
    for (const argv of runs) {
      this.log('notify', { instance: r.cfg.name, state, command: argv.join(' ') });
      const run = this.io.runScript(argv, state === 'STOP' ? NOTIFY_STOP_TIMEOUT_MS : undefined).then((o) => {
        if (!o.ok) this.log('notify_failed', { instance: r.cfg.name, state, how: o.how, detail: o.detail });
      });
      if (state === 'STOP') {
        this.stopNotifies.add(run);
        void run.then(() => this.stopNotifies.delete(run));
      }
    }
  }

  private act(r: Running, a: Action): void {
    const inst = r.cfg;
    switch (a.type) {
      case 'transition':
        if (a.to === 'master') r.stats.becameMaster++;
        if (a.from === 'master') r.stats.releasedMaster++;
        this.log('transition', {
          instance: inst.name,
          vrid: inst.vrid,
          from: a.from,
          to: a.to,
          reason: a.reason,
          priority: r.state.priority,
        });
        return;
      case 'send_advert':
        this.sendAdvert(r, a.priority);
        return;
      case 'add_vips':
        for (const v of [...inst.vips, ...inst.vipsExcluded]) this.io.addAddress(v);
        return;
      case 'del_vips':
        for (const v of [...inst.vips, ...inst.vipsExcluded]) this.io.deleteAddress(v);
        return;
      case 'send_garp':
      case 'send_na':
        this.announce(r, a.count);
        return;
      case 'arm': {
        const replace = r.timers.get(a.timer) ?? r.spent.get(a.timer);
        r.spent.delete(a.timer);
        const early = a.timer === 'advert' ? advertEarlyMs(r.state.params.advertIntMs) : 0;
        r.timers.set(a.timer, this.io.setTimer(a.atMs, this.timerCallback(r, a.timer), replace, early));
        return;
      }
      case 'cancel': {
        const h = r.timers.get(a.timer);
        if (h === undefined) return;
        this.io.clearTimer(h);
        r.timers.delete(a.timer);
        r.spent.set(a.timer, h);
        return;
      }
    }
  }

  private timerCallback(r: Running, timer: TimerName): (dueMs: number, instantMs?: number) => void {
    let fn = r.onTimer.get(timer);
    if (!fn) {
      fn = (dueMs, instantMs) => this.timerFired(r, timer, dueMs, instantMs);
      r.onTimer.set(timer, fn);
    }
    return fn;
  }

  private timerFired(r: Running, timer: TimerName, dueMs: number, instantMs?: number): void {
    const lateUs = (this.io.now() - dueMs) * 1000;
    let i = 0;
    while (i < LATENESS_BUCKETS.length && lateUs >= (LATENESS_BUCKETS[i] as number)) i++;
    this.lateness[i] = (this.lateness[i] ?? 0) + 1;
    const h = r.timers.get(timer);
    r.timers.delete(timer);
    if (h !== undefined) r.spent.set(timer, h);
    if (this.stopped) return;
    // Adverts that arrived but wait in the socket (received in batches) count before the timer does:
    // one may re-arm or cancel it, and then this expiry is stale. Not for a master's advert timer: a
    // master's socket is not batched (what came is read as soon as this wake-up ends), and one advert
    // sent before a better master's is read changes nothing.
    if (timer !== 'advert') r.socket.drain?.();
    if (r.state.timers[timer] !== dueMs || r.timers.has(timer)) return;
    // The advert timer steps at its due time, so that one late wake-up does not shift the grid; a
    // transition (master-down, preempt_delay, a GARP repeat) at the time it really happens, so that the
    // timers it arms (the next advert, garp_master_delay) count from what the wire sees. "When it
    // happens" is the wake-up's instant: instances that take over in one wake-up advertise in step
    // afterwards, one wake-up a period for all of them (keepalived's time_now, read once per loop).
    const at = timer === 'advert' ? dueMs : Math.max(dueMs, instantMs ?? this.io.now());
    this.feed(r, { type: 'timer', timer }, at);
  }

  private sendAdvert(r: Running, priority: number): void {
    const inst = r.cfg;
    const via = this.via(inst);
    if (inst.unicastPeers.length === 0) {
      r.socket.send(this.advertMessage(r, priority, 0, this.groupOf(r)), r.primary, undefined, via);
      r.stats.advertsSent++;
      return;
    }
    for (let i = 0; i < inst.unicastPeers.length; i++) {
      const dst = inst.unicastPeers[i] as string;
      r.socket.send(this.advertMessage(r, priority, i, dst), r.primary, dst, via);
      r.stats.advertsSent++;
    }
  }

  /**
   * The advert for one destination (the i-th target), encoded once: the message depends on the priority
   * and the destination (the v3 checksum covers it); the rest only changes on a reload, which empties
   * the cache.
   */
  private advertMessage(r: Running, priority: number, i: number, dst: string): Buffer {
    const key = priority * 0x10000 + i;
    let msg = r.encoded.get(key);
    if (!msg) {
      const inst = r.cfg;
      msg = encodeVrrp(
        {
          version: inst.version,
          vrid: inst.vrid,
          priority,
          addresses: inst.vips.map((v) => v.address),
          intervalMs: r.state.params.advertIntMs,
          ...(inst.version === 2 && inst.password !== undefined ? { password: inst.password } : {}),
        },
        { family: inst.family, src: r.primary, dst },
      );
      r.encoded.set(key, msg);
    }
    return msg;
  }

  private announce(r: Running, count: number): void {
    for (const v of [...r.cfg.vips, ...r.cfg.vipsExcluded]) {
      const mac = this.io.getLink(v.dev)?.mac;
      if (!mac) continue;
      const frame = v.family === 4 ? gratuitousArp(mac, v.address) : unsolicitedNa(mac, v.address);
      for (let i = 0; i < count; i++) this.io.sendFrame(v.dev, frame);
    }
  }
}
