import type { ProbeSpec } from '../probes/probe.js';
import type { ScenarioSpec } from './run.js';

/** The post's addresses (topologies/post.yaml). */
export const WAN_VIP = '203.0.113.140';
export const LAN_VIP = '10.5.247.10';

/** Client → WAN VIP over HTTP, and web1 → LAN VIP to PostgreSQL: what users and the webs see. */
export const POST_PROBES: ProbeSpec[] = [
  { name: 'http', node: 'client', kind: 'http', url: `http://${WAN_VIP}/`, everyMs: 50, timeoutMs: 500 },
  { name: 'db', node: 'web1', kind: 'db', host: LAN_VIP, port: 5432, everyMs: 50, timeoutMs: 500 },
];

/** advert_int 2 in the post: watching three intervals after the VIPs settle shows GARP repeats and adverts. */
const OBSERVE_MS = 3000;

export const POST_SCENARIOS = {
  'proxy1-crash': {
    name: 'proxy1-crash',
    title: 'proxy1 host crash: the WAN VIP moves to proxy2',
    notes: [
      "A crashed master sends nothing more: proxy2 takes the WAN VIP one Master_Down_Interval (3 × 2 s + skew) after proxy1's last advert. The LAN VIP was already on proxy2.",
    ],
    probes: POST_PROBES,
    steps: [{ at: 0, kind: 'host-crash', target: 'proxy1' }],
    expectHolders: [
      { address: WAN_VIP, node: 'proxy2' },
      { address: LAN_VIP, node: 'proxy2' },
    ],
    deadlineMs: 20_000,
    observeMs: OBSERVE_MS,
  },
  'proxy2-crash': {
    name: 'proxy2-crash',
    title: 'proxy2 host crash: the LAN VIP moves to proxy1',
    probes: POST_PROBES,
    steps: [{ at: 0, kind: 'host-crash', target: 'proxy2' }],
    expectHolders: [
      { address: WAN_VIP, node: 'proxy1' },
      { address: LAN_VIP, node: 'proxy1' },
    ],
    deadlineMs: 20_000,
    observeMs: OBSERVE_MS,
  },
  'proxy1-graceful-stop': {
    name: 'proxy1-graceful-stop',
    title: "proxy1's VRRP speaker stopped cleanly: priority 0, takeover at Skew_Time",
    probes: POST_PROBES,
    steps: [{ at: 0, kind: 'daemon-stop', target: 'proxy1' }],
    expectHolders: [
      { address: WAN_VIP, node: 'proxy2' },
      { address: LAN_VIP, node: 'proxy2' },
    ],
    deadlineMs: 20_000,
    observeMs: OBSERVE_MS,
  },
  'proxy1-returns': {
    name: 'proxy1-returns',
    title: 'proxy1 crashes, then comes back: preemption as keepalived really does it',
    notes: [
      'The post expects preempt_delay 30 to hold a returning proxy1 back for 30 s. keepalived 2.2.7 clears preempt_delay on an instance whose initial state is MASTER ("preempt delay will not work with initial state MASTER - clearing" in its log), so proxy1 takes the WAN VIP back one Master_Down_Interval after it starts.',
    ],
    probes: POST_PROBES,
    steps: [
      // Recovery once the failover (Master_Down_Interval ≈ 6.7 s) has happened.
      { at: 0, kind: 'host-crash', target: 'proxy1', until: [{ address: WAN_VIP, node: 'proxy2' }] },
      { at: 0, kind: 'host-recover', target: 'proxy1' },
    ],
    expectHolders: [
      { address: WAN_VIP, node: 'proxy1' },
      { address: LAN_VIP, node: 'proxy2' },
    ],
    // The post expects preempt_delay 30 to hold proxy1 back for 30 s: leave room for it to.
    deadlineMs: 60_000,
    observeMs: OBSERVE_MS,
  },
  'proxy1-wan-link': {
    name: 'proxy1-wan-link',
    title: "proxy1's WAN link (eth2) down, then up: track_interface → FAULT → the WAN VIP moves, and back",
    probes: POST_PROBES,
    steps: [
      // The link comes back once proxy2 has taken the WAN VIP over.
      { at: 0, kind: 'link-down', target: 'proxy1:eth2', until: [{ address: WAN_VIP, node: 'proxy2' }] },
      { at: 0, kind: 'link-up', target: 'proxy1:eth2' },
    ],
    expectHolders: [
      { address: WAN_VIP, node: 'proxy1' },
      { address: LAN_VIP, node: 'proxy2' },
    ],
    deadlineMs: 60_000,
    observeMs: OBSERVE_MS,
  },
  'proxy1-lan-link': {
    name: 'proxy1-lan-link',
    title: "the post's open question: only proxy1's LAN interface (eth1) fails",
    notes: [
      "The post's open question. WAN_1 tracks eth2 only, so proxy1 stays WAN master with no path to the webs: every client request gets a 502 from its nginx, for as long as eth1 stays down. The LAN VIP (proxy2) and the webs' database path are unaffected.",
    ],
    probes: POST_PROBES,
    steps: [{ at: 0, kind: 'link-down', target: 'proxy1:eth1' }],
    // With the post's configuration nothing moves: that is the finding. The fixed lab overrides this.
    expectHolders: [
      { address: WAN_VIP, node: 'proxy1' },
      { address: LAN_VIP, node: 'proxy2' },
    ],
    deadlineMs: 20_000,
    // Longer than Master_Down_Interval (6.7 s): long enough for any failover that was coming.
    observeMs: 9000,
  },
  'proxy1-freeze': {
    name: 'proxy1-freeze',
    title: 'proxy1 frozen (SIGSTOP), then thawed: a dual-master episode and how it resolves',
    probes: POST_PROBES,
    steps: [
      { at: 0, kind: 'host-freeze', target: 'proxy1' },
      { at: 10_000, kind: 'host-thaw', target: 'proxy1' },
    ],
    expectHolders: [
      { address: WAN_VIP, node: 'proxy1' },
      { address: LAN_VIP, node: 'proxy2' },
    ],
    deadlineMs: 30_000,
    observeMs: 5000,
  },
} satisfies Record<string, ScenarioSpec>;

/** The open question on the corrected lab: the WAN VIP leaves proxy1 and clients are served again. */
export const FIXED_LAN_LINK: ScenarioSpec = {
  ...POST_SCENARIOS['proxy1-lan-link'],
  name: 'proxy1-lan-link-fixed',
  title: "only proxy1's LAN interface fails, with the corrected configuration (WAN_1 tracks eth1)",
  notes: [
    'topologies/post-fixed.yaml: WAN_1 also tracks eth1. Losing eth1 puts WAN_1 into FAULT, keepalived leaves MASTER with a priority-0 advert, and proxy2 takes the WAN VIP at Skew_Time: clients are served again within about a second.',
  ],
  expectHolders: [
    { address: WAN_VIP, node: 'proxy2' },
    { address: LAN_VIP, node: 'proxy2' },
  ],
};
