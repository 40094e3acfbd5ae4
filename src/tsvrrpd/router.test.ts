import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../keepalived/config/parse.js';
import { decodeVrrp, encodeVrrp, type VrrpAdvert } from '../vrrp/packet.js';
import { resolveRouterConfig } from './config.js';
import { type LinkInfo, type Received, Router, type RouterIo } from './router.js';

/**
 * The driver on a fake world: packets, addresses and frames are recorded, links are set by the test,
 * and vitest's fake timers are the clock. What goes "on the wire" is decoded with the same codec a
 * peer would use.
 */
class FakeIo implements RouterIo {
  t0 = Date.now();
  sent: { at: number; ifname: string; src: string; dst?: string; advert: VrrpAdvert }[] = [];
  frames: { at: number; ifname: string; frame: Buffer }[] = [];
  addrs = new Map<string, Set<string>>([['eth0', new Set(['198.51.100.2'])]]);
  links = new Map<string, LinkInfo>();
  receivers = new Map<string, (p: Received) => void>();
  onLink: ((l: LinkInfo) => void) | undefined;
  log: string[] = [];

  constructor(ifnames: string[] = ['eth0']) {
    for (const [i, n] of ifnames.entries())
      this.links.set(n, { ifname: n, up: true, mac: `02:00:00:00:00:0${i + 1}` });
  }
  now = () => Date.now() - this.t0;
  setTimer(atMs: number, fn: (dueMs: number) => void, replace?: unknown) {
    clearTimeout(replace as NodeJS.Timeout | undefined);
    return setTimeout(() => fn(atMs), Math.max(0, atMs - this.now()));
  }
  clearTimer(h: unknown) {
    clearTimeout(h as NodeJS.Timeout);
  }
  async close() {}
  /** vrrp_script runs: the command's first word → whether it succeeds (default yes) */
  scriptOk = new Map<string, boolean>();
  scriptRuns: { at: number; argv: readonly string[] }[] = [];
  runScript(argv: readonly string[]) {
    this.scriptRuns.push({ at: this.now(), argv });
    const ok = this.scriptOk.get(argv[0] ?? '') ?? true;
    return Promise.resolve(
      ok ? { ok, how: 'succeeded' as const, status: 0 } : { ok, how: 'failed' as const, status: 1 },
    );
  }
  vmacs: string[] = [];
  sysctls = new Map<string, string>();
  createVmac(parent: string, ifname: string, mac: string) {
    this.vmacs.push(ifname);
    this.links.set(ifname, { ifname, up: true, mac });
    this.addrs.set(ifname, new Set());
    void parent;
  }
  deleteLink(ifname: string) {
    this.vmacs = this.vmacs.filter((v) => v !== ifname);
    this.links.delete(ifname);
  }
  setSysctl(key: string, value: string) {
    const before = this.sysctls.get(key) ?? '0';
    this.sysctls.set(key, value);
    return before;
  }
  /** adverts that arrived but were not read yet (the socket batches its reads) */
  queued: Received[] = [];
  coalesce = new Map<string, number>();
  openSocket(ifname: string, family: 4 | 6, onPacket: (p: Received) => void) {
    this.receivers.set(`${ifname}/${family}`, onPacket);
    const coalesce = this.coalesce;
    return {
      drain: () => {
        for (const p of this.queued.splice(0)) onPacket(p);
      },
      set coalesceMs(ms: number) {
        coalesce.set(`${ifname}/${family}`, ms);
      },
      send: (message: Buffer, src: string, dst?: string) => {
        const d = decodeVrrp(message, { family, src, dst: dst ?? '224.0.0.18', ttl: 255 });
        if (!d.ok) throw new Error(`sent an invalid advert: ${d.detail}`);
        this.sent.push({ at: this.now(), ifname, src, ...(dst ? { dst } : {}), advert: d.advert });
      },
      close: async () => {},
    };
  }
  addAddress(v: { dev: string; address: string }) {
    this.addrs.get(v.dev)?.add(v.address) ?? this.addrs.set(v.dev, new Set([v.address]));
  }
  deleteAddress(v: { dev: string; address: string }) {
    this.addrs.get(v.dev)?.delete(v.address);
  }
  sendFrame(ifname: string, frame: Buffer) {
    this.frames.push({ at: this.now(), ifname, frame });
  }
  getLink(ifname: string) {
    return this.links.get(ifname);
  }
  watchLinks(onChange: (l: LinkInfo) => void) {
    this.onLink = onChange;
    return { close: async () => {} };
  }
  addresses(ifname: string) {
    return [...(this.addrs.get(ifname) ?? [])];
  }
  setLink(ifname: string, up: boolean) {
    const l = { ...(this.links.get(ifname) as LinkInfo), up };
    this.links.set(ifname, l);
    this.onLink?.(l);
  }
  /** an advert from a peer, as the raw socket would hand it over */
  receive(
    advert: Partial<VrrpAdvert> & { priority: number },
    src = '198.51.100.1',
    ttl = 255,
    ifname = 'eth0',
  ) {
    this.receivers.get(`${ifname}/4`)?.(this.packet(advert, src, ttl));
  }
  packet(advert: Partial<VrrpAdvert> & { priority: number }, src = '198.51.100.1', ttl = 255): Received {
    const msg = encodeVrrp(
      {
        version: 2,
        vrid: 51,
        addresses: ['198.51.100.50'],
        intervalMs: 1000,
        ...advert,
      },
      { family: 4, src, dst: '224.0.0.18' },
    );
    return { data: msg, src, dst: '224.0.0.18', ttl, atMs: this.now() };
  }
  holds(address: string, dev = 'eth0') {
    return this.addrs.get(dev)?.has(address) ?? false;
  }
}

const conf = (body: string) => resolveRouterConfig(parseConfig(body, 'r2.conf'), 'r2.conf');

const PAIR = `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    198.51.100.50/24
  }
}`;

let io: FakeIo;
let router: Router | undefined;

beforeEach(() => {
  vi.useFakeTimers();
  io = new FakeIo();
});
afterEach(async () => {
  await router?.stop();
  router = undefined;
  vi.useRealTimers();
});

function start(body = PAIR, fake = io): Router {
  const r = new Router(conf(body), fake, (event, fields) =>
    fake.log.push(`${event} ${JSON.stringify(fields)}`),
  );
  r.start();
  router = r;
  return r;
}

/** v2 priority 100, 1 s: Master_Down_Interval = 3 s + (256 − 100)/256 s */
const MDI_100 = 3609.375;

describe('tsvrrpd driver (fake I/O, fake clock)', () => {
  it('alone on the segment: master after Master_Down_Interval, then an advert per interval from the primary address', async () => {
    start();
    await vi.advanceTimersByTimeAsync(MDI_100 - 1);
    expect(io.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(io.holds('198.51.100.50')).toBe(true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(io.sent.map((s) => s.at)).toEqual([3609, 4609, 5609, 6609]);
    expect(io.sent[0]).toMatchObject({
      src: '198.51.100.2',
      advert: { version: 2, vrid: 51, priority: 100, intervalMs: 1000, addresses: ['198.51.100.50'] },
    });
    // The GARP burst: garp_master_repeat (5) gratuitous ARPs for the VIP from the interface's MAC.
    const garps = io.frames.filter((f) => f.frame.readUInt16BE(12) === 0x0806);
    expect(garps).toHaveLength(5);
    expect(garps[0]?.frame.subarray(28, 32)).toEqual(Buffer.from([198, 51, 100, 50]));
    expect(garps[0]?.frame.subarray(6, 12)).toEqual(Buffer.from('020000000001', 'hex'));
    expect(io.log.filter((l) => l.startsWith('transition')).map((l) => JSON.parse(l.slice(11)).to)).toEqual([
      'backup',
      'master',
    ]);
  });

  it('a higher priority master keeps it backup; priority 0 from it brings takeover at Skew_Time', async () => {
    start();
    for (let i = 0; i < 5; i++) {
      io.receive({ priority: 150 });
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(io.sent).toEqual([]);
    io.receive({ priority: 0 });
    const released = io.now();
    await vi.advanceTimersByTimeAsync(600);
    expect(io.holds('198.51.100.50')).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(io.holds('198.51.100.50')).toBe(true);
    // Skew_Time (256 − 100)/256 s = 609.375 ms, on a clock of whole milliseconds
    expect((io.sent[0]?.at ?? 0) - released).toBeGreaterThanOrEqual(609);
    expect((io.sent[0]?.at ?? 0) - released).toBeLessThanOrEqual(610);
  });

  it('as master, hearing a higher priority it steps down and removes the VIP; SIGTERM as backup sends nothing', async () => {
    start();
    await vi.advanceTimersByTimeAsync(MDI_100);
    expect(io.holds('198.51.100.50')).toBe(true);
    io.receive({ priority: 200 });
    expect(io.holds('198.51.100.50')).toBe(false);
    const sent = io.sent.length;
    await router?.stop();
    expect(io.sent.length).toBe(sent);
  });

  it('a master hearing a lower priority answers at once (keepalived default) with an advert and a GARP burst', async () => {
    start();
    await vi.advanceTimersByTimeAsync(MDI_100 + 6000); // past the garp_master_delay burst too
    const before = { sent: io.sent.length, frames: io.frames.length };
    io.receive({ priority: 50 });
    expect(io.sent.length).toBe(before.sent + 1);
    expect(io.frames.length).toBe(before.frames + 5);
  });

  it('SIGTERM as master: a priority-0 advert, VIPs removed', async () => {
    start();
    await vi.advanceTimersByTimeAsync(MDI_100);
    await router?.stop();
    expect(io.sent.at(-1)?.advert.priority).toBe(0);
    expect(io.holds('198.51.100.50')).toBe(false);
  });

  it('counts what it drops, per reason: TTL, password, interval, unknown VRID, garbage', () => {
    const r = start(
      PAIR.replace(
        'advert_int 1',
        'advert_int 1\n  authentication {\n auth_type PASS\n auth_pass secret\n }',
      ),
    );
    io.receive({ priority: 150, password: 'secret' }, '198.51.100.1', 64);
    io.receive({ priority: 150, password: 'wrong' });
    io.receive({ priority: 150, password: 'secret', intervalMs: 2000 });
    io.receive({ priority: 150, password: 'secret', vrid: 9 });
    io.receivers.get('eth0/4')?.({
      data: Buffer.from([1, 2, 3]),
      src: '198.51.100.1',
      dst: '224.0.0.18',
      ttl: 255,
    });
    io.receive({ priority: 150, password: 'secret' });
    const s = r.stats();
    expect(s.drops).toEqual({ bad_ttl: 1, unconfigured_vrid: 1, too_short: 1 });
    expect(s.instances.VI_1?.drops).toEqual({ bad_password: 1, interval_mismatch: 1 });
    expect(s.instances.VI_1?.advertsReceived).toBe(1);
  });

  it('the interface going down is FAULT (priority 0 as master, VIPs removed); up again is BACKUP', async () => {
    start();
    await vi.advanceTimersByTimeAsync(MDI_100);
    io.setLink('eth0', false);
    expect(io.sent.at(-1)?.advert.priority).toBe(0);
    expect(io.holds('198.51.100.50')).toBe(false);
    expect(router?.stats().instances.VI_1?.state).toBe('fault');
    const sent = io.sent.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(io.sent.length).toBe(sent);
    io.setLink('eth0', true);
    expect(router?.stats().instances.VI_1?.state).toBe('backup');
  });

  it('removes VIPs left over by a killed run before it starts, and does not take one for its primary address', () => {
    io.addrs.set('eth0', new Set(['198.51.100.50', '198.51.100.2']));
    start();
    expect(io.holds('198.51.100.50')).toBe(false);
    expect(io.log.some((l) => l.startsWith('leftover_removed'))).toBe(true);
  });

  it('a sync group moves together: one member to FAULT takes the other along', async () => {
    const two = new FakeIo(['eth0', 'eth1']);
    two.addrs.set('eth1', new Set(['10.0.0.2']));
    io = two;
    start(
      `${PAIR}
vrrp_instance VI_2 {
  interface eth1
  virtual_router_id 52
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.0.0.50/24
  }
}
vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
}`,
      two,
    );
    await vi.advanceTimersByTimeAsync(MDI_100);
    expect(two.holds('198.51.100.50')).toBe(true);
    expect(two.holds('10.0.0.50', 'eth1')).toBe(true);
    two.setLink('eth1', false);
    const st = router?.stats().instances;
    expect([st?.VI_1?.state, st?.VI_2?.state]).toEqual(['fault', 'fault']);
    expect(two.holds('198.51.100.50')).toBe(false);
  });

  it('SIGHUP with a new priority: a master advertises it at once, no new election', async () => {
    start();
    await vi.advanceTimersByTimeAsync(MDI_100);
    router?.reload(conf(PAIR.replace('priority 100', 'priority 120')));
    expect(io.sent.at(-1)?.advert.priority).toBe(120);
    expect(router?.stats().instances.VI_1?.state).toBe('master');
  });

  it('adverts stay on the period when the event loop wakes late: timers are stepped at their due time', async () => {
    start();
    await vi.advanceTimersByTimeAsync(MDI_100);
    // The clock jumps 300 ms while no timer runs (the loop was blocked): the advert due at 4609 goes out
    // 300 ms late, and the next ones are back on the 1 s grid instead of 300 ms behind it.
    await vi.advanceTimersByTimeAsync(500);
    vi.setSystemTime(Date.now() + 300);
    await vi.advanceTimersByTimeAsync(2500);
    expect(io.sent.map((s) => s.at)).toEqual([3609, 4909, 5609, 6609]);
  });

  it('a timer reads what waits in the socket first: an advert that arrived in time keeps it backup', async () => {
    start();
    io.receive({ priority: 150 });
    // the next advert arrives just before the master-down timer runs out, but is still unread
    await vi.advanceTimersByTimeAsync(MDI_100 - 2);
    io.queued.push(io.packet({ priority: 150 }));
    await vi.advanceTimersByTimeAsync(10);
    expect(io.sent).toEqual([]);
    expect(router?.stats().instances.VI_1?.state).toBe('backup');
    // and master-down restarted from that advert's arrival, not from when it was read
    await vi.advanceTimersByTimeAsync(MDI_100 - 12);
    expect(io.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(io.sent).toHaveLength(1);
  });

  it('batches receives for at most a quarter interval, under Skew_Time − 1 ms, at most 250 ms', () => {
    start();
    // v2, 1 s, priority 100: a quarter interval 250 ms, Skew_Time 609.4 ms
    expect(io.coalesce.get('eth0/4')).toBe(250);
    const fast = new FakeIo();
    io = fast;
    start(PAIR.replace('advert_int 1', 'advert_int 0.01\n  version 3'), fast);
    // v3, 10 ms, priority 100: Skew_Time 6.09 ms, a quarter interval 2.5 ms
    expect(fast.coalesce.get('eth0/4')).toBe(2.5);
    const top = new FakeIo();
    io = top;
    start(
      PAIR.replace('advert_int 1', 'advert_int 0.1\n  version 3').replace('priority 100', 'priority 250'),
      top,
    );
    // priority 250 at 100 ms: Skew_Time 2.34 ms → 1.34 ms
    expect(top.coalesce.get('eth0/4')).toBeCloseTo(1.34375, 5);
  });

  it('no batching while master: a priority-0 advert is read and answered at once', async () => {
    start();
    expect(io.coalesce.get('eth0/4')).toBe(250);
    await vi.advanceTimersByTimeAsync(MDI_100);
    expect(router?.stats().instances.VI_1?.state).toBe('master');
    expect(io.coalesce.get('eth0/4')).toBe(0);
    // a better master appears: backup again, batched again
    io.receive({ priority: 150 });
    expect(router?.stats().instances.VI_1?.state).toBe('backup');
    expect(io.coalesce.get('eth0/4')).toBe(250);
  });

  it('unicast_peer: adverts to each peer from unicast_src_ip, not to the group; only unicast adverts count', async () => {
    io.addrs.set('eth0', new Set(['198.51.100.2', '198.51.100.20']));
    start(
      PAIR.replace(
        'advert_int 1',
        'advert_int 1\n  unicast_src_ip 198.51.100.20\n  unicast_peer {\n    198.51.100.1\n    198.51.100.3 min_ttl 250\n  }',
      ),
    );
    const unicastFrom = (src: string, priority: number, ttl = 255) => {
      const msg = encodeVrrp(
        { version: 2, vrid: 51, priority, addresses: ['198.51.100.50'], intervalMs: 1000 },
        { family: 4, src, dst: '198.51.100.20' },
      );
      io.receivers.get('eth0/4')?.({ data: msg, src, dst: '198.51.100.20', ttl, atMs: io.now() });
    };
    // A higher priority master heard at the group is not this instance's master: it takes over.
    for (let i = 0; i < 4; i++) {
      io.receive({ priority: 150 });
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(io.holds('198.51.100.50')).toBe(true);
    expect(router?.stats().instances.VI_1?.drops).toEqual({ unexpected_multicast: 4 });
    // Each advert goes to both peers, from unicast_src_ip, its checksum over that pair of addresses
    // (FakeIo decodes it against the destination it was sent to).
    const first = io.sent.filter((s) => s.at === io.sent[0]?.at);
    expect(first.map((s) => [s.src, s.dst])).toEqual([
      ['198.51.100.20', '198.51.100.1'],
      ['198.51.100.20', '198.51.100.3'],
    ]);
    // A unicast advert from a higher priority, at a routed TTL (no check_unicast_src: any TTL): backup.
    unicastFrom('198.51.100.1', 150, 62);
    expect(io.holds('198.51.100.50')).toBe(false);
  });

  it('track_script: first run at start, then every interval; fall failures lower the priority, rise successes restore it', async () => {
    const body = `vrrp_script chk {\n  script "/usr/bin/check web"\n  interval 2\n  weight -60\n  fall 2\n  rise 2\n}\n${PAIR.replace(
      'advert_int 1',
      'advert_int 1\n  track_script {\n    chk\n  }',
    )}`;
    start(body);
    await vi.advanceTimersByTimeAsync(0);
    expect(io.scriptRuns).toEqual([{ at: 0, argv: ['/usr/bin/check', 'web'] }]);
    await vi.advanceTimersByTimeAsync(MDI_100);
    expect(router?.stats().instances.VI_1).toMatchObject({ state: 'master', priority: 100 });
    io.scriptOk.set('/usr/bin/check', false);
    await vi.advanceTimersByTimeAsync(2400); // runs at 4 s (1st failure) and 6 s (2nd: fall 2)
    expect(io.scriptRuns.map((r) => r.at)).toEqual([0, 2000, 4000, 6000]);
    expect(router?.stats().instances.VI_1?.priority).toBe(40);
    // the master advertised the lower priority at once
    expect(io.sent.find((x) => x.at === 6000)?.advert.priority).toBe(40);
    expect(router?.stats().scripts.chk).toMatchObject({ state: 'failed', runs: 4, lastStatus: 1 });
    io.scriptOk.set('/usr/bin/check', true);
    await vi.advanceTimersByTimeAsync(4000);
    expect(router?.stats().instances.VI_1?.priority).toBe(100);
    expect(io.log.filter((l) => l.startsWith('script ')).map((l) => JSON.parse(l.slice(7)).result)).toEqual([
      'ok',
      'failed',
      'ok',
    ]);
  });

  it('track_script with weight 0: FAULT until the script first succeeds; failing as master → priority 0, VIPs gone', async () => {
    io.scriptOk.set('/bin/false', false);
    const body = `vrrp_script chk {\n  script /bin/false\n}\n${PAIR.replace('advert_int 1', 'advert_int 1\n  track_script {\n    chk\n  }')}`;
    start(body);
    await vi.advanceTimersByTimeAsync(MDI_100 + 1000);
    expect(router?.stats().instances.VI_1?.state).toBe('fault');
    expect(io.sent).toEqual([]);
    io.scriptOk.set('/bin/false', true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(router?.stats().instances.VI_1?.state).toBe('backup');
    await vi.advanceTimersByTimeAsync(MDI_100);
    expect(io.holds('198.51.100.50')).toBe(true);
    io.scriptOk.set('/bin/false', false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(router?.stats().instances.VI_1?.state).toBe('fault');
    expect(io.sent.at(-1)?.advert.priority).toBe(0);
    expect(io.holds('198.51.100.50')).toBe(false);
  });

  it('notify scripts: notify_<state> and the generic notify with INSTANCE NAME STATE PRIORITY, STOP at the end', async () => {
    start(
      PAIR.replace(
        'advert_int 1',
        'advert_int 1\n  notify_master "/usr/local/bin/on-master now"\n  notify "/usr/local/bin/vrrp-log"',
      ),
    );
    await vi.advanceTimersByTimeAsync(MDI_100);
    await router?.stop();
    expect(io.scriptRuns.map((r) => [r.at, r.argv.join(' ')])).toEqual([
      [0, '/usr/local/bin/vrrp-log INSTANCE VI_1 BACKUP 100'],
      [3609, '/usr/local/bin/on-master now'],
      [3609, '/usr/local/bin/vrrp-log INSTANCE VI_1 MASTER 100'],
      [3609, '/usr/local/bin/vrrp-log INSTANCE VI_1 STOP 100'],
    ]);
  });

  it('use_vmac: the VMAC exists from the start, adverts leave through it, VIPs live on it; all undone at stop', async () => {
    const sent: string[] = [];
    const open = io.openSocket.bind(io);
    io.openSocket = (ifname, family, onPacket) => {
      const s = open(ifname, family, onPacket);
      const send = s.send;
      s.send = (m: Buffer, src: string, dst?: string, via?: string) => {
        sent.push(via ?? ifname);
        send(m, src, dst);
      };
      return s;
    };
    start(PAIR.replace('interface eth0', 'interface eth0\n  use_vmac'));
    expect(io.vmacs).toEqual(['vrrp.51']);
    expect(Object.fromEntries(io.sysctls)).toEqual({
      'net/ipv4/conf/vrrp.51/accept_local': '1',
      'net/ipv4/conf/vrrp.51/arp_ignore': '1',
      'net/ipv4/conf/vrrp.51/rp_filter': '0',
      'net/ipv4/conf/eth0/arp_ignore': '1',
      'net/ipv4/conf/eth0/arp_filter': '1',
    });
    await vi.advanceTimersByTimeAsync(MDI_100);
    expect(io.holds('198.51.100.50', 'vrrp.51')).toBe(true);
    // heard and sent on the VMAC (its own adverts' MAC is the peers' too: the parent never sees them)
    expect(sent).toEqual(['vrrp.51']);
    expect([...io.receivers.keys()]).toEqual(['vrrp.51/4']);
    // the GARPs carry the VMAC's MAC, the virtual router MAC
    const garp = io.frames.find((f) => f.frame.readUInt16BE(12) === 0x0806);
    expect(garp?.ifname).toBe('vrrp.51');
    expect(garp?.frame.subarray(6, 12)).toEqual(Buffer.from('00005e000133', 'hex'));
    await router?.stop();
    expect(io.vmacs).toEqual([]);
    expect(io.sysctls.get('net/ipv4/conf/eth0/arp_ignore')).toBe('0');
    expect(io.sysctls.get('net/ipv4/conf/eth0/arp_filter')).toBe('0');
  });
});
