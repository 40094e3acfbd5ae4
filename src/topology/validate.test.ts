import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InputError, InputErrors } from '../errors.js';
import { loadTopology, parseTopology } from './load.js';
import { type ResolvedTopology, validateTopology } from './validate.js';

const POST = fileURLToPath(new URL('../../topologies/post.yaml', import.meta.url));

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vrrp-validate-'));
  file = join(dir, 'lab.yaml');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Validates `text` as `<dir>/lab.yaml`, with `files` (keepalived configs) written next to it. */
async function validate(text: string, files: Record<string, string> = {}): Promise<ResolvedTopology> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  await writeFile(file, text);
  return validateTopology(parseTopology(text, file));
}

async function errorsOf(text: string, files: Record<string, string> = {}): Promise<InputError[]> {
  try {
    await validate(text, files);
  } catch (err) {
    expect(err).toBeInstanceOf(InputErrors);
    expect((err as InputErrors).exitCode).toBe(2);
    return (err as InputErrors).errors;
  }
  throw new Error('expected validateTopology to fail');
}

/** Asserts exactly one error, at lab.yaml (or `at`) line:col, and returns its text after the position. */
async function onlyError(
  text: string,
  line: number,
  col: number,
  files: Record<string, string> = {},
  at = 'lab.yaml',
): Promise<string> {
  const errors = await errorsOf(text, files);
  expect(errors.map((e) => e.message)).toHaveLength(1);
  const [error] = errors;
  const where = join(dir, at);
  expect(error?.pos).toEqual({ file: where, line, col });
  expect(error?.message.startsWith(`${where}:${line}:${col}: `)).toBe(true);
  return error?.message.slice(`${where}:${line}:${col}: `.length) ?? '';
}

// Two nodes on one segment; tests vary one line at a time.
const nodes = [
  'nodes:',
  '  a:',
  '    interfaces:',
  '      eth0: { addresses: [10.0.0.1/24] }',
  '  b:',
  '    interfaces:',
  '      eth0: { addresses: [10.0.0.2/24] }',
];
const base = (...links: string[]) => yaml('name: t', 'segments:', '  lan: {}', ...nodes, 'links:', ...links);
const BASE_LINKS = ['  - endpoints: [a:eth0, lan]', '  - endpoints: [b:eth0, lan]'];

const vrrpConf = (...vips: string[]) =>
  [
    'vrrp_instance VI_1 {',
    '    interface eth0',
    '    virtual_router_id 7',
    '    priority 100',
    '    virtual_ipaddress {',
    ...vips.map((v) => `        ${v}`),
    '    }',
    '}',
    '',
  ].join('\n');

describe('validateTopology: valid topologies', () => {
  it('accepts the two-node base lab and resolves its interfaces', async () => {
    const t = await validate(base(...BASE_LINKS));
    const a = t.ifaces.get('a')?.get('eth0');
    expect(a).toMatchObject({ node: 'a', name: 'eth0', segment: 'lan', port: 'a-eth0', peer: undefined });
    expect(a?.addresses.map((c) => `${c.address}/${c.prefix}`)).toEqual(['10.0.0.1/24']);
    expect(t.vrrp.size).toBe(0);
  });

  it("accepts the post's topology", async () => {
    const t = await validateTopology(await loadTopology(POST));
    expect([...t.ifaces.keys()]).toEqual(['client', 'proxy1', 'proxy2', 'web1', 'web2', 'db1', 'db2']);
    expect([...(t.ifaces.get('proxy1')?.values() ?? [])].map((i) => [i.name, i.segment, i.port])).toEqual([
      ['eth0', 'sync', 'proxy1-eth0'],
      ['eth1', 'lan', 'proxy1-eth1'],
      ['eth2', 'wan', 'proxy1-eth2'],
    ]);
    expect([...t.vrrp.keys()]).toEqual(['proxy1', 'proxy2']);
    expect(t.vrrp.get('proxy1')?.impl).toBe('keepalived');
    expect(t.vrrp.get('proxy1')?.instances.map((i) => i.name)).toEqual(['WAN_1', 'LAN_1']);
    expect(t.endpoints.get('proxy1|web1:8080')).toEqual({ address: '10.5.247.21', port: 8080 });
    expect(t.endpoints.get('proxy2|db2:5432')).toEqual({ address: '10.5.247.32', port: 5432 });
    expect(t.endpoints.get('web1|10.5.247.10:5432')).toEqual({ address: '10.5.247.10', port: 5432 });
  });

  it('--impl picks speakers per node over the file; naming a node without vrrp or no node at all is an error', async () => {
    const loaded = await loadTopology(POST);
    const mixed = await validateTopology(loaded, {
      impl: { all: 'tsvrrpd', nodes: { proxy2: 'keepalived' } },
    });
    expect([mixed.vrrp.get('proxy1')?.impl, mixed.vrrp.get('proxy2')?.impl]).toEqual([
      'tsvrrpd',
      'keepalived',
    ]);
    const bad = await validateTopology(loaded, {
      impl: { nodes: { web1: 'tsvrrpd', proxy9: 'tsvrrpd' } },
    }).catch((e: InputErrors) => e.errors.map((x) => x.message));
    expect(bad).toEqual([
      "--impl: node 'web1' runs no VRRP speaker (nodes with vrrp: proxy1, proxy2)",
      `--impl: no node 'proxy9' in ${POST} (nodes with vrrp: proxy1, proxy2)`,
    ]);
  });

  it('links two nodes point-to-point', async () => {
    const t = await validate(yaml('name: t', ...nodes, 'links:', '  - endpoints: [a:eth0, b:eth0]'));
    expect(t.ifaces.get('a')?.get('eth0')?.peer).toEqual({ node: 'b', iface: 'eth0' });
    expect(t.ifaces.get('b')?.get('eth0')?.peer).toEqual({ node: 'a', iface: 'eth0' });
    expect(t.ifaces.get('a')?.get('eth0')?.segment).toBeUndefined();
  });
});

describe('validateTopology: one error per mistake, at file:line:col', () => {
  it('unknown node in an endpoint', async () => {
    const msg = await onlyError(base(...BASE_LINKS, '  - endpoints: [c:eth0, lan]'), 14, 17);
    expect(msg).toBe("links[2].endpoints[0]: unknown node or segment 'c' in endpoint 'c:eth0'");
  });

  it('unknown segment', async () => {
    const msg = await onlyError(base(BASE_LINKS[0] ?? '', '  - endpoints: [b:eth0, lann]'), 13, 25);
    expect(msg).toBe("links[1].endpoints[1]: unknown node or segment 'lann' in endpoint 'lann'");
  });

  it('duplicate interface: the same node:iface in two links', async () => {
    const msg = await onlyError(base(...BASE_LINKS, '  - endpoints: [a:eth0, lan]'), 14, 17);
    expect(msg).toBe("links[2].endpoints[0]: duplicate interface: 'a:eth0' is already used by another link");
  });

  it('duplicate address in a segment', async () => {
    const text = base(...BASE_LINKS).replace('10.0.0.2/24', '10.0.0.1/25');
    const msg = await onlyError(text, 10, 27);
    expect(msg).toBe(
      "nodes.b.interfaces.eth0.addresses[0]: duplicate address 10.0.0.1 in segment 'lan' (also on a:eth0)",
    );
  });

  it('allows the same address on two different segments', async () => {
    const text = yaml(
      'name: t',
      'segments: { lan: {}, wan: {} }',
      ...nodes,
      '  c:',
      '    interfaces:',
      '      eth0: { addresses: [10.0.0.1/24] }',
      'links:',
      ...BASE_LINKS,
      '  - endpoints: [c:eth0, wan]',
    );
    await expect(validate(text)).resolves.toBeDefined();
  });

  it('interface name longer than 15 characters inside an endpoint', async () => {
    const msg = await onlyError(base(...BASE_LINKS, '  - endpoints: [a:averyverylongname0, lan]'), 14, 17);
    expect(msg).toBe(
      "links[2].endpoints[0]: interface 'averyverylongname0': interface name is longer than 15 characters (Linux IFNAMSIZ)",
    );
  });

  it('missing referenced config file', async () => {
    const text = yaml('name: t', 'nodes:', '  a:', '    vrrp: { config: nope.conf }');
    const msg = await onlyError(text, 4, 21);
    expect(msg).toBe(
      `nodes.a.vrrp.config: config file 'nope.conf' not found (looked for ${join(dir, 'nope.conf')})`,
    );
  });

  it('VIP outside every connected subnet, at the .conf line:col', async () => {
    const text = base(...BASE_LINKS).replace('  b:', '    vrrp: { config: a.conf }\n  b:');
    const msg = await onlyError(
      text,
      7,
      9,
      { 'a.conf': vrrpConf('10.0.0.100/24', '192.0.2.10/24') },
      'a.conf',
    );
    expect(msg).toBe("VIP 192.0.2.10 of node 'a' is outside every connected subnet (eth0 10.0.0.1/24)");
  });

  it('accepts a VIP inside a connected subnet', async () => {
    const text = base(...BASE_LINKS).replace('  b:', '    vrrp: { config: a.conf }\n  b:');
    const t = await validate(text, { 'a.conf': vrrpConf('10.0.0.100/24') });
    expect(t.vrrp.get('a')).toMatchObject({ impl: 'keepalived', configPath: join(dir, 'a.conf') });
  });

  it('interface declared under a node but not linked', async () => {
    const text = base(...BASE_LINKS).replace('  b:', '      eth1: {}\n  b:');
    const msg = await onlyError(text, 8, 7);
    expect(msg).toBe("nodes.a.interfaces.eth1: interface 'eth1' of node 'a' is not connected by any link");
  });

  it('a node and a segment with the same name', async () => {
    const text = yaml('name: t', 'segments:', '  a: {}', 'nodes:', '  a: {}', '  b: {}');
    const msg = await onlyError(text, 5, 3);
    expect(msg).toBe("nodes.a: 'a' names both a node and a segment");
  });

  it('the reserved node name switch', async () => {
    const text = yaml('name: t', 'nodes:', '  a: {}', '  switch: {}');
    const msg = await onlyError(text, 4, 3);
    expect(msg).toBe("nodes.switch: node name 'switch' is reserved for the lab's switch namespace");
  });

  it('a service upstream naming a node that shares no segment', async () => {
    const text = yaml(
      'name: t',
      'segments: { lan: {}, wan: {} }',
      ...nodes,
      '    services:',
      '      - kind: nginx',
      '        http: { listen: 10.0.0.2:80, upstream: [a:8080, c:8080] }',
      '  c:',
      '    interfaces:',
      '      eth0: { addresses: [192.0.2.3/24] }',
      'links:',
      ...BASE_LINKS,
      '  - endpoints: [c:eth0, wan]',
    );
    const msg = await onlyError(text, 12, 57);
    expect(msg).toBe("nodes.b.services[0].http.upstream[1]: node 'c' shares no addressed network with 'b'");
  });

  it('a webapp db naming a node that does not exist', async () => {
    const text = base(...BASE_LINKS).replace('  b:', '    services: [{ kind: webapp, db: zz:5432 }]\n  b:');
    const msg = await onlyError(text, 8, 36);
    expect(msg).toBe("nodes.a.services[0].db: 'zz' in 'zz:5432' is neither an address nor a node");
  });

  it('a check from an unknown node', async () => {
    const text = yaml(
      'name: t',
      'nodes:',
      '  a: {}',
      'checks:',
      '  - { name: c, from: zz, http: http://a/ }',
    );
    expect(await onlyError(text, 5, 22)).toBe("checks[0].from: unknown node 'zz'");
  });

  it('a VIP dev that is not an interface of the node', async () => {
    const text = base(...BASE_LINKS).replace('  b:', '    vrrp: { config: a.conf }\n  b:');
    const msg = await onlyError(text, 6, 9, { 'a.conf': vrrpConf('10.0.0.100/24 dev eth9') }, 'a.conf');
    expect(msg).toBe("VIP 10.0.0.100: dev 'eth9' is not an interface of node 'a'");
  });

  it('a vrrp_instance interface that is not an interface of the node', async () => {
    const text = base(...BASE_LINKS).replace('  b:', '    vrrp: { config: a.conf }\n  b:');
    const conf = vrrpConf('10.0.0.100/24').replace('interface eth0', 'interface eth1');
    const errors = await errorsOf(text, { 'a.conf': conf });
    const at = join(dir, 'a.conf');
    // The VIP has no dev, so it is checked against the (missing) instance interface too.
    expect(errors.map((e) => e.message)).toEqual([
      `${at}:1:1: vrrp_instance VI_1: interface 'eth1' is not an interface of node 'a'`,
      `${at}:6:9: VIP 10.0.0.100 of node 'a' is outside every connected subnet (no addresses)`,
    ]);
  });

  it('a keepalived syntax error names the .conf file and its line:col', async () => {
    const text = yaml('name: t', 'nodes:', '  a:', '    vrrp: { config: k.conf }');
    const errors = await errorsOf(text, { 'k.conf': 'vrrp_instance X {\n    priority 100\n' });
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringContaining(`${join(dir, 'k.conf')}:1:17: missing '}'`),
    ]);
  });

  it('a point-to-point link with both ends on the same interface', async () => {
    const text = yaml('name: t', 'nodes:', '  a: {}', 'links:', '  - endpoints: [a:eth0, a:eth0]');
    expect(await onlyError(text, 5, 25)).toBe(
      "links[0].endpoints[1]: duplicate interface: 'a:eth0' is already used by another link",
    );
  });

  it('reports all errors together', async () => {
    const text = base(BASE_LINKS[0] ?? '', '  - endpoints: [b:eth0, lann]').replace(
      '  b:',
      '  switch: {}\n  b:',
    );
    const errors = await errorsOf(text);
    expect(errors.map((e) => e.message)).toEqual([
      `${file}:8:3: nodes.switch: node name 'switch' is reserved for the lab's switch namespace`,
      `${file}:14:25: links[1].endpoints[1]: unknown node or segment 'lann' in endpoint 'lann'`,
    ]);
  });
});

// Mistakes that used to pass validation and fail later, inside `ip -batch` at `up` (or crash).
describe('validateTopology: switch namespace names, lo, zone ids', () => {
  it('rejects the same switch port name on two segments', async () => {
    const text = yaml(
      'name: t',
      'segments: { lan: {}, wan: {} }',
      'nodes:',
      '  a: {}',
      'links:',
      '  - endpoints: [a:eth0, lan:p1]',
      '  - endpoints: [a:eth1, wan:p1]',
    );
    expect(await onlyError(text, 7, 25)).toMatch(/p1/);
  });

  it('rejects two segments with the same bridge name', async () => {
    const text = yaml(
      'name: t',
      'segments: { lan: { bridge: br0 }, wan: { bridge: br0 } }',
      'nodes:',
      '  a: {}',
      'links:',
      '  - endpoints: [a:eth0, lan]',
      '  - endpoints: [a:eth1, wan]',
    );
    expect((await errorsOf(text)).map((e) => e.message)).toEqual([expect.stringMatching(/br0/)]);
  });

  it('rejects lo as a node interface', async () => {
    const text = yaml(
      'name: t',
      'segments: { lan: {} }',
      'nodes:',
      '  a: {}',
      'links:',
      '  - endpoints: [a:lo, lan]',
    );
    expect(await onlyError(text, 6, 17)).toMatch(/'lo'/);
  });

  it('reports an address with an IPv6 zone id as an input error', async () => {
    const text = base(...BASE_LINKS).replace('10.0.0.2/24', '"fe80::%eth0/64"');
    expect(await onlyError(text, 10, 27)).toMatch(/fe80::%eth0/);
  });
});
