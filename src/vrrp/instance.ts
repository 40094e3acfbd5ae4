/**
 * The VRRP state machine of one instance (VRRPv2 RFC 3768, VRRPv3 RFC 5798 / RFC 9568; IPv4 and IPv6),
 * sans-IO in the style of holo-vrrp: `step(state, event, nowMs) → { state, actions }` is pure. The clock
 * is passed in; timers are actions (`arm` with an absolute time, `cancel`) that the driver schedules and
 * feeds back as `timer` events. No I/O, no timers, no clock, no `node:` imports here.
 *
 * keepalived 2.2.7 semantics encoded (see the report of issue 4 for the uncertain points):
 * - startup: priority 255 (address owner) → MASTER at once, unless configured `state BACKUP`; anyone
 *   else → BACKUP "(init)" with the master-down timer armed, `state MASTER` included; `state MASTER`
 *   clears preempt_delay.
 * - track_interface weight W: W > 0 is added while the interface is up, W < 0 while it is down;
 *   effective priority clamped to 1..254 (an owner stays 255); no weight / weight 0 → FAULT while down.
 * - track_script (vrrp_track.c): the same weights on the script's result (reversed with `reverse`), but
 *   a script starts unknown: it moves the priority only once it has reported, and a weight-0 script keeps
 *   the instance in FAULT until its first success (`init_fail`: it starts as failed instead).
 * - FAULT: a master entering FAULT sends priority 0 and deletes its VIPs; leaving FAULT → BACKUP
 *   (the owner → MASTER), with preempt_delay fresh.
 * - becoming MASTER: advert first, then VIPs and the GARP/NA burst (vrrp_state_master_tx's order).
 * - preempt_delay (vrrp_state_backup): starts at the first lower priority advert, which is accepted like
 *   any advert while the delay runs; once it is over, lower adverts are discarded and the master-down
 *   timer runs out from the last one accepted. An equal or higher advert stops the delay.
 * - a master hearing a lower priority sends an advert at once (RFC 9568; keepalived's default) when
 *   `lowerPrioImmediateAdvert` is set; RFC 5798 discards it.
 */
import { parseIp } from './addr.js';
import type { VrrpAdvert } from './packet.js';
import { masterDownMs, skewMs } from './timers.js';

export type VrrpState = 'init' | 'backup' | 'master' | 'fault';
export const VRRP_STATES: readonly VrrpState[] = ['init', 'backup', 'master', 'fault'];

export const TIMER_NAMES = ['master_down', 'advert', 'preempt_delay', 'garp_delay', 'garp_refresh'] as const;
export type TimerName = (typeof TIMER_NAMES)[number];

/** keepalived defaults */
export const DEFAULT_GARP_MASTER_DELAY_S = 5;
export const DEFAULT_GARP_MASTER_REPEAT = 5;
export const DEFAULT_GARP_MASTER_REFRESH_REPEAT = 1;
export const PRIORITY_OWNER = 255;
export const PRIORITY_STOP = 0;

/**
 * An instance's configuration. Field names and units (seconds) follow `VrrpInstanceConfig` from
 * src/keepalived/config/vrrp.ts, so `{ ...vrrpInstanceConfig, primaryAddress, family }` is one; the
 * extra fields are what keepalived.conf does not give that extractor (or defaults).
 */
export interface InstanceConfig {
  name: string;
  state?: 'MASTER' | 'BACKUP' | undefined;
  /** 1..255; 255 = address owner */
  priority: number;
  /** seconds, may be fractional (v3: centisecond resolution) */
  advertInt: number;
  /** undefined → 2, as keepalived */
  version?: 2 | 3 | undefined;
  nopreempt?: boolean | undefined;
  /** seconds; cleared when `state` is MASTER */
  preemptDelay?: number | undefined;
  /** seconds between the first and the second GARP/NA burst; undefined → 5, 0 → no second burst */
  garpMasterDelay?: number | undefined;
  dontTrackPrimary?: boolean | undefined;
  trackInterfaces?: readonly { name: string; weight?: number | undefined }[] | undefined;
  /** track_script entries: the result of each comes as a `script` event */
  trackScripts?: readonly TrackedScript[] | undefined;
  /** this router's primary address on the VRRP interface (for the equal-priority tie) */
  primaryAddress: string;
  family: 4 | 6;
  /** GARP/NA messages per burst; undefined → 5 */
  garpMasterRepeat?: number | undefined;
  /** seconds between periodic GARP/NA bursts while master; undefined/0 → off */
  garpMasterRefresh?: number | undefined;
  /** messages per periodic burst; undefined → 1 */
  garpMasterRefreshRepeat?: number | undefined;
  /**
   * RFC 9568 §6.4.3: a master hearing a lower priority advert sends one at once (default false: discard,
   * RFC 5798). keepalived does it unless `lower_prio_no_advert`.
   */
  lowerPrioImmediateAdvert?: boolean | undefined;
  /** keepalived garp_lower_prio_repeat: GARP/NA messages a master sends on hearing a lower priority (default 0) */
  garpLowerPrioRepeat?: number | undefined;
}

export interface TrackedScript {
  name: string;
  /** 0: FAULT while failing; > 0 added while it succeeds; < 0 added while it fails */
  weight: number;
  /** the result counts the other way round */
  reverse?: boolean | undefined;
  /** keepalived's init_fail: failed until its first success, not unknown */
  initFail?: boolean | undefined;
}

/** The configuration resolved to what the machine uses (milliseconds, defaults applied). */
export interface InstanceParams {
  name: string;
  version: 2 | 3;
  family: 4 | 6;
  primaryAddress: string;
  advertIntMs: number;
  preempt: boolean;
  preemptDelayMs: number;
  garpDelayMs: number;
  garpRepeat: number;
  garpRefreshMs: number;
  garpRefreshRepeat: number;
  trackPrimary: boolean;
  tracks: readonly { name: string; weight: number }[];
  scripts: readonly TrackedScript[];
  lowerPrioImmediateAdvert: boolean;
  garpLowerPrioRepeat: number;
  /**
   * keepalived (vrrp_init_state): priority 255 with `state MASTER` (or no state) is MASTER at once; an
   * owner configured `state BACKUP` waits for its Master_Down_Interval like anyone else.
   */
  ownerStart: boolean;
}

export interface InstanceState {
  readonly params: InstanceParams;
  readonly state: VrrpState;
  /** configured priority (changed by `priority` events) */
  readonly basePriority: number;
  /** effective priority: base adjusted by track_interface weights */
  readonly priority: number;
  /** v3: the interval the current master advertises (own interval until one is heard) */
  readonly masterAdverIntervalMs: number;
  /** priority of the last advert heard while backup */
  readonly masterPriority: number | undefined;
  readonly ifaceUp: boolean;
  /** tracked interfaces currently down (configured names only), sorted */
  readonly tracksDown: readonly string[];
  /** tracked scripts whose (reverse-adjusted) result is failure, sorted */
  readonly scriptsDown: readonly string[];
  /** tracked scripts that have not reported yet, sorted */
  readonly scriptsPending: readonly string[];
  /** in FAULT because the sync group is */
  readonly syncFault: boolean;
  /**
   * preempt_delay has run out: the next lower priority advert is discarded, so the master-down timer runs
   * out from the last one accepted (keepalived's `preempt_time` in the past)
   */
  readonly preemptDelayOver: boolean;
  /** armed timers: absolute due time in ms */
  readonly timers: Readonly<Partial<Record<TimerName, number>>>;
}

export type InstanceEvent =
  | { type: 'startup' }
  | { type: 'shutdown' }
  | { type: 'advert'; advert: VrrpAdvert; src: string }
  | { type: 'timer'; timer: TimerName }
  | { type: 'iface'; up: boolean }
  | { type: 'track'; name: string; up: boolean }
  /** a tracked script's result changed (or its first one came): `ok` as the script says, before reverse */
  | { type: 'script'; name: string; ok: boolean }
  | { type: 'priority'; priority: number }
  /** a transition forced by the sync group (see {@link syncGroupStep}) */
  | { type: 'sync'; to: 'master' | 'backup' | 'fault'; reason?: string };

export type Action =
  | { type: 'send_advert'; priority: number }
  | { type: 'send_garp' | 'send_na'; count: number }
  | { type: 'add_vips' }
  | { type: 'del_vips' }
  | { type: 'arm'; timer: TimerName; atMs: number }
  | { type: 'cancel'; timer: TimerName }
  | { type: 'transition'; from: VrrpState; to: VrrpState; reason: string };

export interface StepResult {
  state: InstanceState;
  actions: Action[];
}

const ms = (s: number | undefined, dflt: number): number =>
  s === undefined || !Number.isFinite(s) || s < 0 ? dflt : Math.round(s * 1000);

/** Resolves the configuration; throws a RangeError on values no keepalived.conf can give. */
export function resolveParams(cfg: InstanceConfig): InstanceParams {
  if (!Number.isInteger(cfg.priority) || cfg.priority < 1 || cfg.priority > 255) {
    throw new RangeError(`(${cfg.name}) priority ${cfg.priority} is not 1..255`);
  }
  const advertIntMs = Math.round(cfg.advertInt * 1000);
  if (!Number.isFinite(advertIntMs) || advertIntMs <= 0) {
    throw new RangeError(`(${cfg.name}) advert_int ${cfg.advertInt} is not positive`);
  }
  if (parseIp(cfg.primaryAddress, cfg.family) === undefined) {
    throw new RangeError(`(${cfg.name}) primary address ${cfg.primaryAddress} is not IPv${cfg.family}`);
  }
  // keepalived's wantstate: `state`, or MASTER for an address owner that gives none
  const wantMaster = cfg.state === 'MASTER' || (cfg.state === undefined && cfg.priority === PRIORITY_OWNER);
  return {
    name: cfg.name,
    version: cfg.version ?? 2,
    family: cfg.family,
    primaryAddress: cfg.primaryAddress,
    advertIntMs,
    // keepalived (vrrp_complete_instance) clears both for an instance that starts as MASTER ("... will not
    // work with initial state MASTER - clearing"), and nopreempt for an address owner.
    preempt: !cfg.nopreempt || wantMaster || cfg.priority === PRIORITY_OWNER,
    preemptDelayMs: wantMaster ? 0 : ms(cfg.preemptDelay, 0),
    garpDelayMs: ms(cfg.garpMasterDelay, DEFAULT_GARP_MASTER_DELAY_S * 1000),
    garpRepeat: cfg.garpMasterRepeat ?? DEFAULT_GARP_MASTER_REPEAT,
    garpRefreshMs: ms(cfg.garpMasterRefresh, 0),
    garpRefreshRepeat: cfg.garpMasterRefreshRepeat ?? DEFAULT_GARP_MASTER_REFRESH_REPEAT,
    trackPrimary: !cfg.dontTrackPrimary,
    tracks: (cfg.trackInterfaces ?? []).map((t) => ({ name: t.name, weight: t.weight ?? 0 })),
    scripts: cfg.trackScripts ?? [],
    lowerPrioImmediateAdvert: cfg.lowerPrioImmediateAdvert ?? false,
    garpLowerPrioRepeat: cfg.garpLowerPrioRepeat ?? 0,
    ownerStart: cfg.priority === PRIORITY_OWNER && cfg.state !== 'BACKUP',
  };
}

type Tracked = Pick<InstanceState, 'tracksDown' | 'scriptsDown' | 'scriptsPending'>;

function effectivePriority(base: number, params: InstanceParams, t: Tracked): number {
  if (base >= PRIORITY_OWNER) return PRIORITY_OWNER;
  let p = base;
  const weigh = (weight: number, down: boolean) => {
    if (weight > 0 && !down) p += weight;
    if (weight < 0 && down) p += weight;
  };
  for (const i of params.tracks) weigh(i.weight, t.tracksDown.includes(i.name));
  // a script that has not reported moves nothing either way
  for (const sc of params.scripts)
    if (!t.scriptsPending.includes(sc.name)) weigh(sc.weight, t.scriptsDown.includes(sc.name));
  return Math.min(254, Math.max(1, p));
}

/** FAULT caused by this instance's own interfaces and scripts (not by its sync group). */
export function ownFault(s: InstanceState): boolean {
  if (!s.ifaceUp && s.params.trackPrimary) return true;
  if (s.params.tracks.some((t) => t.weight === 0 && s.tracksDown.includes(t.name))) return true;
  return s.params.scripts.some(
    (sc) => sc.weight === 0 && (s.scriptsDown.includes(sc.name) || s.scriptsPending.includes(sc.name)),
  );
}

/** Scripts at start: unknown until they report, or failed with init_fail. */
function initialScripts(params: InstanceParams): Pick<Tracked, 'scriptsDown' | 'scriptsPending'> {
  const names = (f: (sc: TrackedScript) => boolean) =>
    params.scripts
      .filter(f)
      .map((sc) => sc.name)
      .sort();
  return { scriptsDown: names((sc) => !!sc.initFail), scriptsPending: names((sc) => !sc.initFail) };
}

export function initialState(cfg: InstanceConfig): InstanceState {
  const params = resolveParams(cfg);
  return {
    params,
    state: 'init',
    basePriority: cfg.priority,
    priority: effectivePriority(cfg.priority, params, { tracksDown: [], ...initialScripts(params) }),
    masterAdverIntervalMs: params.advertIntMs,
    masterPriority: undefined,
    ifaceUp: true,
    tracksDown: [],
    ...initialScripts(params),
    syncFault: false,
    preemptDelayOver: false,
    timers: {},
  };
}

/** Master_Down_Interval of this instance now (own effective priority, current Master_Adver_Interval). */
export function masterDownIntervalMs(s: InstanceState): number {
  return masterDownMs(s.params.version, s.priority, s.masterAdverIntervalMs);
}

export function skewTimeMs(s: InstanceState): number {
  return skewMs(s.params.version, s.priority, s.masterAdverIntervalMs);
}

/** Unsigned big-endian comparison of two addresses of the instance's family; NaN-free, unparseable = lowest. */
function compareAddresses(a: string, b: string, family: 4 | 6): number {
  const x = parseIp(a.split('%')[0] ?? '', family)?.bytes;
  const y = parseIp(b.split('%')[0] ?? '', family)?.bytes;
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Copies field by field (not spread): every step makes one, and a literal of fixed shape is several
// times cheaper than a spread. The types make a field left out here a compile error.
function copyTimers(t: InstanceState['timers']): Record<TimerName, number | undefined> {
  return {
    master_down: t.master_down,
    advert: t.advert,
    preempt_delay: t.preempt_delay,
    garp_delay: t.garp_delay,
    garp_refresh: t.garp_refresh,
  };
}

function copyState(s: InstanceState, timers: Partial<Record<TimerName, number>>): Mutable<InstanceState> {
  const copy: { [K in keyof InstanceState]-?: Mutable<InstanceState>[K] } = {
    params: s.params,
    state: s.state,
    basePriority: s.basePriority,
    priority: s.priority,
    masterAdverIntervalMs: s.masterAdverIntervalMs,
    masterPriority: s.masterPriority,
    ifaceUp: s.ifaceUp,
    tracksDown: s.tracksDown,
    scriptsDown: s.scriptsDown,
    scriptsPending: s.scriptsPending,
    syncFault: s.syncFault,
    preemptDelayOver: s.preemptDelayOver,
    timers,
  };
  return copy;
}

class Ctx {
  readonly s: Mutable<InstanceState>;
  readonly actions: Action[] = [];
  private readonly timers: Partial<Record<TimerName, number>>;

  constructor(
    state: InstanceState,
    readonly now: number,
  ) {
    this.timers = copyTimers(state.timers);
    this.s = copyState(state, this.timers);
  }

  get p(): InstanceParams {
    return this.s.params;
  }

  arm(timer: TimerName, afterMs: number): void {
    const atMs = this.now + afterMs;
    this.timers[timer] = atMs;
    this.actions.push({ type: 'arm', timer, atMs });
  }

  cancel(...timers: TimerName[]): void {
    for (const timer of timers) {
      if (this.timers[timer] === undefined) continue;
      // undefined rather than delete: a deleted key turns the object into a slow dictionary
      this.timers[timer] = undefined;
      this.actions.push({ type: 'cancel', timer });
    }
  }

  cancelAll(): void {
    this.cancel(...TIMER_NAMES);
  }

  transition(to: VrrpState, reason: string): void {
    this.actions.push({ type: 'transition', from: this.s.state, to, reason });
    this.s.state = to;
  }

  sendAdvert(priority: number): void {
    this.actions.push({ type: 'send_advert', priority });
  }

  /** advert now and Adver_Timer reset */
  advertNow(): void {
    this.sendAdvert(this.s.priority);
    this.arm('advert', this.p.advertIntMs);
  }

  garp(count: number): void {
    if (count > 0) this.actions.push({ type: this.p.family === 4 ? 'send_garp' : 'send_na', count });
  }

  /**
   * keepalived's order (vrrp_state_master_tx): the advert first, so that an old master still holding the
   * VIPs steps down before the GARPs move them; then the VIPs, the GARP/NA burst, and the timers.
   */
  becomeMaster(reason: string): void {
    this.transition('master', reason);
    this.cancel('master_down', 'preempt_delay');
    this.s.preemptDelayOver = false;
    this.s.masterPriority = undefined;
    this.advertNow();
    this.actions.push({ type: 'add_vips' });
    this.garp(this.p.garpRepeat);
    if (this.p.garpDelayMs > 0) this.arm('garp_delay', this.p.garpDelayMs);
    if (this.p.garpRefreshMs > 0) this.arm('garp_refresh', this.p.garpRefreshMs);
  }

  /** Every state change lists its `transition` first, then what it does. */
  private leaveMaster(sendStop: boolean): void {
    if (sendStop) this.sendAdvert(PRIORITY_STOP);
    this.actions.push({ type: 'del_vips' });
    this.cancel('advert', 'garp_delay', 'garp_refresh');
  }

  becomeBackup(reason: string): void {
    const wasMaster = this.s.state === 'master';
    this.transition('backup', reason);
    if (wasMaster) this.leaveMaster(false);
    this.cancel('preempt_delay');
    this.s.preemptDelayOver = false;
    this.arm('master_down', masterDownIntervalMs(this.s));
  }

  /** keepalived 2.2.7 (measured): a master entering FAULT sends priority 0 and deletes its VIPs. */
  becomeFault(reason: string): void {
    const wasMaster = this.s.state === 'master';
    this.transition('fault', reason);
    if (wasMaster) this.leaveMaster(true);
    this.cancel('master_down', 'preempt_delay');
    this.s.preemptDelayOver = false;
    this.s.masterPriority = undefined;
  }

  /**
   * keepalived (vrrp_state_leave_fault): back to BACKUP with its own interval and a fresh preempt_delay
   * (it starts again at the next lower priority advert); an owner that starts as MASTER goes MASTER.
   */
  leaveFault(reason: string, toBackup = false): void {
    this.s.masterAdverIntervalMs = this.p.advertIntMs;
    if (this.p.ownerStart && this.s.basePriority >= PRIORITY_OWNER && !toBackup) this.becomeMaster(reason);
    else this.becomeBackup(reason);
  }

  setPriority(base: number, tracked: Partial<Tracked> = {}): void {
    this.s.basePriority = base;
    Object.assign(this.s, tracked);
    this.s.priority = effectivePriority(base, this.p, this.s);
  }

  /**
   * After an interface / track / priority change: FAULT in or out, or a new priority advertised. A member
   * forced into FAULT by its sync group stays there unless its own fault is what just cleared (the group
   * then decides, see {@link syncGroupStep}).
   */
  reevaluate(reason: string, oldPriority: number, wasOwnFault: boolean): void {
    const st = this.s.state;
    if (st === 'init') return;
    const own = ownFault(this.s);
    if (own && st !== 'fault') this.becomeFault(reason);
    else if (!own && st === 'fault' && (wasOwnFault || !this.s.syncFault)) {
      this.s.syncFault = false;
      this.leaveFault(reason);
    } else if (st === 'master' && this.s.priority !== oldPriority) this.advertNow();
  }
}

function onStartup(c: Ctx): void {
  if (c.s.state !== 'init') return;
  c.s.masterAdverIntervalMs = c.p.advertIntMs;
  c.s.masterPriority = undefined;
  if (ownFault(c.s) || c.s.syncFault) c.transition('fault', 'init');
  else if (c.p.ownerStart && c.s.basePriority >= PRIORITY_OWNER) c.becomeMaster('owner');
  else c.becomeBackup('init');
}

function onShutdown(c: Ctx): void {
  const st = c.s.state;
  if (st === 'init') return;
  c.transition('init', 'shutdown');
  if (st === 'master') {
    c.sendAdvert(PRIORITY_STOP);
    c.actions.push({ type: 'del_vips' });
  }
  c.cancelAll();
  c.s.masterPriority = undefined;
}

function onAdvert(c: Ctx, advert: VrrpAdvert, src: string): void {
  const s = c.s;
  const theirs = advert.priority;
  if (s.state === 'backup') {
    if (theirs === PRIORITY_STOP) {
      // RFC 5798 §6.4.2: Master_Down_Timer = Skew_Time
      s.masterPriority = PRIORITY_STOP;
      c.arm('master_down', skewTimeMs(s));
      return;
    }
    // keepalived 2.2.7 (vrrp_state_backup): with preempt_delay, lower priority adverts are accepted until
    // the delay is over; then they are discarded and the master-down timer runs out from the last one.
    const delaying = c.p.preemptDelayMs > 0 && !s.preemptDelayOver;
    if (!c.p.preempt || theirs >= s.priority || delaying) {
      if (c.p.version === 3 && advert.intervalMs > 0) s.masterAdverIntervalMs = advert.intervalMs;
      s.masterPriority = theirs;
      c.arm('master_down', masterDownIntervalMs(s));
      if (c.p.preempt && c.p.preemptDelayMs > 0) {
        if (theirs >= s.priority) {
          c.cancel('preempt_delay');
          s.preemptDelayOver = false;
        } else if (s.timers.preempt_delay === undefined) c.arm('preempt_delay', c.p.preemptDelayMs);
      }
    }
    // else: lower priority, preempting: discard; the master-down timer runs out.
    return;
  }
  if (s.state === 'master') {
    if (theirs === PRIORITY_STOP) {
      c.advertNow();
      return;
    }
    const cmp = theirs - s.priority;
    const addr = cmp === 0 ? compareAddresses(src, c.p.primaryAddress, c.p.family) : 0;
    if (cmp > 0 || addr > 0) {
      if (c.p.version === 3 && advert.intervalMs > 0) s.masterAdverIntervalMs = advert.intervalMs;
      s.masterPriority = theirs;
      c.becomeBackup(cmp > 0 ? 'higher_priority' : 'equal_priority_higher_address');
    } else if (cmp < 0 || addr < 0) {
      // keepalived (vrrp_state_master_rx): advert unless lower_prio_no_advert, then a GARP/NA burst
      if (c.p.lowerPrioImmediateAdvert) c.advertNow();
      c.garp(c.p.garpLowerPrioRepeat);
    }
  }
  // init, fault: not listening.
}

function onTimer(c: Ctx, timer: TimerName): void {
  const s = c.s;
  // A timer that is not armed (cancelled, or superseded and delivered late) is stale: ignore it.
  if (s.timers[timer] === undefined) return;
  (s.timers as Partial<Record<TimerName, number>>)[timer] = undefined;
  switch (timer) {
    case 'master_down':
      if (s.state === 'backup') c.becomeMaster('master_down_timer');
      return;
    case 'advert':
      if (s.state === 'master') c.advertNow();
      return;
    case 'preempt_delay':
      if (s.state === 'backup') s.preemptDelayOver = true;
      return;
    case 'garp_delay':
      if (s.state === 'master') c.garp(c.p.garpRepeat);
      return;
    case 'garp_refresh':
      if (s.state === 'master') {
        c.garp(c.p.garpRefreshRepeat);
        c.arm('garp_refresh', c.p.garpRefreshMs);
      }
      return;
  }
}

function onSync(c: Ctx, to: 'master' | 'backup' | 'fault', reason: string): void {
  const s = c.s;
  if (to === 'fault') {
    s.syncFault = true;
    if (s.state === 'backup' || s.state === 'master') c.becomeFault(reason);
  } else if (to === 'backup') {
    s.syncFault = false;
    if (s.state === 'master') c.becomeBackup(reason);
    else if (s.state === 'fault' && !ownFault(s)) c.leaveFault(reason, true);
  } else if (s.state === 'backup') {
    c.becomeMaster(reason);
  } else if (s.state === 'fault' && !ownFault(s)) {
    s.syncFault = false;
    c.becomeMaster(reason);
  }
}

/** One step of the machine. Pure and total: never throws, never mutates `state`. */
export function step(state: InstanceState, event: InstanceEvent, nowMs: number): StepResult {
  const c = new Ctx(state, nowMs);
  const old = state.priority;
  const wasOwn = ownFault(state);
  switch (event.type) {
    case 'startup':
      onStartup(c);
      break;
    case 'shutdown':
      onShutdown(c);
      break;
    case 'advert':
      onAdvert(c, event.advert, event.src);
      break;
    case 'timer':
      onTimer(c, event.timer);
      break;
    case 'iface':
      c.s.ifaceUp = event.up;
      c.reevaluate(event.up ? 'interface_up' : 'interface_down', old, wasOwn);
      break;
    case 'track': {
      if (!c.p.tracks.some((t) => t.name === event.name)) break;
      const down = c.s.tracksDown.filter((n) => n !== event.name);
      if (!event.up) down.push(event.name);
      down.sort();
      c.setPriority(c.s.basePriority, { tracksDown: down });
      c.reevaluate(`track_interface ${event.name} ${event.up ? 'up' : 'down'}`, old, wasOwn);
      break;
    }
    case 'script': {
      const sc = c.p.scripts.find((t) => t.name === event.name);
      if (!sc) break;
      const failed = event.ok === !!sc.reverse;
      const down = c.s.scriptsDown.filter((n) => n !== sc.name);
      if (failed) down.push(sc.name);
      down.sort();
      c.setPriority(c.s.basePriority, {
        scriptsDown: down,
        scriptsPending: c.s.scriptsPending.filter((n) => n !== sc.name),
      });
      c.reevaluate(`track_script ${sc.name} ${failed ? 'failed' : 'ok'}`, old, wasOwn);
      break;
    }
    case 'priority':
      if (!Number.isInteger(event.priority) || event.priority < 1 || event.priority > 255) break;
      c.setPriority(event.priority);
      c.reevaluate('priority', old, wasOwn);
      break;
    case 'sync':
      onSync(c, event.to, event.reason ?? 'sync_group');
      break;
  }
  return { state: c.s, actions: c.actions };
}

/**
 * A reload (SIGHUP) that keeps the instance's state: the new configuration's timers and priority take
 * effect without a new election. A master advertises its new priority at once; a backup's master-down
 * timer restarts with the new interval; a change of tracked interfaces or priority may move it in or out
 * of FAULT as any such change does.
 */
export function reconfigure(state: InstanceState, cfg: InstanceConfig, nowMs: number): StepResult {
  const params = resolveParams(cfg);
  const tracksDown = state.tracksDown.filter((n) => params.tracks.some((t) => t.name === n));
  // a script kept across the reload keeps its result; a new one starts as at start-up
  const known = (n: string) => state.params.scripts.some((sc) => sc.name === n);
  const fresh = initialScripts({ ...params, scripts: params.scripts.filter((sc) => !known(sc.name)) });
  const kept = (list: readonly string[]) => list.filter((n) => params.scripts.some((sc) => sc.name === n));
  const scriptsDown = [...kept(state.scriptsDown), ...fresh.scriptsDown].sort();
  const scriptsPending = [...kept(state.scriptsPending), ...fresh.scriptsPending].sort();
  const wasOwn = ownFault(state);
  const c = new Ctx(
    {
      ...state,
      params,
      masterAdverIntervalMs: state.state === 'backup' ? state.masterAdverIntervalMs : params.advertIntMs,
    },
    nowMs,
  );
  const old = state.priority;
  c.setPriority(cfg.priority, { tracksDown, scriptsDown, scriptsPending });
  const st = c.s.state;
  if (st === 'backup' && params.advertIntMs !== state.params.advertIntMs) {
    if (params.version === 2) c.s.masterAdverIntervalMs = params.advertIntMs;
    c.arm('master_down', masterDownIntervalMs(c.s));
  }
  if (st === 'master' && params.advertIntMs !== state.params.advertIntMs) c.advertNow();
  c.reevaluate('reload', old, wasOwn);
  return { state: c.s, actions: c.actions };
}

// ---------------------------------------------------------------------------------------------------
// Sync groups

export interface MemberTransition {
  /** the member's instance name */
  instance: string;
  from: VrrpState;
  to: VrrpState;
}

export interface ForcedTransition {
  instance: string;
  event: Extract<InstanceEvent, { type: 'sync' }>;
}

/**
 * keepalived's vrrp_sync_group, given one member's transition and the members' states (after it): the
 * `sync` events to feed to members so the group moves together. Member → MASTER: the BACKUP members
 * follow. MASTER → BACKUP: the MASTER members follow. Member → FAULT: the whole group goes FAULT.
 * Leaving FAULT: if another member is in FAULT on its own account the group stays FAULT (this member
 * is sent back), else the other members follow it (to BACKUP, or to MASTER for an owner). Forced transitions are not fed back here.
 */
export function syncGroupStep(
  groupName: string,
  members: readonly InstanceState[],
  change: MemberTransition,
): ForcedTransition[] {
  const reason = `sync_group ${groupName}`;
  const others = members.filter((m) => m.params.name !== change.instance);
  const force = (ms: readonly InstanceState[], to: 'master' | 'backup' | 'fault'): ForcedTransition[] =>
    ms.map((m) => ({ instance: m.params.name, event: { type: 'sync', to, reason } }));
  if (change.to === 'fault') {
    return force(
      others.filter((m) => m.state === 'backup' || m.state === 'master'),
      'fault',
    );
  }
  if (change.from === 'fault' && change.to !== 'init') {
    if (others.some((m) => m.state === 'fault' && ownFault(m))) {
      return [{ instance: change.instance, event: { type: 'sync', to: 'fault', reason } }];
    }
    // FAULT → BACKUP: the FAULT members follow; FAULT → MASTER (an owner): everyone follows.
    const follow = others.filter(
      (m) => m.state === 'fault' || (change.to === 'master' && m.state === 'backup'),
    );
    return force(follow, change.to === 'master' ? 'master' : 'backup');
  }
  if (change.to === 'master') {
    return force(
      others.filter((m) => m.state === 'backup'),
      'master',
    );
  }
  if (change.from === 'master' && change.to === 'backup') {
    return force(
      others.filter((m) => m.state === 'master'),
      'backup',
    );
  }
  return [];
}
