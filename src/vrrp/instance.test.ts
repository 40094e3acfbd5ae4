import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VrrpInstanceConfig } from '../keepalived/config/vrrp.js';
import { masterDownMs as expectMasterDown, skewMs as expectSkew } from '../timeline/expect.js';
import {
  type Action,
  type InstanceConfig,
  type InstanceEvent,
  type InstanceState,
  initialState,
  reconfigure,
  step,
  syncGroupStep,
  TIMER_NAMES,
  VRRP_STATES,
} from './instance.js';
import type { VrrpAdvert } from './packet.js';
import { masterDownMs, skewMs } from './timers.js';

const base: InstanceConfig = {
  name: 'VI_1',
  priority: 100,
  advertInt: 1,
  version: 2,
  primaryAddress: '192.0.2.2',
  family: 4,
};

const adv = (priority: number, intervalMs = 1000, version: 2 | 3 = 2): VrrpAdvert => ({
  version,
  type: 1,
  vrid: 51,
  priority,
  addresses: ['192.0.2.100'],
  intervalMs,
  checksum: 0,
  count: 1,
});

const advert = (
  priority: number,
  src = '192.0.2.9',
  intervalMs = 1000,
  version: 2 | 3 = 2,
): InstanceEvent => ({
  type: 'advert',
  advert: adv(priority, intervalMs, version),
  src,
});
const timer = (t: (typeof TIMER_NAMES)[number]): InstanceEvent => ({ type: 'timer', timer: t });
const START: InstanceEvent = { type: 'startup' };

type Input = [atMs: number, event: InstanceEvent];

/** Runs the inputs; returns the final state and, per input, [time, actions]. */
function run(
  cfgOrState: InstanceConfig | InstanceState,
  inputs: Input[],
): { state: InstanceState; log: [number, Action[]][] } {
  let state = 'params' in cfgOrState ? cfgOrState : initialState(cfgOrState);
  const log: [number, Action[]][] = [];
  for (const [at, ev] of inputs) {
    const r = step(state, ev, at);
    state = r.state;
    log.push([at, r.actions]);
  }
  return { state, log };
}

const tr = (from: string, to: string, reason: string): Action =>
  ({ type: 'transition', from, to, reason }) as Action;
const arm = (t: (typeof TIMER_NAMES)[number], atMs: number): Action => ({ type: 'arm', timer: t, atMs });
const cancel = (t: (typeof TIMER_NAMES)[number]): Action => ({ type: 'cancel', timer: t });
const send = (priority: number): Action => ({ type: 'send_advert', priority });
const garp = (count: number): Action => ({ type: 'send_garp', count });
const ADD: Action = { type: 'add_vips' };
const DEL: Action = { type: 'del_vips' };

/** What becoming master at `t` does with the defaults (v2/IPv4, 1 s interval, garp delay 5 s). */
const becomeMaster = (t: number, prio: number, reason: string, from = 'backup'): Action[] => [
  tr(from, 'master', reason),
  send(prio),
  arm('advert', t + 1000),
  ADD,
  garp(5),
  arm('garp_delay', t + 5000),
];

/** A v2 p100 backup started at 0 (master_down due 3609.375). */
const backup100 = () => run(base, [[0, START]]).state;
/** A v2 p100 master (took over at 3609.375). */
const master100 = () =>
  run(base, [
    [0, START],
    [3609.375, timer('master_down')],
  ]).state;

describe('timer formulas', () => {
  const cases: [2 | 3, number, number, number, number][] = [
    // version, priority, interval, skew, master down
    [2, 100, 1000, 609.375, 3609.375],
    [2, 200, 1000, 218.75, 3218.75],
    [2, 254, 1000, 7.8125, 3007.8125],
    [2, 1, 1000, 996.09375, 3996.09375],
    [2, 100, 3000, 609.375, 9609.375],
    [3, 100, 1000, 609.375, 3609.375],
    [3, 200, 100, 21.875, 321.875],
    [3, 150, 500, 207.03125, 1707.03125],
    [3, 254, 2500, 19.53125, 7519.53125],
  ];
  it.each(cases)('v%i priority %i interval %i ms: skew %f, Master_Down_Interval %f', (v, p, i, skew, mdi) => {
    expect(skewMs(v, p, i)).toBe(skew);
    expect(masterDownMs(v, p, i)).toBe(mdi);
    expect(skewMs(v, p, i)).toBe(expectSkew(v, p, i));
    expect(masterDownMs(v, p, i)).toBe(expectMasterDown(v, p, i));
  });

  it.each(cases)(
    'a v%i p%i backup (interval %i) arms master_down at its Master_Down_Interval',
    (v, p, i, _s, mdi) => {
      const { log } = run({ ...base, version: v, priority: p, advertInt: i / 1000 }, [[1000, START]]);
      expect(log).toEqual([[1000, [tr('init', 'backup', 'init'), arm('master_down', 1000 + mdi)]]]);
    },
  );
});

describe('startup and master election', () => {
  it('non-owner: BACKUP (init), master_down runs out → MASTER with VIPs, GARP burst, advert', () => {
    const { log, state } = run(base, [
      [0, START],
      [3609.375, timer('master_down')],
      [4609.375, timer('advert')],
      [5609.375, timer('advert')],
      [8609.375, timer('garp_delay')],
    ]);
    expect(log).toEqual([
      [0, [tr('init', 'backup', 'init'), arm('master_down', 3609.375)]],
      [3609.375, becomeMaster(3609.375, 100, 'master_down_timer')],
      [4609.375, [send(100), arm('advert', 5609.375)]],
      [5609.375, [send(100), arm('advert', 6609.375)]],
      [8609.375, [garp(5)]],
    ]);
    expect(state.state).toBe('master');
    expect(state.timers).toEqual({ advert: 6609.375 });
  });

  it('state MASTER with priority < 255 also starts in BACKUP (init), as keepalived', () => {
    const { log } = run({ ...base, state: 'MASTER', priority: 200 }, [[0, START]]);
    expect(log).toEqual([[0, [tr('init', 'backup', 'init'), arm('master_down', 3218.75)]]]);
  });

  it('priority 255 owner: MASTER at once', () => {
    const { log } = run({ ...base, priority: 255, state: 'MASTER' }, [[0, START]]);
    expect(log).toEqual([[0, becomeMaster(0, 255, 'owner', 'init')]]);
  });

  it('priority 255 with state BACKUP waits its Master_Down_Interval like a backup (keepalived wantstate)', () => {
    const { log } = run({ ...base, priority: 255, state: 'BACKUP' }, [[0, START]]);
    expect(log).toEqual([[0, [tr('init', 'backup', 'init'), arm('master_down', 3003.90625)]]]);
  });

  it('keepalived clears nopreempt and preempt_delay for state MASTER, and nopreempt for an owner', () => {
    expect(
      initialState({ ...base, state: 'MASTER', nopreempt: true, preemptDelay: 30 }).params,
    ).toMatchObject({
      preempt: true,
      preemptDelayMs: 0,
    });
    expect(initialState({ ...base, priority: 255, nopreempt: true }).params.preempt).toBe(true);
    expect(
      initialState({ ...base, state: 'BACKUP', nopreempt: true, preemptDelay: 30 }).params,
    ).toMatchObject({
      preempt: false,
      preemptDelayMs: 30_000,
    });
  });

  it('startup twice is a no-op; events before startup change nothing visible', () => {
    const { log, state } = run(base, [
      [0, advert(200)],
      [0, timer('master_down')],
      [0, START],
      [1, START],
    ]);
    expect(log[0]?.[1]).toEqual([]);
    expect(log[1]?.[1]).toEqual([]);
    expect(log[3]?.[1]).toEqual([]);
    expect(state.state).toBe('backup');
  });

  it('a v3 IPv6 master sends NA bursts', () => {
    const cfg: InstanceConfig = { ...base, version: 3, family: 6, primaryAddress: 'fe80::2', priority: 255 };
    const { log } = run(cfg, [[0, START]]);
    expect(log[0]?.[1]).toEqual([
      tr('init', 'master', 'owner'),
      send(255),
      arm('advert', 1000),
      ADD,
      { type: 'send_na', count: 5 },
      arm('garp_delay', 5000),
    ]);
  });
});

describe('backup receiving adverts', () => {
  it('higher and equal priority reset master_down; lower with preempt is ignored and the timer runs out', () => {
    const { log } = run(base, [
      [0, START],
      [1000, advert(200)],
      [2000, advert(100)],
      [3000, advert(50)],
      [4000, advert(50)],
      [5609.375, timer('master_down')],
    ]);
    expect(log).toEqual([
      [0, [tr('init', 'backup', 'init'), arm('master_down', 3609.375)]],
      [1000, [arm('master_down', 4609.375)]],
      [2000, [arm('master_down', 5609.375)]],
      [3000, []],
      [4000, []],
      [5609.375, becomeMaster(5609.375, 100, 'master_down_timer')],
    ]);
  });

  it('nopreempt: a lower priority advert resets master_down too', () => {
    const { log } = run({ ...base, nopreempt: true }, [
      [0, START],
      [1000, advert(50)],
    ]);
    expect(log[1]).toEqual([1000, [arm('master_down', 4609.375)]]);
  });

  it('priority 0: master_down re-armed at Skew_Time (v2), then MASTER', () => {
    const { log } = run(base, [
      [0, START],
      [1000, advert(0)],
      [1609.375, timer('master_down')],
    ]);
    expect(log.slice(1)).toEqual([
      [1000, [arm('master_down', 1609.375)]],
      [1609.375, becomeMaster(1609.375, 100, 'master_down_timer')],
    ]);
  });

  it('priority 0 (v3): Skew_Time uses the adopted Master_Adver_Interval', () => {
    const { log } = run({ ...base, version: 3, priority: 200 }, [
      [0, START],
      [100, advert(250, '192.0.2.9', 100, 3)],
      [200, advert(0, '192.0.2.9', 100, 3)],
    ]);
    expect(log).toEqual([
      [0, [tr('init', 'backup', 'init'), arm('master_down', 3218.75)]],
      // adopted 100 ms: 3 × 100 + 56 × 100 / 256
      [100, [arm('master_down', 421.875)]],
      [200, [arm('master_down', 221.875)]],
    ]);
  });

  it('v3 adopts the master advertised interval; v2 does not', () => {
    const v3 = run({ ...base, version: 3 }, [
      [0, START],
      [1000, advert(200, '192.0.2.9', 500, 3)],
    ]);
    expect(v3.log[1]).toEqual([1000, [arm('master_down', 1000 + 1500 + 304.6875)]]);
    expect(v3.state.masterAdverIntervalMs).toBe(500);
    const v2 = run(base, [
      [0, START],
      [1000, advert(200, '192.0.2.9', 500, 2)],
    ]);
    expect(v2.log[1]).toEqual([1000, [arm('master_down', 4609.375)]]);
    expect(v2.state.masterAdverIntervalMs).toBe(1000);
  });

  it('v3: a lower priority advert that is discarded (preempt) does not change the interval', () => {
    const { state } = run({ ...base, version: 3 }, [
      [0, START],
      [1000, advert(50, '192.0.2.9', 500, 3)],
    ]);
    expect(state.masterAdverIntervalMs).toBe(1000);
  });
});

describe('master receiving adverts', () => {
  it('priority 0: advert at once, Adver_Timer reset', () => {
    const { log } = run(master100(), [[4000, advert(0)]]);
    expect(log).toEqual([[4000, [send(100), arm('advert', 5000)]]]);
  });

  it('higher priority: BACKUP, VIPs deleted, master_down armed', () => {
    const { log, state } = run(master100(), [[4000, advert(150)]]);
    expect(log).toEqual([
      [
        4000,
        [
          tr('master', 'backup', 'higher_priority'),
          DEL,
          cancel('advert'),
          cancel('garp_delay'),
          arm('master_down', 7609.375),
        ],
      ],
    ]);
    expect(state.state).toBe('backup');
  });

  it('higher priority v3: the backup adopts the new master interval at once', () => {
    const cfg: InstanceConfig = { ...base, version: 3, priority: 255 };
    const { log } = run(cfg, [
      [0, START],
      [0, { type: 'priority', priority: 100 }],
      [10, advert(200, '192.0.2.9', 200, 3)],
    ]);
    expect(log[2]?.[1].at(-1)).toEqual(arm('master_down', 10 + 600 + (156 * 200) / 256));
  });

  it('equal priority: the higher primary address wins (IPv4)', () => {
    const higher = run(master100(), [[4000, advert(100, '192.0.2.3')]]);
    expect(higher.log[0]?.[1][0]).toEqual(tr('master', 'backup', 'equal_priority_higher_address'));
    const lower = run(master100(), [[4000, advert(100, '192.0.2.1')]]);
    expect(lower.log).toEqual([[4000, []]]);
    // numeric, not textual: 192.0.2.10 > 192.0.2.2
    const numeric = run(master100(), [[4000, advert(100, '192.0.2.10')]]);
    expect(numeric.state.state).toBe('backup');
  });

  it('equal priority: the higher primary address wins (IPv6)', () => {
    const cfg: InstanceConfig = { ...base, version: 3, family: 6, primaryAddress: 'fe80::20' };
    const m = run(cfg, [
      [0, START],
      [3609.375, timer('master_down')],
    ]).state;
    expect(run(m, [[4000, advert(100, 'fe80::1f', 1000, 3)]]).state.state).toBe('master');
    expect(run(m, [[4000, advert(100, 'fe80::100%eth0', 1000, 3)]]).state.state).toBe('backup');
  });

  it('lower priority: discarded, or (lowerPrioImmediateAdvert) answered at once', () => {
    expect(run(master100(), [[4000, advert(50)]]).log).toEqual([[4000, []]]);
    const m = run({ ...base, lowerPrioImmediateAdvert: true }, [
      [0, START],
      [3609.375, timer('master_down')],
    ]).state;
    expect(run(m, [[4000, advert(50)]]).log).toEqual([[4000, [send(100), arm('advert', 5000)]]]);
  });

  it("keepalived's default: advert at once, then a garp_lower_prio_repeat burst", () => {
    const m = run({ ...base, lowerPrioImmediateAdvert: true, garpLowerPrioRepeat: 5 }, [
      [0, START],
      [3609.375, timer('master_down')],
    ]).state;
    expect(run(m, [[4000, advert(50)]]).log).toEqual([[4000, [send(100), arm('advert', 5000), garp(5)]]]);
  });
});

describe('shutdown', () => {
  it('master: priority 0 advert, VIPs deleted, timers cancelled', () => {
    const { log, state } = run(master100(), [[4000, { type: 'shutdown' }]]);
    expect(log).toEqual([
      [4000, [tr('master', 'init', 'shutdown'), send(0), DEL, cancel('advert'), cancel('garp_delay')]],
    ]);
    expect(state.timers).toEqual({});
  });

  it('backup: timers cancelled; init: nothing; restart works', () => {
    const { log } = run(backup100(), [
      [1000, { type: 'shutdown' }],
      [1001, { type: 'shutdown' }],
      [2000, START],
    ]);
    expect(log).toEqual([
      [1000, [tr('backup', 'init', 'shutdown'), cancel('master_down')]],
      [1001, []],
      [2000, [tr('init', 'backup', 'init'), arm('master_down', 5609.375)]],
    ]);
  });
});

describe('preempt_delay', () => {
  const cfg: InstanceConfig = { ...base, priority: 150, preemptDelay: 10 };
  // v2 p150: Master_Down_Interval = 3000 + 106000/256 = 3414.0625

  it('starts at the first lower priority advert; once over, lower adverts are discarded and master_down runs out', () => {
    // keepalived: the delay only stops lower adverts from being accepted; the takeover is the master-down
    // timer running out from the last advert accepted before the delay ended.
    const { log } = run(cfg, [
      [0, START],
      [500, advert(100)],
      [1500, advert(100)],
      [9500, advert(100)],
      [10500, timer('preempt_delay')],
      [11500, advert(100)],
      [12500, advert(100)],
      [12914.0625, timer('master_down')],
    ]);
    expect(log).toEqual([
      [0, [tr('init', 'backup', 'init'), arm('master_down', 3414.0625)]],
      [500, [arm('master_down', 3914.0625), arm('preempt_delay', 10500)]],
      [1500, [arm('master_down', 4914.0625)]],
      [9500, [arm('master_down', 12914.0625)]],
      [10500, []],
      [11500, []],
      [12500, []],
      [
        12914.0625,
        [
          tr('backup', 'master', 'master_down_timer'),
          send(150),
          arm('advert', 13914.0625),
          ADD,
          garp(5),
          arm('garp_delay', 17914.0625),
        ],
      ],
    ]);
  });

  it('after FAULT the delay is fresh: it starts again at the next lower advert (keepalived resets preempt_time)', () => {
    const { log } = run({ ...cfg, trackInterfaces: [{ name: 'eth1' }] }, [
      [0, START],
      [500, advert(100)],
      [10500, timer('preempt_delay')],
      [11000, { type: 'track', name: 'eth1', up: false }],
      [11100, { type: 'track', name: 'eth1', up: true }],
      [11500, advert(100)],
    ]);
    expect(log[4]).toEqual([
      11100,
      [tr('fault', 'backup', 'track_interface eth1 up'), arm('master_down', 14514.0625)],
    ]);
    // accepted (the delay runs again), not discarded as it would be had the old delay stayed over
    expect(log[5]).toEqual([11500, [arm('master_down', 14914.0625), arm('preempt_delay', 21500)]]);
  });

  it.each([150, 200])('an advert of priority %i (equal or higher) cancels it', (p) => {
    const { log, state } = run(cfg, [
      [0, START],
      [500, advert(100)],
      [1500, advert(p)],
      [10500, timer('preempt_delay')],
    ]);
    expect(log[2]).toEqual([1500, [arm('master_down', 4914.0625), cancel('preempt_delay')]]);
    expect(log[3]).toEqual([10500, []]);
    expect(state.state).toBe('backup');
    expect(state.preemptDelayOver).toBe(false);
  });

  it('a higher advert after the delay ran out starts it afresh at the next lower one', () => {
    const { log } = run(cfg, [
      [0, START],
      [500, advert(100)],
      [10500, timer('preempt_delay')],
      [11000, advert(200)],
      [12000, advert(100)],
    ]);
    expect(log[3]).toEqual([11000, [arm('master_down', 14414.0625)]]);
    expect(log[4]).toEqual([12000, [arm('master_down', 15414.0625), arm('preempt_delay', 22000)]]);
  });

  it('state MASTER clears preempt_delay (keepalived): lower adverts are ignored at once', () => {
    const { log } = run({ ...cfg, state: 'MASTER' }, [
      [0, START],
      [500, advert(100)],
    ]);
    expect(log[1]).toEqual([500, []]);
  });

  it('nopreempt: no preempt delay, the lower master is kept', () => {
    const { log } = run({ ...cfg, nopreempt: true }, [
      [0, START],
      [500, advert(100)],
    ]);
    expect(log[1]).toEqual([500, [arm('master_down', 3914.0625)]]);
  });
});

describe('GARP', () => {
  it('garp_master_delay 1 s and garp_master_repeat 3', () => {
    const { log } = run({ ...base, priority: 255, garpMasterDelay: 1, garpMasterRepeat: 3 }, [
      [0, START],
      [1000, timer('garp_delay')],
    ]);
    expect(log).toEqual([
      [
        0,
        [
          tr('init', 'master', 'owner'),
          send(255),
          arm('advert', 1000),
          ADD,
          garp(3),
          arm('garp_delay', 1000),
        ],
      ],
      [1000, [garp(3)]],
    ]);
  });

  it('garp_master_delay 0: no second burst', () => {
    const { log } = run({ ...base, priority: 255, garpMasterDelay: 0 }, [[0, START]]);
    expect(log[0]?.[1]).toEqual([
      tr('init', 'master', 'owner'),
      send(255),
      arm('advert', 1000),
      ADD,
      garp(5),
    ]);
  });

  it('garp_master_refresh: periodic bursts of garp_master_refresh_repeat while master, cancelled on leaving', () => {
    const cfg: InstanceConfig = {
      ...base,
      priority: 255,
      garpMasterDelay: 0,
      garpMasterRefresh: 60,
      garpMasterRefreshRepeat: 2,
    };
    const { log } = run(cfg, [
      [0, START],
      [60000, timer('garp_refresh')],
      [120000, timer('garp_refresh')],
      [130000, { type: 'shutdown' }],
    ]);
    expect(log).toEqual([
      [
        0,
        [
          tr('init', 'master', 'owner'),
          send(255),
          arm('advert', 1000),
          ADD,
          garp(5),
          arm('garp_refresh', 60000),
        ],
      ],
      [60000, [garp(2), arm('garp_refresh', 120000)]],
      [120000, [garp(2), arm('garp_refresh', 180000)]],
      [130000, [tr('master', 'init', 'shutdown'), send(0), DEL, cancel('advert'), cancel('garp_refresh')]],
    ]);
  });
});

describe('track_script (keepalived vrrp_track.c)', () => {
  const script = (name: string, ok: boolean): InstanceEvent => ({ type: 'script', name, ok });
  const scripted = (scripts: InstanceConfig['trackScripts']): InstanceConfig => ({
    ...base,
    trackScripts: scripts,
  });

  it('weight 0: FAULT from start-up until the first success, then BACKUP with a fresh master-down timer', () => {
    const { log, state } = run(scripted([{ name: 'chk', weight: 0 }]), [
      [0, START],
      [15, script('chk', true)],
      [3624.375, timer('master_down')],
      [4000, script('chk', false)],
    ]);
    expect(log).toEqual([
      [0, [tr('init', 'fault', 'init')]],
      [15, [tr('fault', 'backup', 'track_script chk ok'), arm('master_down', 3624.375)]],
      [3624.375, becomeMaster(3624.375, 100, 'master_down_timer')],
      [
        4000,
        [
          tr('master', 'fault', 'track_script chk failed'),
          send(0),
          DEL,
          cancel('advert'),
          cancel('garp_delay'),
        ],
      ],
    ]);
    expect(state.scriptsDown).toEqual(['chk']);
  });

  it('weights move the priority only once the script has reported; reverse flips the result', () => {
    const cfg = scripted([
      { name: 'up20', weight: 20 },
      { name: 'down30', weight: -30 },
      { name: 'rev10', weight: 10, reverse: true },
    ]);
    const s0 = run(cfg, [[0, START]]).state;
    expect([s0.state, s0.priority, s0.scriptsPending]).toEqual(['backup', 100, ['down30', 'rev10', 'up20']]);
    const s1 = run(s0, [
      [5, script('up20', true)],
      [6, script('down30', false)],
      [7, script('rev10', false)],
    ]).state;
    // 100 + 20 (up20 ok) − 30 (down30 failed) + 10 (rev10 failed, reversed: counts as ok)
    expect(s1.priority).toBe(100);
    expect(run(s1, [[8, script('rev10', true)]]).state.priority).toBe(90);
    expect(run(s1, [[8, script('down30', true)]]).state.priority).toBe(130);
  });

  it('init_fail: failed from the start, so a weight-0 script holds FAULT and a negative weight applies at once', () => {
    expect(initialState(scripted([{ name: 'c', weight: -40, initFail: true }])).priority).toBe(60);
    const { log } = run(scripted([{ name: 'c', weight: 0, initFail: true }]), [
      [0, START],
      [1000, script('c', true)],
    ]);
    expect(log[0]).toEqual([0, [tr('init', 'fault', 'init')]]);
    expect(log[1]?.[1][0]).toEqual(tr('fault', 'backup', 'track_script c ok'));
  });

  it('a master whose script fails with a negative weight advertises the lower priority at once', () => {
    const m = run(scripted([{ name: 'chk', weight: -60 }]), [
      [0, START],
      [1, script('chk', true)],
      [3609.375, timer('master_down')],
    ]).state;
    expect(m.state).toBe('master');
    const { log } = run(m, [[5000, script('chk', false)]]);
    expect(log).toEqual([[5000, [send(40), arm('advert', 6000)]]]);
  });

  it('a reload keeps the result of a script it still tracks, and starts a new one unknown', () => {
    const cfg = scripted([{ name: 'a', weight: -30 }]);
    const s = run(cfg, [
      [0, START],
      [1, script('a', false)],
    ]).state;
    expect(s.priority).toBe(70);
    const r = reconfigure(
      s,
      {
        ...cfg,
        trackScripts: [
          { name: 'a', weight: -30 },
          { name: 'b', weight: 0 },
        ],
      },
      10,
    );
    expect([r.state.priority, r.state.scriptsDown, r.state.scriptsPending, r.state.state]).toEqual([
      70,
      ['a'],
      ['b'],
      'fault',
    ]);
  });
});

describe('tracking and FAULT', () => {
  const tracked: InstanceConfig = {
    ...base,
    trackInterfaces: [
      { name: 'eth1', weight: -60 },
      { name: 'eth2', weight: 20 },
      { name: 'eth3', weight: undefined },
      { name: 'eth4', weight: 0 },
    ],
  };

  it('weights: negative applies while down, positive while up (keepalived)', () => {
    const { state, log } = run(tracked, [
      [0, START],
      [1, { type: 'track', name: 'eth1', up: false }],
    ]);
    expect(log[0]).toEqual([
      0,
      [tr('init', 'backup', 'init'), arm('master_down', 3000 + (136 * 1000) / 256)],
    ]);
    expect(state.priority).toBe(60);
    expect(run(state, [[2, { type: 'track', name: 'eth2', up: false }]]).state.priority).toBe(40);
    expect(run(state, [[2, { type: 'track', name: 'eth1', up: true }]]).state.priority).toBe(120);
  });

  it('a master whose priority changes advertises it at once', () => {
    const m = run(tracked, [
      [0, START],
      [3531.25, timer('master_down')],
    ]).state;
    expect(m.state).toBe('master');
    const { log } = run(m, [
      [4000, { type: 'track', name: 'eth1', up: false }],
      [4100, { type: 'track', name: 'eth1', up: false }],
    ]);
    expect(log).toEqual([
      [4000, [send(60), arm('advert', 5000)]],
      [4100, []],
    ]);
  });

  it('effective priority is clamped to 1..254; an owner is not adjusted', () => {
    const low = run({ ...tracked, priority: 30 }, [[0, { type: 'track', name: 'eth1', up: false }]]);
    expect(low.state.priority).toBe(1);
    const high = initialState({ ...tracked, priority: 250 });
    expect(high.priority).toBe(254);
    const owner = run({ ...tracked, priority: 255 }, [[0, { type: 'track', name: 'eth1', up: false }]]);
    expect(owner.state.priority).toBe(255);
  });

  it.each(['eth3', 'eth4'])(
    '%s (no weight / weight 0) down: MASTER → FAULT (priority 0, VIPs deleted) → BACKUP',
    (ifname) => {
      const m = run(tracked, [
        [0, START],
        [3531.25, timer('master_down')],
      ]).state;
      const { log } = run(m, [
        [4000, { type: 'track', name: ifname, up: false }],
        [5000, advert(200)],
        [5000, timer('master_down')],
        [6000, { type: 'track', name: ifname, up: true }],
      ]);
      expect(log).toEqual([
        [
          4000,
          [
            tr('master', 'fault', `track_interface ${ifname} down`),
            send(0),
            DEL,
            cancel('advert'),
            cancel('garp_delay'),
          ],
        ],
        [5000, []],
        [5000, []],
        [6000, [tr('fault', 'backup', `track_interface ${ifname} up`), arm('master_down', 6000 + 3531.25)]],
      ]);
    },
  );

  it('an unknown tracked name is ignored', () => {
    expect(run(backup100(), [[1, { type: 'track', name: 'eth9', up: false }]]).log).toEqual([[1, []]]);
  });

  it('VRRP interface down: BACKUP → FAULT → BACKUP; down before startup → FAULT (init)', () => {
    const { log } = run(backup100(), [
      [1000, { type: 'iface', up: false }],
      [2000, { type: 'iface', up: true }],
    ]);
    expect(log).toEqual([
      [1000, [tr('backup', 'fault', 'interface_down'), cancel('master_down')]],
      [2000, [tr('fault', 'backup', 'interface_up'), arm('master_down', 5609.375)]],
    ]);
    const early = run(base, [
      [0, { type: 'iface', up: false }],
      [1, START],
      [2, { type: 'iface', up: true }],
    ]);
    expect(early.log).toEqual([
      [0, []],
      [1, [tr('init', 'fault', 'init')]],
      [2, [tr('fault', 'backup', 'interface_up'), arm('master_down', 3611.375)]],
    ]);
  });

  it('dont_track_primary: the VRRP interface going down does not cause FAULT', () => {
    const { log, state } = run(
      run({ ...base, dontTrackPrimary: true }, [
        [0, START],
        [3609.375, timer('master_down')],
      ]).state,
      [[4000, { type: 'iface', up: false }]],
    );
    expect(log).toEqual([[4000, []]]);
    expect(state.state).toBe('master');
  });

  it('the owner leaving FAULT goes straight back to MASTER', () => {
    const { log } = run({ ...base, priority: 255 }, [
      [0, START],
      [100, { type: 'iface', up: false }],
      [200, { type: 'iface', up: true }],
    ]);
    expect(log[1]?.[1][0]).toEqual(tr('master', 'fault', 'interface_down'));
    expect(log[2]?.[1]).toEqual(becomeMaster(200, 255, 'interface_up', 'fault'));
  });
});

describe('priority events and stale timers', () => {
  it('a backup takes the new priority for later Master_Down_Intervals; out-of-range values are ignored', () => {
    const { log, state } = run(backup100(), [
      [100, { type: 'priority', priority: 200 }],
      [200, { type: 'priority', priority: 0 }],
      [300, { type: 'priority', priority: 1.5 }],
      [1000, advert(250)],
    ]);
    expect(log).toEqual([
      [100, []],
      [200, []],
      [300, []],
      [1000, [arm('master_down', 4218.75)]],
    ]);
    expect(state.priority).toBe(200);
  });

  it('timers that are not armed are ignored', () => {
    const { log } = run(
      backup100(),
      TIMER_NAMES.filter((t) => t !== 'master_down').map((t) => [10, timer(t)]),
    );
    expect(log.every(([, a]) => a.length === 0)).toBe(true);
    const m = run(master100(), [[4000, timer('master_down')]]);
    expect(m.log).toEqual([[4000, []]]);
  });

  it('step does not mutate its input', () => {
    const s = master100();
    const before = JSON.stringify(s);
    step(s, advert(200), 4000);
    step(s, { type: 'shutdown' }, 4000);
    expect(JSON.stringify(s)).toBe(before);
  });
});

describe('configuration', () => {
  it('a VrrpInstanceConfig plus primary address and family is an InstanceConfig', () => {
    const k: VrrpInstanceConfig = {
      name: 'VI_9',
      at: { file: 'k.conf', line: 1, col: 1 },
      state: 'BACKUP',
      interface: 'eth0',
      vrid: 9,
      priority: 120,
      advertInt: 0.5,
      version: undefined,
      nopreempt: false,
      preemptDelay: undefined,
      garpMasterDelay: 1,
      dontTrackPrimary: false,
      auth: undefined,
      trackInterfaces: [{ name: 'eth1', weight: undefined, at: { file: 'k.conf', line: 2, col: 1 } }],
      vips: [],
      vipsExcluded: [],
      unicastSrcIp: undefined,
      unicastPeers: [],
    };
    const cfg: InstanceConfig = { ...k, primaryAddress: '10.0.0.1', family: 4 };
    const s = initialState(cfg);
    expect(s.params).toMatchObject({
      version: 2,
      advertIntMs: 500,
      garpDelayMs: 1000,
      garpRepeat: 5,
      preempt: true,
    });
    expect(s.params.tracks).toEqual([{ name: 'eth1', weight: 0 }]);
  });

  it('initialState rejects a configuration no keepalived.conf gives', () => {
    expect(() => initialState({ ...base, priority: 0 })).toThrow(RangeError);
    expect(() => initialState({ ...base, advertInt: 0 })).toThrow(RangeError);
    expect(() => initialState({ ...base, primaryAddress: 'fe80::1' })).toThrow(RangeError);
  });
});

describe('sync groups', () => {
  const a: InstanceConfig = { ...base, name: 'A', priority: 200 };
  const b: InstanceConfig = { ...base, name: 'B', priority: 200, primaryAddress: '192.0.2.3' };

  /** Steps one member and applies the group's forced transitions to the others. */
  function groupStep(
    members: Record<string, InstanceState>,
    name: string,
    ev: InstanceEvent,
    now: number,
  ): Action[] {
    const all: Action[] = [];
    const apply = (n: string, e: InstanceEvent, follow: boolean): void => {
      const cur = members[n];
      if (!cur) throw new Error(n);
      const r = step(cur, e, now);
      members[n] = r.state;
      all.push(...r.actions);
      if (!follow) return;
      for (const t of r.actions) {
        if (t.type !== 'transition') continue;
        for (const f of syncGroupStep('G', Object.values(members), { instance: n, from: t.from, to: t.to })) {
          apply(f.instance, f.event, false);
        }
      }
    };
    apply(name, ev, true);
    return all;
  }

  it('members move together: MASTER, FAULT, back to BACKUP', () => {
    const m: Record<string, InstanceState> = {
      A: step(initialState(a), START, 0).state,
      B: step(initialState(b), START, 0).state,
    };
    groupStep(m, 'A', timer('master_down'), 3218.75);
    expect([m.A?.state, m.B?.state]).toEqual(['master', 'master']);

    const fault = groupStep(m, 'B', { type: 'iface', up: false }, 4000);
    expect(fault.filter((x) => x.type === 'transition')).toEqual([
      tr('master', 'fault', 'interface_down'),
      tr('master', 'fault', 'sync_group G'),
    ]);
    expect([m.A?.state, m.B?.state]).toEqual(['fault', 'fault']);
    expect(m.A?.syncFault).toBe(true);

    // A has no fault of its own but cannot leave while B is in FAULT
    expect(step(m.A as InstanceState, { type: 'iface', up: true }, 4500).actions).toEqual([]);

    groupStep(m, 'B', { type: 'iface', up: true }, 5000);
    expect([m.A?.state, m.B?.state]).toEqual(['backup', 'backup']);
  });

  it('a member leaving FAULT while another is in FAULT on its own is sent back to FAULT', () => {
    const m: Record<string, InstanceState> = {
      A: step(initialState(a), START, 0).state,
      B: step(initialState(b), START, 0).state,
    };
    groupStep(m, 'A', { type: 'iface', up: false }, 100);
    groupStep(m, 'B', { type: 'iface', up: false }, 200);
    expect([m.A?.state, m.B?.state]).toEqual(['fault', 'fault']);
    groupStep(m, 'A', { type: 'iface', up: true }, 300);
    expect([m.A?.state, m.B?.state]).toEqual(['fault', 'fault']);
    groupStep(m, 'B', { type: 'iface', up: true }, 400);
    expect([m.A?.state, m.B?.state]).toEqual(['backup', 'backup']);
  });

  it('an owner leaving FAULT straight to MASTER takes the group to MASTER', () => {
    const m: Record<string, InstanceState> = {
      A: step(initialState({ ...a, priority: 255 }), START, 0).state,
      B: step(initialState(b), START, 0).state,
    };
    groupStep(m, 'A', timer('advert'), 0);
    expect([m.A?.state, m.B?.state]).toEqual(['master', 'backup']);
    groupStep(m, 'A', { type: 'iface', up: false }, 100);
    expect([m.A?.state, m.B?.state]).toEqual(['fault', 'fault']);
    const up = groupStep(m, 'A', { type: 'iface', up: true }, 200);
    expect(up.filter((x) => x.type === 'transition')).toEqual([
      tr('fault', 'master', 'interface_up'),
      tr('fault', 'master', 'sync_group G'),
    ]);
  });

  it('syncGroupStep: nothing to force for a shutdown', () => {
    const s = step(initialState(a), START, 0).state;
    expect(syncGroupStep('G', [s], { instance: 'A', from: 'backup', to: 'init' })).toEqual([]);
  });

  it('a master that falls back to BACKUP takes the group with it', () => {
    const m: Record<string, InstanceState> = {
      A: step(initialState(a), START, 0).state,
      B: step(initialState(b), START, 0).state,
    };
    groupStep(m, 'A', timer('master_down'), 3218.75);
    groupStep(m, 'A', advert(250), 4000);
    expect([m.A?.state, m.B?.state]).toEqual(['backup', 'backup']);
  });
});

describe('property: step is total', () => {
  const evArb: fc.Arbitrary<InstanceEvent> = fc.oneof(
    fc.constant<InstanceEvent>({ type: 'startup' }),
    fc.constant<InstanceEvent>({ type: 'shutdown' }),
    fc
      .record({
        p: fc.integer({ min: 0, max: 255 }),
        i: fc.integer({ min: 10, max: 40950 }),
        v: fc.constantFrom<2 | 3>(2, 3),
        src: fc.constantFrom('192.0.2.1', '192.0.2.2', '192.0.2.250', 'fe80::1', 'junk'),
      })
      .map(({ p, i, v, src }) => advert(p, src, i, v)),
    fc.constantFrom(...TIMER_NAMES).map(timer),
    fc.boolean().map((up): InstanceEvent => ({ type: 'iface', up })),
    fc
      .record({ name: fc.constantFrom('eth1', 'eth2', 'eth3', 'nope'), up: fc.boolean() })
      .map((t): InstanceEvent => ({ type: 'track', ...t })),
    fc.integer({ min: -5, max: 300 }).map((priority): InstanceEvent => ({ type: 'priority', priority })),
    fc.constantFrom('master', 'backup', 'fault').map((to): InstanceEvent => ({ type: 'sync', to })),
  );
  const cfgArb = fc.record({
    priority: fc.integer({ min: 1, max: 255 }),
    version: fc.constantFrom<2 | 3>(2, 3),
    nopreempt: fc.boolean(),
    preemptDelay: fc.constantFrom(0, 5),
    state: fc.constantFrom<'MASTER' | 'BACKUP'>('MASTER', 'BACKUP'),
    dontTrackPrimary: fc.boolean(),
  });

  it('never throws, always a valid state, timers consistent with the actions', () => {
    fc.assert(
      fc.property(cfgArb, fc.array(fc.tuple(fc.nat(1000), evArb), { maxLength: 40 }), (c, evs) => {
        let s = initialState({
          ...base,
          ...c,
          trackInterfaces: [
            { name: 'eth1', weight: -50 },
            { name: 'eth2', weight: 0 },
            { name: 'eth3', weight: 10 },
          ],
        });
        let now = 0;
        for (const [dt, ev] of evs) {
          now += dt;
          const before = { ...s.timers };
          const r = step(s, ev, now);
          expect(VRRP_STATES).toContain(r.state.state);
          expect(r.state.priority).toBeGreaterThanOrEqual(1);
          expect(r.state.priority).toBeLessThanOrEqual(255);
          // replaying arm/cancel over the old timers (minus a fired one) gives the new timers
          const t: Record<string, number> = { ...before };
          if (ev.type === 'timer') delete t[ev.timer];
          for (const a of r.actions) {
            if (a.type === 'arm') t[a.timer] = a.atMs;
            if (a.type === 'cancel') delete t[a.timer];
          }
          expect(r.state.timers).toEqual(t);
          // state invariants
          if (r.state.state === 'master') expect(r.state.timers.advert).toBeDefined();
          if (r.state.state === 'backup') expect(r.state.timers.master_down).toBeDefined();
          if (r.state.state !== 'master') expect(r.state.timers.advert).toBeUndefined();
          if (r.state.state !== 'backup') expect(r.state.timers.master_down).toBeUndefined();
          s = r.state;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('reconfigure (SIGHUP)', () => {
  it('a master keeps its state and advertises a new priority at once', () => {
    const m = run({ ...base, priority: 255 }, [[0, START]]).state;
    const r = reconfigure(m, { ...base, priority: 200 }, 500);
    expect(r.state.state).toBe('master');
    expect(r.actions).toEqual([send(200), arm('advert', 1500)]);
  });

  it('a backup restarts master_down with a new interval; same config → nothing', () => {
    const b = run(base, [[0, START]]).state;
    expect(reconfigure(b, base, 100).actions).toEqual([]);
    const r = reconfigure(b, { ...base, advertInt: 2 }, 100);
    expect(r.actions).toEqual([arm('master_down', 100 + 6000 + (156 * 1000) / 256)]);
  });

  it('a new tracked interface that is down is not assumed down; a removed one is forgotten', () => {
    const cfg = { ...base, trackInterfaces: [{ name: 'eth1' }] };
    const f = run(cfg, [
      [0, START],
      [10, { type: 'track', name: 'eth1', up: false }],
    ]).state;
    expect(f.state).toBe('fault');
    const r = reconfigure(f, base, 20);
    expect(r.state.state).toBe('backup');
    expect(r.actions[0]).toEqual(tr('fault', 'backup', 'reload'));
  });
});
