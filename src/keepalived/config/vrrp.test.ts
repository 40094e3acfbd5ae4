import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.js';
import { extractVrrp, type VrrpInstanceConfig } from './vrrp.js';

const extract = (text: string) => extractVrrp(parseConfig(text, 'k.conf'));
const messages = (text: string) => extract(text).warnings.map((w) => w.message);
const instance = (body: string): VrrpInstanceConfig => {
  const [inst] = extract(`vrrp_instance VI {\n${body}\n}`).instances;
  if (!inst) throw new Error('no instance');
  return inst;
};

const postFile = (name: string) => {
  const path = fileURLToPath(new URL(`../../../topologies/post/${name}`, import.meta.url));
  return extractVrrp(parseConfig(readFileSync(path, 'utf8'), path));
};

// What both proxies share, as written in topologies/post/*.conf.
const common = {
  interface: 'eth0',
  advertInt: 2,
  version: undefined,
  nopreempt: false,
  preemptDelay: 30,
  garpMasterDelay: 1,
  dontTrackPrimary: true,
  auth: { type: 'PASS', pass: 'yourpass' },
  vipsExcluded: [],
  unicastSrcIp: undefined,
  unicastPeers: [],
};

describe('extractVrrp on the post topology', () => {
  for (const [file, wan, lan, cleared] of [
    ['proxy1.conf', { state: 'MASTER', priority: 90 }, { state: 'BACKUP', priority: 80 }, ['WAN_1', 25]],
    ['proxy2.conf', { state: 'BACKUP', priority: 80 }, { state: 'MASTER', priority: 100 }, ['LAN_1', 46]],
  ] as const) {
    it(`reads ${file} as keepalived 2.2.7 does`, () => {
      const { instances, syncGroups, warnings } = postFile(file);
      expect(instances).toMatchObject([
        {
          name: 'WAN_1',
          at: { line: 19, col: 1 },
          vrid: 3,
          ...common,
          ...wan,
          trackInterfaces: [{ name: 'eth2', weight: undefined, at: { line: 33, col: 9 } }],
          vips: [{ address: '203.0.113.140', prefix: 24, dev: 'eth2', at: { line: 36, col: 9 } }],
        },
        {
          name: 'LAN_1',
          vrid: 4,
          ...common,
          ...lan,
          trackInterfaces: [{ name: 'eth1', weight: undefined }],
          vips: [{ address: '10.5.247.10', prefix: 24, dev: 'eth1' }],
        },
      ]);
      // keepalived reads one group per sync group: the second is skipped with this message (measured).
      expect(syncGroups).toMatchObject([{ name: 'VG_1', at: { line: 8, col: 1 }, members: ['WAN_1'] }]);
      expect(warnings).toEqual([
        {
          at: { file: expect.stringMatching(/proxy\d\.conf$/), line: 14, col: 5 },
          message: 'Group list already specified for sync group VG_1',
        },
        // keepalived's own words (measured in its log) for the MASTER side of each VIP
        {
          at: { file: expect.stringMatching(/proxy\d\.conf$/), line: cleared[1], col: 5 },
          message: `(${cleared[0]}) Warning - preempt delay will not work with initial state MASTER - clearing`,
        },
      ]);
    });
  }
});

describe("extractVrrp on the post's config", () => {
  const multiLine = `
vrrp_sync_group VG_1 {
  group {
    WAN_1
  }
  group {
    LAN_1
  }
}
vrrp_instance WAN_1 {
  state MASTER
  interface eth0
  virtual_router_id 3
  dont_track_primary
  priority 90
  preempt_delay 30
  garp_master_delay 1
  advert_int 2
  authentication {
    auth_type PASS
    auth_pass yourpass
  }
  track_interface {
    eth2
  }
  virtual_ipaddress {
    203.0.113.140/24 dev eth2
  }
}`;
  // The post's one-line form with its comments taken out (with them, it does not even parse: see parse.test.ts).
  const oneLine = multiLine.replace(/\s+/g, ' ').trim();

  it('reads the multi-line form completely', () => {
    const { instances, syncGroups } = extract(multiLine);
    expect(syncGroups.map((g) => g.members)).toEqual([['WAN_1']]);
    expect(instances).toMatchObject([
      {
        name: 'WAN_1',
        state: 'MASTER',
        interface: 'eth0',
        vrid: 3,
        priority: 90,
        auth: { type: 'PASS', pass: 'yourpass' },
        trackInterfaces: [{ name: 'eth2' }],
        vips: [{ address: '203.0.113.140', prefix: 24, dev: 'eth2' }],
      },
    ]);
  });

  it('reads the one-line form the way keepalived 2.2.7 does: almost nothing survives', () => {
    // One statement per piece of line between braces: `state` swallows the rest up to `authentication`,
    // keepalived ignores the `{` after it, reads `auth_type PASS auth_pass yourpass` as an unknown keyword and
    // closes the instance at the next `}`. Measured on this text, keepalived stops with
    // "(WAN_1) the virtual router id must be set".
    const { instances, syncGroups, warnings } = extract(oneLine);
    expect(syncGroups.map((g) => g.members)).toEqual([['WAN_1']]);
    expect(instances).toMatchObject([
      {
        name: 'WAN_1',
        state: 'MASTER',
        interface: undefined,
        vrid: undefined,
        // no `priority` survives: keepalived derives 255 from state MASTER
        priority: 255,
        auth: undefined,
      },
    ]);
    expect(instances[0]?.vips).toEqual([]);
    const colOf = (text: string) => oneLine.indexOf(text) + 1;
    expect(warnings.map((w) => [w.at.col, w.message])).toEqual([
      [colOf('group { LAN_1'), 'Group list already specified for sync group VG_1'],
      [
        colOf('state'),
        "Unexpected '{' after 'state': keepalived ignores it and reads the block's contents here",
      ],
      [
        colOf('interface eth0'),
        "extra words ignored by keepalived: 'interface eth0 virtual_router_id 3 dont_track_primary priority 90 " +
          "preempt_delay 30 garp_master_delay 1 advert_int 2 authentication'",
      ],
      [colOf('auth_type'), "Unknown keyword 'auth_type'"],
      [
        colOf('track_interface'),
        "keepalived ends 'vrrp_instance WAN_1' at the '}' of 'state' above: " +
          'it reads this and the rest of the block outside it',
      ],
    ]);
  });
});

describe('extractVrrp instance keywords', () => {
  it('applies keepalived defaults', () => {
    expect(instance('')).toEqual({
      name: 'VI',
      at: { file: 'k.conf', line: 1, col: 1 },
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
    });
  });

  it('reads fractional advert_int, version, nopreempt and unicast settings', () => {
    const inst = instance(`
      advert_int 0.1
      version 3
      nopreempt
      preempt_delay 2.5
      unicast_src_ip 192.0.2.1
      unicast_peer {
        192.0.2.2
        192.0.2.3 min_ttl 250
      }`);
    expect(inst).toMatchObject({
      advertInt: 0.1,
      version: 3,
      nopreempt: true,
      preemptDelay: 2.5,
      unicastSrcIp: '192.0.2.1',
      unicastPeers: ['192.0.2.2', '192.0.2.3'],
    });
  });

  it('reads VIP options and ignores label, brd and scope values', () => {
    const { instances, warnings } = extract(`vrrp_instance VI {
      virtual_ipaddress {
        192.0.2.10
        192.0.2.11/24 brd 192.0.2.255 dev eth1 label eth1:vip scope global
        2001:db8::1/64 dev eth2 -nodad
      }
      virtual_ipaddress_excluded {
        198.51.100.1/32
      }
    }`);
    const [inst] = instances;
    expect(warnings).toEqual([]);
    expect(inst?.vips.map(({ address, prefix, dev }) => ({ address, prefix, dev }))).toEqual([
      { address: '192.0.2.10', prefix: undefined, dev: undefined },
      { address: '192.0.2.11', prefix: 24, dev: 'eth1' },
      { address: '2001:db8::1', prefix: 64, dev: 'eth2' },
    ]);
    expect(inst?.vipsExcluded).toMatchObject([{ address: '198.51.100.1', prefix: 32 }]);
  });

  it('warns about VIPs keepalived drops or misreads', () => {
    const { instances, warnings } = extract(`vrrp_instance VI {
  virtual_ipaddress {
    10.0.0.1/24 10.0.0.2/24
    10.0.0.300
    10.0.0.3/33
    10.0.0.4 dev
  }
}`);
    expect(instances[0]?.vips).toMatchObject([
      { address: '10.0.0.1', prefix: 24 },
      { address: '10.0.0.3', prefix: undefined },
    ]);
    expect(warnings.map((w) => [w.at.line, w.at.col, w.message])).toEqual([
      [3, 17, "unknown option '10.0.0.2/24' for ip address 10.0.0.1/24 - ignoring"],
      [4, 5, "invalid IP address '10.0.0.300' - skipping"],
      [5, 14, "invalid number '33' (expected 0 to 32) - using a host prefix"],
      [6, 14, 'no dev value for ip address 10.0.0.4 - skipping the address'],
    ]);
  });

  it('reads track_interface weights', () => {
    const inst = instance('track_interface {\n eth1 weight -20\n eth2 weight 254\n eth3 foo\n eth1\n}');
    expect(inst.trackInterfaces.map((t) => [t.name, t.weight])).toEqual([
      ['eth1', -20],
      ['eth2', 253],
    ]);
    expect(messages('vrrp_instance VI {\n track_interface {\n eth3 foo\n }\n}')).toEqual([
      "(VI) unknown track_interface eth3 option 'foo' - ignoring the interface",
    ]);
  });

  it('warns about bad numbers and keeps the default', () => {
    const { instances, warnings } = extract(
      'vrrp_instance VI {\n priority 256\n advert_int 0\n virtual_router_id x3\n garp_master_delay -1\n}',
    );
    expect(instances[0]).toMatchObject({
      priority: 100,
      advertInt: 1,
      vrid: undefined,
      garpMasterDelay: undefined,
    });
    expect(warnings.map((w) => [w.at.line, w.message])).toEqual([
      [2, "invalid number '256' (expected 1 to 255) - (VI) using default priority 100"],
      [3, "invalid number '0' (expected 0.01 to 255) - ignoring"],
      [4, "invalid number 'x3' (expected 1 to 255) - ignoring"],
      [5, "invalid number '-1' (expected 0 to 4294) - ignoring"],
    ]);
  });

  it('warns about unknown keywords but not about keepalived keywords it does not extract', () => {
    expect(
      messages('vrrp_instance VI {\n  notify_master /bin/true\n  track_script {\n    chk\n  }\n  prio 5\n}'),
    ).toEqual(['(VI) track script chk not found, ignoring...', "Unknown keyword 'prio'"]);
  });

  it('follows keepalived on state: BACKUP cannot override MASTER, unknown means BACKUP', () => {
    expect(instance('state MASTER\nstate BACKUP').state).toBe('MASTER');
    expect(instance('state master').state).toBe('BACKUP');
  });

  it('keeps authentication without a password but warns that keepalived ignores it', () => {
    const { instances, warnings } = extract('vrrp_instance VI {\n authentication {\n auth_type AH\n }\n}');
    expect(instances[0]?.auth).toEqual({ type: 'AH', pass: undefined });
    expect(warnings).toEqual([
      {
        at: { file: 'k.conf', line: 2, col: 2 },
        message: '(VI) Authentication specified but no password given - keepalived ignores authentication',
      },
    ]);
  });

  it('warns that keepalived rounds a fractional advert_int for VRRPv2', () => {
    const { instances, warnings } = extract('vrrp_instance VI {\n  advert_int 0.5\n}');
    expect(instances[0]?.advertInt).toBe(0.5);
    expect(warnings.map((w) => [w.at.line, w.message])).toEqual([
      [2, '(VI) VRRPv2 advert_int must be whole seconds - keepalived rounds it'],
    ]);
  });

  it('takes the default version from global_defs vrrp_version', () => {
    const { instances } = extract(
      'global_defs {\n vrrp_version 3\n}\nvrrp_instance A {\n}\nvrrp_instance B {\n version 2\n}',
    );
    expect(instances.map((i) => i.version)).toEqual([3, 2]);
  });

  it('ignores other top-level blocks and skips duplicate instances', () => {
    const { instances, warnings } = extract(
      'virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n }\n}\n' +
        'vrrp_script chk {\n script "/bin/true"\n}\nvrrp_instance A {\n}\nvrrp_instance A {\n priority 1\n}',
    );
    expect(instances.map((i) => [i.name, i.priority])).toEqual([['A', 100]]);
    expect(warnings.map((w) => w.message)).toEqual(['vrrp_instance A already defined - skipping']);
  });
});

describe('extractVrrp sync groups', () => {
  it('takes every word of the group block as a member', () => {
    const { syncGroups } = extract('vrrp_sync_group G {\n  group { A B }\n  notify_master /x\n}');
    expect(syncGroups).toEqual([{ name: 'G', at: { file: 'k.conf', line: 1, col: 1 }, members: ['A', 'B'] }]);
  });

  it("follows keepalived 2.2.7 when a second group's '}' ends the sync group early", () => {
    const { syncGroups, warnings } = extract(
      'vrrp_sync_group G {\n  group {\n    A\n  }\n  group {\n    B\n  }\n  notify_master /x\n}',
    );
    expect(syncGroups[0]?.members).toEqual(['A']);
    expect(warnings.map((w) => [w.at.line, w.message])).toEqual([
      [5, 'Group list already specified for sync group G'],
      [
        8,
        "keepalived ends 'vrrp_sync_group G' at the '}' of 'group' above: it reads this and the rest of the block outside it",
      ],
    ]);
  });
});

describe('GARP and advert options, with global_defs defaults', () => {
  it('reads the instance keywords, falling back to global_defs', () => {
    const { globals, instances, warnings } = extract(
      [
        'global_defs {',
        '  router_id lab1',
        '  vrrp_garp_master_delay 2',
        '  vrrp_garp_master_repeat 3',
        '  vrrp_garp_master_refresh 60',
        '  vrrp_lower_prio_no_advert',
        '}',
        'vrrp_instance A {',
        '  garp_master_repeat 7',
        '  garp_master_refresh_repeat 2',
        '  garp_lower_prio_repeat 0',
        '  lower_prio_no_advert false',
        '  virtual_ipaddress {',
        '    198.51.100.50/24 dev eth0 label eth0:vip brd 198.51.100.255',
        '  }',
        '}',
        'vrrp_instance B {',
        '}',
      ].join('\n'),
    );
    expect(warnings).toEqual([]);
    expect(globals).toMatchObject({ routerId: 'lab1', garpMasterDelay: 2, lowerPrioNoAdvert: true });
    expect(instances[0]).toMatchObject({
      garpMasterDelay: 2,
      garpMasterRepeat: 7,
      garpMasterRefresh: 60,
      garpMasterRefreshRepeat: 2,
      garpLowerPrioRepeat: 0,
      lowerPrioNoAdvert: false,
      vips: [
        { address: '198.51.100.50', prefix: 24, dev: 'eth0', label: 'eth0:vip', broadcast: '198.51.100.255' },
      ],
    });
    expect(instances[1]).toMatchObject({ garpMasterRepeat: 3, lowerPrioNoAdvert: true });
  });

  it('an invalid boolean is named', () => {
    expect(messages('vrrp_instance A {\n lower_prio_no_advert maybe\n}')).toEqual([
      "invalid lower_prio_no_advert 'maybe' - ignoring",
    ]);
  });
});
