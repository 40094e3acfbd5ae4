import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerLint } from '../../harness/lint.js';
import { InputError } from '../errors.js';
import { blockEnds, type Finding, formatFinding, lintFiles } from './lint.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keepalived-lint-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Writes the files into the temp dir and lints them together, in the order given. */
async function lint(files: Record<string, string>): Promise<Finding[]> {
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, text);
    paths.push(path);
  }
  return lintFiles(paths);
}

/** `file:line:col severity code`, the file as its base name. */
const brief = (findings: Finding[]): string[] =>
  findings.map((f) => `${basename(f.file)}:${f.line}:${f.col} ${f.severity} ${f.code}`);
const codes = (findings: Finding[]): string[] => findings.map((f) => f.code);

/** One instance in a file; `body` is its statements. */
const instance = (name: string, body: string): string => `vrrp_instance ${name} {\n${body}\n}\n`;
const basic = (extra = '', vrid = 7, iface = 'eth0'): string =>
  `    interface ${iface}\n    virtual_router_id ${vrid}\n    virtual_ipaddress {\n        10.0.0.1/24\n    }\n${extra}`;

const topology = (name: string) => fileURLToPath(new URL(`../../topologies/${name}`, import.meta.url));

describe("lint on the post's configs", () => {
  it('reports the sync group, the cleared preempt_delay and the untracked peer interfaces', async () => {
    const findings = await lintFiles([topology('post/proxy1.conf'), topology('post/proxy2.conf')]);
    expect(brief(findings)).toEqual([
      'proxy1.conf:8:1 warning sync-group-single',
      'proxy1.conf:14:5 error sync-group-extra-group',
      'proxy1.conf:17:1 error sync-group-stray-brace',
      'proxy1.conf:20:5 info master-not-owner',
      'proxy1.conf:25:5 warning preempt-delay-master',
      'proxy1.conf:28:5 info auth-pass',
      'proxy1.conf:32:5 warning untracked-peer-interface',
      'proxy1.conf:49:5 info auth-pass',
      'proxy1.conf:53:5 warning untracked-peer-interface',
      'proxy2.conf:8:1 warning sync-group-single',
      'proxy2.conf:14:5 error sync-group-extra-group',
      'proxy2.conf:17:1 error sync-group-stray-brace',
      'proxy2.conf:28:5 info auth-pass',
      'proxy2.conf:32:5 warning untracked-peer-interface',
      'proxy2.conf:41:5 info master-not-owner',
      'proxy2.conf:46:5 warning preempt-delay-master',
      'proxy2.conf:49:5 info auth-pass',
      'proxy2.conf:53:5 warning untracked-peer-interface',
    ]);
    const messages = findings.filter((f) => basename(f.file) === 'proxy1.conf').map((f) => f.message);
    expect(messages).toEqual([
      'sync group VG_1 has a single member (WAN_1)',
      'Group list already specified for sync group VG_1',
      "keepalived reads this '}' as an unknown keyword (Unknown keyword '}')",
      '(WAN_1) state MASTER with priority 90 (< 255)',
      '(WAN_1) preempt_delay is cleared: the instance has state MASTER',
      '(WAN_1) uses PASS authentication',
      "WAN_1 does not track eth1, the interface of LAN_1's VIP 10.5.247.10",
      '(LAN_1) uses PASS authentication',
      "LAN_1 does not track eth2, the interface of WAN_1's VIP 203.0.113.140",
    ]);
    const wanEth1 = findings.find((f) => f.message.startsWith('WAN_1 does not track eth1'));
    expect(wanEth1?.why).toContain('its nginx reaches the webs through eth1');
    expect(wanEth1?.why).toContain("Add eth1 to WAN_1's track_interface");
    expect(findings.find((f) => f.code === 'sync-group-stray-brace')?.why).toContain(
      "its '}' (line 16) closes vrrp_sync_group VG_1",
    );
    // The post's priorities agree with its states: WAN_1 90 (MASTER) over 80, LAN_1 100 (MASTER) over 80.
    expect(codes(findings)).not.toContain('master-lower-priority');
  });

  it('post-fixed loses the finding that WAN_1 does not track eth1, and nothing else', async () => {
    const post = await lintFiles([topology('post/proxy1.conf'), topology('post/proxy2.conf')]);
    const fixed = await lintFiles([topology('post-fixed/proxy1.conf'), topology('post-fixed/proxy2.conf')]);
    const gist = (fs: Finding[]) => fs.map((f) => `${basename(f.file)} ${f.code}: ${f.message}`);
    const wanEth1 =
      "untracked-peer-interface: WAN_1 does not track eth1, the interface of LAN_1's VIP 10.5.247.10";
    expect(gist(fixed)).toEqual(gist(post).filter((g) => !g.endsWith(wanEth1)));
    expect(gist(post).filter((g) => g.endsWith(wanEth1))).toHaveLength(2);
  });
});

describe('lint sync groups', () => {
  it('flags a single member, a member naming no instance, and the stray brace of a second group', async () => {
    const text =
      'vrrp_sync_group G {\n  group {\n    A\n    NOPE\n  }\n  group {\n    B\n  }\n}\n' +
      instance('A', basic('', 1)) +
      instance('B', basic('', 2));
    expect(brief(await lint({ 'k.conf': text }))).toEqual([
      'k.conf:1:1 warning sync-group-single',
      'k.conf:4:5 warning sync-group-unknown-member',
      'k.conf:6:3 error sync-group-extra-group',
      'k.conf:9:1 error sync-group-stray-brace',
    ]);
  });

  it('is quiet about a well-formed group whose members track each other', async () => {
    const text =
      'vrrp_sync_group G {\n  group {\n    A B\n  }\n}\n' +
      instance('A', basic('    virtual_ipaddress {\n        10.1.0.1/24 dev eth1\n    }', 1)) +
      instance('B', basic('', 2));
    // A's second VIP block adds to the first; the VIP on eth1 is not in track_interface (info only).
    expect(brief(await lint({ 'k.conf': text }))).toEqual(['k.conf:13:9 info vip-untracked-interface']);
  });
});

describe('lint instance options keepalived clears', () => {
  it('flags preempt_delay and nopreempt with state MASTER', async () => {
    const text = instance(
      'A',
      basic('    state MASTER\n    priority 255\n    preempt_delay 10\n    nopreempt'),
    );
    const findings = await lint({ 'k.conf': text });
    expect(brief(findings)).toEqual([
      'k.conf:9:5 warning preempt-delay-master',
      'k.conf:10:5 warning nopreempt-master',
    ]);
    expect(findings[1]?.why).toContain('nopreempt will not work with initial state MASTER - clearing');
  });

  it('keeps them with state BACKUP', async () => {
    const text = instance('A', basic('    state BACKUP\n    preempt_delay 10\n    nopreempt'));
    expect(await lint({ 'k.conf': text })).toEqual([]);
  });

  it('notes state MASTER below priority 255', async () => {
    const findings = await lint({ 'k.conf': instance('A', basic('    state MASTER\n    priority 200')) });
    expect(brief(findings)).toEqual(['k.conf:7:5 info master-not-owner']);
  });
});

describe('lint authentication', () => {
  const auth = (type: string, pass: string) =>
    `    authentication {\n        auth_type ${type}\n        auth_pass ${pass}\n    }`;

  it('flags a password longer than 8 characters', async () => {
    const findings = await lint({ 'k.conf': instance('A', basic(auth('PASS', 'secret123'))) });
    expect(brief(findings)).toEqual(['k.conf:7:5 info auth-pass', 'k.conf:9:19 warning auth-pass-truncated']);
  });

  it('flags PASS with VRRPv3 (and does not also call it cleartext)', async () => {
    const findings = await lint({ 'k.conf': instance('A', basic(`    version 3\n${auth('PASS', 'pw')}`)) });
    expect(brief(findings)).toEqual(['k.conf:8:5 warning auth-v3']);
  });

  it('flags AH', async () => {
    const findings = await lint({ 'k.conf': instance('A', basic(auth('AH', 'pw'))) });
    expect(brief(findings)).toEqual(['k.conf:7:5 warning auth-ah']);
  });
});

describe('lint VRIDs', () => {
  it('flags two instances with one VRID on one interface and family', async () => {
    const findings = await lint({ 'k.conf': instance('A', basic()) + instance('B', basic()) });
    expect(brief(findings)).toEqual(['k.conf:11:5 error vrid-clash']);
    expect(findings[0]?.message).toBe('A and B both use VRID 7 with IPv4 on interface eth0');
  });

  it('allows one VRID on other interfaces or for the other family', async () => {
    const v6 =
      '    interface eth0\n    virtual_router_id 7\n    virtual_ipaddress {\n        fd00::1/64\n    }';
    const text = instance('A', basic()) + instance('B', basic('', 7, 'eth1')) + instance('C', v6);
    expect(await lint({ 'k.conf': text })).toEqual([]);
  });

  it('flags a VRID out of 1..255 once, and a missing VRID', async () => {
    const text =
      instance('A', basic('', 300)) + instance('B', '    interface eth0') + instance('C', basic('', 0));
    const findings = await lint({ 'k.conf': text });
    expect(brief(findings)).toEqual([
      'k.conf:3:23 error vrid-range',
      'k.conf:9:1 error vrid-missing',
      'k.conf:14:23 error vrid-range',
    ]);
  });
});

describe('lint peers across files', () => {
  const peer = (state: string, priority: number, extra = '') =>
    instance('VI', basic(`    state ${state}\n    priority ${priority}\n${extra}`));

  it('flags a MASTER with a lower priority than its BACKUP peer', async () => {
    const findings = await lint({ 'a.conf': peer('MASTER', 90), 'b.conf': peer('BACKUP', 100) });
    expect(brief(findings)).toEqual([
      'a.conf:7:5 info master-not-owner',
      'a.conf:8:5 error master-lower-priority',
    ]);
    expect(findings[1]?.message).toMatch(
      /^VI is state MASTER with priority 90, lower than the BACKUP's 100 in /,
    );
  });

  it("is quiet when the MASTER's priority is higher", async () => {
    const findings = await lint({ 'a.conf': peer('MASTER', 100), 'b.conf': peer('BACKUP', 90) });
    expect(codes(findings)).toEqual(['master-not-owner']);
  });

  it('flags a priority tie, a VRID mismatch and an advert_int mismatch', async () => {
    const b = instance('VI', basic('    state BACKUP\n    priority 100\n    advert_int 3', 8));
    const findings = await lint({ 'a.conf': peer('MASTER', 100), 'b.conf': b });
    expect(brief(findings)).toEqual([
      'a.conf:1:1 error peer-advert-int-mismatch',
      'a.conf:3:5 error peer-vrid-mismatch',
      'a.conf:7:5 info master-not-owner',
      'a.conf:8:5 warning peer-priority-tie',
      'b.conf:3:5 error peer-vrid-mismatch',
      'b.conf:9:5 error peer-advert-int-mismatch',
    ]);
  });

  it('takes an advert_int mismatch for a warning with VRRPv3, where the BACKUP adopts the interval', async () => {
    const a = instance('VI', basic('    version 3\n    advert_int 0.5'));
    const b = instance('VI', basic('    version 3'));
    expect(brief(await lint({ 'a.conf': a, 'b.conf': b }))).toEqual([
      'a.conf:8:5 warning peer-advert-int-mismatch',
      'b.conf:1:1 warning peer-advert-int-mismatch',
    ]);
  });

  it('flags a version mismatch', async () => {
    const findings = await lint({
      'a.conf': instance('VI', basic('    version 3')),
      'b.conf': instance('VI', basic()),
    });
    expect(brief(findings)).toEqual([
      'a.conf:7:5 error peer-version-mismatch',
      'b.conf:1:1 error peer-version-mismatch',
    ]);
    expect(findings[0]?.message).toMatch(/^VI speaks VRRPv3 here but VRRPv2 in /);
  });

  it('flags an authentication mismatch with VRRPv2 without printing the passwords', async () => {
    const auth = (pass: string) =>
      `    authentication {\n        auth_type PASS\n        auth_pass ${pass}\n    }`;
    const findings = await lint({
      'a.conf': instance('VI', basic(auth('alpha1'))),
      'b.conf': instance('VI', basic(auth('bravo2'))),
      'c.conf': instance('VI', basic(auth('alpha1'))),
    });
    expect(brief(findings)).toEqual([
      'a.conf:7:5 error peer-auth-mismatch',
      'a.conf:7:5 info auth-pass',
      'b.conf:7:5 error peer-auth-mismatch',
      'b.conf:7:5 info auth-pass',
      'c.conf:7:5 error peer-auth-mismatch',
      'c.conf:7:5 info auth-pass',
    ]);
    expect(findings[0]?.message).toMatch(/^VI has another auth_pass here than in .*b\.conf$/);
    expect(findings.map((f) => f.message).join()).not.toMatch(/alpha|bravo/);
  });
});

describe('lint unicast peers across files', () => {
  const uc = (src: string | undefined, ...peers: string[]) =>
    `${src ? `    unicast_src_ip ${src}\n` : ''}    unicast_peer {\n${peers.map((p) => `        ${p}\n`).join('')}    }`;
  const v6 = (extra: string) =>
    `    interface eth0\n    virtual_router_id 7\n    virtual_ipaddress {\n        fe80::7/64\n    }\n${extra}`;

  it('is quiet when each side names the address the other sends from', async () => {
    const findings = await lint({
      'a.conf': instance('VI', basic(uc('10.0.0.2', '10.0.0.3'))),
      'b.conf': instance('VI', basic(uc('10.0.0.3', '10.0.0.2'))),
    });
    expect(brief(findings)).toEqual([]);
  });

  it("flags unicast on one side only, and a peer list without the other side's unicast_src_ip", async () => {
    const one = await lint({
      'a.conf': instance('VI', basic(uc(undefined, '10.0.0.3'))),
      'b.conf': instance('VI', basic()),
    });
    expect(brief(one)).toEqual(['a.conf:7:5 error peer-unicast-mismatch']);
    const wrong = await lint({
      'a.conf': instance('VI', basic(uc('10.0.0.2', '10.0.0.9'))),
      'b.conf': instance('VI', basic(uc('10.0.0.3', '10.0.0.2'))),
    });
    expect(brief(wrong)).toEqual(['a.conf:8:5 error unicast-peer-not-source']);
    expect(wrong[0]?.message).toMatch(/does not hold 10\.0\.0\.3, the unicast_src_ip in .*b\.conf$/);
  });

  it('IPv6 without unicast_src_ip: the peer must be named by its link-local address', async () => {
    const global = await lint({
      'a.conf': instance('VI', v6(uc(undefined, '2001:db8::3'))),
      'b.conf': instance('VI', v6(uc(undefined, '2001:db8::2'))),
    });
    expect(brief(global)).toEqual([
      'a.conf:7:5 warning unicast-peer-not-source',
      'b.conf:7:5 warning unicast-peer-not-source',
    ]);
    const linkLocal = await lint({
      'a.conf': instance('VI', v6(uc(undefined, 'fe80::3'))),
      'b.conf': instance('VI', v6(uc(undefined, 'FE80:0::2'))),
    });
    expect(brief(linkLocal)).toEqual([]);
  });
});

describe('lint track weights against the peer', () => {
  const script = 'vrrp_script chk {\n    script /bin/true\n}\n';
  const tracked = (priority: number, weight: number) =>
    script +
    instance(
      'VI',
      basic(`    priority ${priority}\n    track_script {\n        chk weight ${weight}\n    }`),
    );
  const plain = (priority: number) => instance('VI', basic(`    priority ${priority}`));

  it('flags a weight that leaves the failing master above or level with its peer', async () => {
    const above = await lint({ 'a.conf': tracked(150, -30), 'b.conf': plain(100) });
    expect(brief(above)).toEqual(['a.conf:12:9 warning track-weight-no-failover']);
    expect(above[0]?.message).toMatch(
      /^VI: with track_script chk failing this node is at 120, still above 100 in /,
    );
    expect(above[0]?.why).toMatch(/at least 51 in size/);
    const level = await lint({ 'a.conf': tracked(150, -50), 'b.conf': plain(100) });
    expect(level[0]?.message).toMatch(/at 100, level with 100/);
  });

  it('is quiet when the failure hands over; counts a positive weight as lost when it fails', async () => {
    expect(brief(await lint({ 'a.conf': tracked(150, -60), 'b.conf': plain(100) }))).toEqual([]);
    expect(brief(await lint({ 'a.conf': tracked(100, 60), 'b.conf': plain(150) }))).toEqual([]);
    expect(brief(await lint({ 'a.conf': tracked(120, 20), 'b.conf': plain(110) }))).toEqual([
      'a.conf:12:9 warning track-weight-no-failover',
    ]);
  });
});

describe('lint other settings', () => {
  it('flags a VIP on an interface the instance neither uses nor tracks', async () => {
    const vips = '    virtual_ipaddress {\n        10.2.0.1/24 dev eth3\n        10.3.0.1/24 dev eth4\n    }';
    const findings = await lint({
      'k.conf': instance('A', basic(`    track_interface {\n        eth4\n    }\n${vips}`)),
    });
    expect(brief(findings)).toEqual(['k.conf:11:9 info vip-untracked-interface']);
    expect(findings[0]?.why).toContain('eth3 down puts the instance into FAULT');
  });

  it('flags a fractional advert_int with VRRPv2 only', async () => {
    expect(brief(await lint({ 'k.conf': instance('A', basic('    advert_int 0.5')) }))).toEqual([
      'k.conf:7:5 warning advert-int-fractional-v2',
    ]);
    expect(await lint({ 'k.conf': instance('A', basic('    version 3\n    advert_int 0.5')) })).toEqual([]);
  });

  it('flags garp_master_delay 0 and unknown keywords', async () => {
    const findings = await lint({
      'k.conf': instance('A', basic('    garp_master_delay 0\n    priorty 50')),
    });
    expect(brief(findings)).toEqual([
      'k.conf:7:5 warning garp-master-delay-zero',
      'k.conf:8:5 warning unknown-keyword',
    ]);
    expect(findings[1]?.message).toBe("Unknown keyword 'priorty'");
  });

  it('formats a finding as file:line:col severity code: message, the why indented', () => {
    const f: Finding = {
      file: 'k.conf',
      line: 3,
      col: 5,
      severity: 'error',
      code: 'c',
      message: 'm',
      why: 'w',
    };
    expect(formatFinding(f)).toBe('k.conf:3:5 error c: m\n    w');
  });

  it('finds the closing brace of each block', () => {
    const ends = blockEnds('a {\n  b {\n  }\n} c\nd\n{ }\n', 'f');
    expect([...ends].map(([k, t]) => `${k} -> ${t.line}:${t.col}`)).toEqual([
      'f:2:3 -> 3:3',
      'f:1:1 -> 4:1',
      'f:5:1 -> 6:3', // a '{' on a later line opens the block of the statement before it
    ]);
  });
});

describe('harness lint', () => {
  async function run(...args: string[]): Promise<string[]> {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const program = new Command().exitOverride();
    registerLint(program);
    await program.parseAsync(['lint', ...args], { from: 'user' });
    return out;
  }

  it('prints the findings and exits 1 on an error', async () => {
    await writeFile(join(dir, 'k.conf'), instance('A', basic()) + instance('B', basic()));
    const out = await run(join(dir, 'k.conf'));
    expect(out).toHaveLength(1);
    expect(out[0]?.split('\n')).toEqual([
      `${join(dir, 'k.conf')}:11:5 error vrid-clash: A and B both use VRID 7 with IPv4 on interface eth0`,
      expect.stringMatching(/^ {4}keepalived logs exactly that/),
    ]);
    expect(process.exitCode).toBe(1);
  });

  it('prints JSON and exits 0 without errors', async () => {
    await writeFile(join(dir, 'k.conf'), instance('A', basic('    garp_master_delay 0')));
    const [json] = await run(join(dir, 'k.conf'), '--json');
    expect(JSON.parse(json ?? '')).toEqual([
      expect.objectContaining({ line: 7, col: 5, severity: 'warning', code: 'garp-master-delay-zero' }),
    ]);
    expect(process.exitCode).toBeUndefined();
  });

  it('turns a syntax error into an InputError at file:line:col (exit 2)', async () => {
    await writeFile(join(dir, 'k.conf'), 'vrrp_instance A {\n  state MASTER\n}\n}\n');
    const err = await run(join(dir, 'k.conf')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`${join(dir, 'k.conf')}:4:1: unmatched '}'`);
  });

  it('turns an unreadable file into an InputError (exit 2)', async () => {
    const err = await run(join(dir, 'missing.conf')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`cannot read ${join(dir, 'missing.conf')}: ENOENT`);
    const isDir = await run(dir).catch((e: unknown) => e);
    expect(isDir).toBeInstanceOf(InputError);
    expect((isDir as InputError).message).toBe(`cannot read ${dir}: EISDIR`);
  });

  it('turns a missing included file into an InputError at the include (exit 2)', async () => {
    await writeFile(join(dir, 'k.conf'), '\ninclude sub/x.conf\n');
    const err = await run(join(dir, 'k.conf')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      `${join(dir, 'k.conf')}:2:1: included file '${join(dir, 'sub/x.conf')}' does not exist`,
    );
  });
});
