import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../keepalived/config/parse.js';
import { ConfigError, loadRouterConfig, resolveRouterConfig } from './config.js';

const resolve = (text: string) => resolveRouterConfig(parseConfig(text, 'k.conf'), 'k.conf');
const topo = (p: string) => fileURLToPath(new URL(`../../topologies/${p}`, import.meta.url));

describe('tsvrrpd configuration', () => {
  it("reads the post's proxy1.conf: both instances, keepalived's warnings, nothing unimplemented", async () => {
    const cfg = await loadRouterConfig(topo('post/proxy1.conf'));
    expect(cfg.instances.map((i) => [i.name, i.vrid, i.ifname, i.family, i.version])).toEqual([
      ['WAN_1', 3, 'eth0', 4, 2],
      ['LAN_1', 4, 'eth0', 4, 2],
    ]);
    const wan = cfg.instances[0];
    expect(wan?.vips).toEqual([{ address: '203.0.113.140', prefix: 24, family: 4, dev: 'eth2' }]);
    expect(wan?.password).toBe('yourpass');
    expect(wan?.core).toMatchObject({
      state: 'MASTER',
      priority: 90,
      advertInt: 2,
      preemptDelay: 30,
      garpMasterDelay: 1,
      dontTrackPrimary: true,
      trackInterfaces: [{ name: 'eth2', weight: undefined }],
      lowerPrioImmediateAdvert: true,
      garpLowerPrioRepeat: 5,
    });
    expect(cfg.warnings.filter((w) => w.message.includes('tsvrrpd does not implement'))).toEqual([]);
  });

  it('names every keyword it does not implement with file:line:col', () => {
    const cfg = resolve(
      [
        'global_defs {',
        '  notification_email { a@b }',
        '}',
        'vrrp_track_file f { file /tmp/f }',
        'vrrp_instance A {',
        '  interface eth0',
        '  virtual_router_id 1',
        '  notify_master_rx_lower_pri /bin/true',
        '  skip_check_adv_addr',
        '  bogus_keyword',
        '  virtual_ipaddress {',
        '    198.51.100.50/24 dev eth0 scope global',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(cfg.warnings.map((w) => `${w.at.line}:${w.at.col} ${w.message}`)).toEqual([
      "10:3 Unknown keyword 'bogus_keyword'",
      "2:3 tsvrrpd does not implement 'notification_email' - ignoring it",
      "4:1 tsvrrpd does not implement 'vrrp_track_file' - ignoring it",
      "8:3 tsvrrpd does not implement 'notify_master_rx_lower_pri' - ignoring it",
      "9:3 tsvrrpd does not implement 'skip_check_adv_addr' - ignoring it",
      "12:31 tsvrrpd does not implement address option 'scope' - ignoring it",
    ]);
  });

  it.each([
    [
      'vrrp_instance A {\n virtual_router_id 1\n virtual_ipaddress {\n 198.51.100.5\n }\n}',
      'k.conf:1:1: (A) no interface configured',
    ],
    [
      'vrrp_instance A {\n interface eth0\n virtual_ipaddress {\n 198.51.100.5\n }\n}',
      'k.conf:1:1: (A) no virtual_router_id configured',
    ],
    [
      'vrrp_instance A {\n interface eth0\n virtual_router_id 1\n}',
      'k.conf:1:1: (A) no virtual_ipaddress configured',
    ],
    ['global_defs {\n}', 'k.conf:1:1: no vrrp_instance configured'],
  ])('cannot run %j', (text, message) => {
    expect(() => resolve(text)).toThrow(ConfigError);
    expect(() => resolve(text)).toThrow(message);
  });

  it('a VRID used twice on one interface is an error naming both instances', () => {
    const inst = (n: string) =>
      `vrrp_instance ${n} {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n 198.51.100.5\n }\n}\n`;
    expect(() => resolve(inst('A') + inst('B'))).toThrow(
      'k.conf:8:1: (B) VRID 7 on eth0 is already used by A (k.conf:1)',
    );
  });

  it('IPv6 addresses make a v3 instance; mixed families keep the first one; v3 intervals in centiseconds', () => {
    const cfg = resolve(
      'vrrp_instance A {\n interface eth0\n virtual_router_id 1\n advert_int 0.014\n virtual_ipaddress {\n 2001:db8::50/64\n 198.51.100.5\n }\n}',
    );
    const [a] = cfg.instances;
    expect(a).toMatchObject({ family: 6, version: 3, vips: [{ address: '2001:db8::50', prefix: 64 }] });
    expect(a?.core.advertInt).toBe(0.01);
    expect(cfg.warnings.map((w) => w.message)).toEqual([
      "(A) 198.51.100.5 is not IPv6 like the instance's first address - ignoring it",
    ]);
  });

  it('sync groups: members must exist, groups of one are dropped', () => {
    const inst = (n: string, id: number) =>
      `vrrp_instance ${n} {\n interface eth0\n virtual_router_id ${id}\n virtual_ipaddress {\n 198.51.100.${id}\n }\n}\n`;
    const cfg = resolve(
      `${inst('A', 1)}${inst('B', 2)}vrrp_sync_group G {\n group {\n A\n B\n C\n }\n}\nvrrp_sync_group H {\n group {\n A\n }\n}\n`,
    );
    expect(cfg.syncGroups).toEqual([{ name: 'G', members: ['A', 'B'] }]);
    expect(cfg.warnings.map((w) => w.message)).toEqual([
      'sync group G: no vrrp_instance C - ignoring it',
      'sync group H: A is already in another sync group - ignoring it',
      'sync group H has fewer than two instances - ignoring it',
    ]);
  });

  it('unicast: peers with their TTL ranges, check_unicast_src per instance or global, a wrong-family address skipped', () => {
    const cfg = resolve(
      [
        'global_defs {',
        ' vrrp_check_unicast_src',
        '}',
        'vrrp_instance A {',
        ' interface eth0',
        ' virtual_router_id 7',
        ' unicast_src_ip 198.51.100.1',
        ' unicast_peer {',
        '  198.51.100.2 min_ttl 250 max_ttl 255',
        '  2001:db8::2',
        '  198.51.100.3',
        ' }',
        ' virtual_ipaddress {',
        '  198.51.100.5/24',
        ' }',
        '}',
        'vrrp_instance B {',
        ' interface eth0',
        ' virtual_router_id 8',
        ' unicast_src_ip fe80::1',
        ' check_unicast_src',
        ' unicast_peer {',
        '  fe80::2',
        ' }',
        ' virtual_ipaddress {',
        '  fe80::8/64',
        ' }',
        '}',
      ].join('\n'),
    );
    const [a, b] = cfg.instances;
    expect(a).toMatchObject({
      unicastSrcIp: '198.51.100.1',
      unicastPeers: ['198.51.100.2', '198.51.100.3'],
      unicastPeerTtl: [{ address: '198.51.100.2', min: 250, max: 255 }],
      checkUnicastSrc: true,
    });
    expect(b).toMatchObject({ unicastSrcIp: 'fe80::1', unicastPeers: ['fe80::2'], checkUnicastSrc: true });
    expect(cfg.warnings.map((w) => `${w.at.line}: ${w.message}`)).toEqual([
      '4: (A) unicast address 2001:db8::2 is not IPv4 like the instance - skipping it',
    ]);
  });

  it('vrrp_script: tracked ones in milliseconds (timeout defaults to the interval), unused ones dropped as keepalived does', () => {
    const cfg = resolve(
      [
        'vrrp_script chk {',
        ' script "/usr/bin/test -e /run/ok"',
        ' interval 3',
        ' fall 2',
        ' init_fail',
        ' user nobody',
        '}',
        'vrrp_script spare {',
        ' script /bin/true',
        '}',
        'vrrp_instance A {',
        ' interface eth0',
        ' virtual_router_id 7',
        ' track_script {',
        '  chk weight -20',
        ' }',
        ' virtual_ipaddress {',
        '  198.51.100.5/24',
        ' }',
        '}',
      ].join('\n'),
    );
    expect(cfg.scripts).toEqual([
      {
        name: 'chk',
        argv: ['/usr/bin/test', '-e', '/run/ok'],
        intervalMs: 3000,
        timeoutMs: 3000,
        rise: 1,
        fall: 2,
        initFail: true,
      },
    ]);
    expect(cfg.instances[0]?.core.trackScripts).toEqual([
      { name: 'chk', weight: -20, reverse: false, initFail: true },
    ]);
    expect(cfg.warnings.map((w) => `${w.at.line}: ${w.message}`)).toEqual([
      "1: tsvrrpd does not implement 'user' for vrrp_script chk: it runs as tsvrrpd does",
      '8: Warning - script spare is not used',
    ]);
  });

  it('use_vmac: vrrp.VRID with the virtual router MAC, VIPs on it; the IPv6 twin of a VRID gets vrrp6.VRID', () => {
    const cfg = resolve(
      [
        'vrrp_instance A {',
        ' interface eth0',
        ' virtual_router_id 7',
        ' use_vmac',
        ' virtual_ipaddress {',
        '  198.51.100.5/24',
        '  198.51.100.6/24 dev eth1',
        ' }',
        '}',
        'vrrp_instance B {',
        ' interface eth0',
        ' virtual_router_id 7',
        ' use_vmac',
        ' vmac_xmit_base',
        ' virtual_ipaddress {',
        '  fe80::7/64',
        ' }',
        '}',
      ].join('\n'),
    );
    const [a, b] = cfg.instances;
    expect(a?.vmac).toEqual({ ifname: 'vrrp.7', mac: '00:00:5e:00:01:07', xmitBase: false });
    expect(a?.vips.map((v) => v.dev)).toEqual(['vrrp.7', 'eth1']);
    expect(b?.vmac).toEqual({ ifname: 'vrrp6.7', mac: '00:00:5e:00:02:07', xmitBase: true });
    expect(b?.vips.map((v) => v.dev)).toEqual(['vrrp6.7']);
  });
});
