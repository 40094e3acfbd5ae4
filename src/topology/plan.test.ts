import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadTopology, parseTopology } from './load.js';
import { type LabPlan, namespaceOf, planLab } from './plan.js';
import { validateTopology } from './validate.js';

const POST = fileURLToPath(new URL('../../topologies/post.yaml', import.meta.url));
const NODES = ['client', 'proxy1', 'proxy2', 'web1', 'web2', 'db1', 'db2'];

const postPlan = async (name?: string): Promise<LabPlan> =>
  planLab(await validateTopology(await loadTopology(POST)), name);

describe('planLab on the post topology', () => {
  it('names one namespace per node, in file order, and the switch last', async () => {
    const plan = await postPlan();
    expect(plan.lab).toBe('post');
    expect(plan.switchNs).toBe('post-switch');
    expect(plan.namespaces).toEqual([...NODES.map((n) => `post-${n}`), 'post-switch']);
    expect(plan.nodes.map((n) => [n.name, n.ns])).toEqual(NODES.map((n) => [n, namespaceOf('post', n)]));
    expect(plan.segments).toEqual([
      { name: 'sync', bridge: 'sync' },
      { name: 'lan', bridge: 'lan' },
      { name: 'wan', bridge: 'wan' },
    ]);
  });

  it('renames every namespace with a --name override', async () => {
    const plan = await postPlan('other');
    expect(plan.lab).toBe('other');
    expect(plan.switchNs).toBe('other-switch');
    expect(plan.namespaces).toEqual([...NODES.map((n) => `other-${n}`), 'other-switch']);
    expect([...plan.configBatches.keys()]).toEqual(plan.namespaces);
    const text = plan.createBatch.join('\n');
    expect(text).not.toMatch(/\bpost-/);
    for (const ns of plan.namespaces) expect(plan.createBatch).toContain(`netns add ${ns}`);
  });

  it('creates the namespaces first, then the bridges, then the veth pairs', async () => {
    const { createBatch } = await postPlan();
    const kinds = createBatch.map((l) =>
      l.startsWith('netns add ') ? 'netns' : l.includes(' type bridge') ? 'bridge' : 'veth',
    );
    expect(kinds).toEqual([...Array(8).fill('netns'), ...Array(3).fill('bridge'), ...Array(11).fill('veth')]);
  });

  it('creates hub-like bridges in the switch namespace', async () => {
    const { createBatch } = await postPlan();
    expect(createBatch.filter((l) => l.includes(' type bridge'))).toEqual(
      ['sync', 'lan', 'wan'].map(
        (b) => `link add name ${b} netns post-switch type bridge stp_state 0 mcast_snooping 0`,
      ),
    );
  });

  it('places both ends of every veth in a namespace: nothing is created in the root namespace', async () => {
    const { createBatch } = await postPlan();
    const linkAdds = createBatch.filter((l) => l.startsWith('link add '));
    expect(linkAdds).toHaveLength(14);
    for (const line of linkAdds) {
      const netns = line.match(/ netns /g) ?? [];
      expect(netns, line).toHaveLength(line.includes(' type veth ') ? 2 : 1);
    }
    for (const line of createBatch) expect(line, line).toMatch(/^netns add |\snetns \S+/);
    expect(createBatch).toContain(
      'link add name eth2 netns post-proxy1 type veth peer name proxy1-eth2 netns post-switch',
    );
  });

  it('attaches every switch port to its bridge and brings everything up', async () => {
    const { configBatches } = await postPlan();
    const sw = configBatches.get('post-switch') ?? [];
    expect(sw.slice(0, 7)).toEqual([
      'link set lo up',
      'link set dev sync addrgenmode none',
      'link set dev sync up',
      'link set dev lan addrgenmode none',
      'link set dev lan up',
      'link set dev wan addrgenmode none',
      'link set dev wan up',
    ]);
    // The switch is no host: no port or bridge gets an IPv6 link-local address.
    expect(sw.filter((l) => / addrgenmode none$/.test(l))).toHaveLength(14);
    expect(sw).toContain('link set dev client-eth0 master wan');
    expect(sw).toContain('link set dev proxy1-eth0 master sync');
    expect(sw).toContain('link set dev proxy2-eth1 master lan');
    expect(sw.filter((l) => / master /.test(l))).toHaveLength(11);
    expect(sw.filter((l) => /^link set dev \S+-eth\d up$/.test(l))).toHaveLength(11);
  });

  it('adds the addresses in each node namespace, after lo', async () => {
    const { configBatches } = await postPlan();
    expect(configBatches.get('post-proxy1')).toEqual([
      'link set lo up',
      'addr add 198.51.100.1/24 dev eth0',
      'link set dev eth0 up',
      'addr add 10.5.247.1/24 dev eth1',
      'link set dev eth1 up',
      'addr add 203.0.113.1/24 dev eth2',
      'link set dev eth2 up',
    ]);
    expect(configBatches.get('post-client')).toEqual([
      'link set lo up',
      'addr add 203.0.113.10/24 dev eth0',
      'link set dev eth0 up',
    ]);
    expect(configBatches.get('post-db2')).toContain('addr add 10.5.247.32/24 dev eth0');
  });

  it('carries sysctls, services, vrrp and resolved endpoints per node', async () => {
    const plan = await postPlan();
    const proxy1 = plan.nodes.find((n) => n.name === 'proxy1');
    expect(proxy1?.sysctls).toEqual({ 'net.ipv4.ip_nonlocal_bind': '1' });
    expect(proxy1?.services.map((s) => s.kind)).toEqual(['nginx']);
    expect(proxy1?.vrrp?.instances.map((i) => i.name)).toEqual(['WAN_1', 'LAN_1']);
    expect(proxy1?.endpoints.get('web2:8080')).toEqual({ address: '10.5.247.22', port: 8080 });
    expect(proxy1?.endpoints.get('db1:5432')).toEqual({ address: '10.5.247.31', port: 5432 });
    expect(plan.nodes.find((n) => n.name === 'web1')?.endpoints).toEqual(
      new Map([['10.5.247.10:5432', { address: '10.5.247.10', port: 5432 }]]),
    );
    expect(plan.checks.map((c) => c.from)).toEqual(['client']);
  });

  it('expects proxy1 to hold the WAN VIP and proxy2 the LAN VIP, settled within 37 s', async () => {
    const { vips } = await postPlan();
    expect(vips.map(({ candidates: _, ...v }) => v)).toEqual([
      {
        address: '203.0.113.140',
        prefix: 24,
        dev: 'eth2',
        instance: 'WAN_1',
        vrid: 3,
        expected: 'proxy1',
        // Master_Down_Interval 3 x advert_int 2 + 1 s skew, then preempt_delay 30.
        settleMs: 37_000,
      },
      {
        address: '10.5.247.10',
        prefix: 24,
        dev: 'eth1',
        instance: 'LAN_1',
        vrid: 4,
        expected: 'proxy2',
        settleMs: 37_000,
      },
    ]);
    expect(vips[0]?.candidates.map((c) => [c.node, c.priority, c.state])).toEqual([
      ['proxy1', 90, 'MASTER'],
      ['proxy2', 80, 'BACKUP'],
    ]);
    expect(vips[1]?.candidates.map((c) => [c.node, c.priority, c.state])).toEqual([
      ['proxy1', 80, 'BACKUP'],
      ['proxy2', 100, 'MASTER'],
    ]);
    // The primary address is the IPv4 address of the instance's interface (eth0, the sync segment).
    expect(vips[0]?.candidates.map((c) => c.primary)).toEqual([0xc6336401n, 0xc6336402n]);
  });
});

describe('planLab on small topologies', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vrrp-plan-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const conf = (priority: number) =>
    [
      'vrrp_instance VI_1 {',
      '    interface eth0',
      '    virtual_router_id 9',
      `    priority ${priority}`,
      '    virtual_ipaddress {',
      '        10.0.0.100/24',
      '    }',
      '}',
      '',
    ].join('\n');

  /** Speakers named after their last address byte, in the given file order, each with its priority. */
  async function speakers(...nodes: [name: string, lastByte: number, priority: number][]): Promise<LabPlan> {
    const lines = ['name: tie', 'segments: { lan: {} }', 'nodes:'];
    for (const [name, byte, priority] of nodes) {
      await writeFile(join(dir, `${name}.conf`), conf(priority));
      lines.push(
        `  ${name}:`,
        `    interfaces: { eth0: { addresses: [10.0.0.${byte}/24] } }`,
        `    vrrp: { config: ${name}.conf }`,
      );
    }
    lines.push('links:', ...nodes.map(([name]) => `  - endpoints: [${name}:eth0, lan]`));
    return planLab(await validateTopology(parseTopology(`${lines.join('\n')}\n`, join(dir, 'lab.yaml'))));
  }

  it('puts every name after its keyword, so ip keywords work as node, segment and interface names', async () => {
    const text = [
      'name: kw',
      'segments: { up: {}, down: {} }',
      'nodes:',
      '  dev:',
      '    interfaces: { up: { addresses: [192.0.2.1/24] }, name: { addresses: [198.51.100.1/24] } }',
      '  type:',
      '    interfaces: { master: { addresses: [192.0.2.2/24] }, peer: { addresses: [198.51.100.2/24] } }',
      'links:',
      '  - endpoints: [dev:up, up]',
      '  - endpoints: [type:master, up]',
      '  - endpoints: [dev:name, down]',
      '  - endpoints: [type:peer, down]',
      '',
    ].join('\n');
    const plan = planLab(await validateTopology(parseTopology(text, join(dir, 'lab.yaml'))));
    const config = [...plan.configBatches.values()].flat();
    expect(config).toContain('link set dev up up');
    expect(config).toContain('link set dev up addrgenmode none');
    expect(config).toContain('addr add 192.0.2.1/24 dev up');
    expect(config).toContain('link set dev name up');
    expect(config).toContain('link set dev master up');
    expect(config.filter((l) => /^link set dev \S+ master (up|down)$/.test(l))).toHaveLength(4);
    // Nothing but lo is ever named right after `link set`.
    expect([...plan.createBatch, ...config].filter((l) => /^link set (?!dev |lo )/.test(l))).toEqual([]);
    expect(plan.createBatch).toContain(
      'link add name up netns kw-switch type bridge stp_state 0 mcast_snooping 0',
    );
  });

  it('breaks an equal-priority tie by the higher primary address', async () => {
    const plan = await speakers(['a', 1, 100], ['b', 2, 100]);
    expect(plan.vips).toHaveLength(1);
    expect(plan.vips[0]?.expected).toBe('b');
    expect(plan.vips[0]?.candidates.map((c) => [c.node, c.primary])).toEqual([
      ['a', 0x0a000001n],
      ['b', 0x0a000002n],
    ]);
  });

  it('breaks the tie the same way whatever the file order', async () => {
    expect((await speakers(['b', 2, 100], ['a', 1, 100])).vips[0]?.expected).toBe('b');
    expect((await speakers(['a', 1, 100], ['c', 3, 100], ['b', 2, 100])).vips[0]?.expected).toBe('c');
  });

  it('prefers the higher priority over the higher address', async () => {
    const plan = await speakers(['a', 1, 101], ['b', 2, 100]);
    expect(plan.vips[0]?.expected).toBe('a');
  });

  it('settles in 3 x advert_int + 1 s without preempt_delay (keepalived defaults)', async () => {
    const plan = await speakers(['a', 1, 100], ['b', 2, 100]);
    expect(plan.vips[0]?.settleMs).toBe(4000);
  });

  it('creates a point-to-point veth once, with both ends and their MACs', async () => {
    const text = [
      'name: p2p',
      'nodes:',
      '  a:',
      '    interfaces: { eth0: { addresses: [192.0.2.1/30], mac: "02:00:00:00:00:01" } }',
      '  b:',
      '    interfaces: { eth9: { addresses: ["2001:db8::2/64"], mac: "02:00:00:00:00:02" } }',
      'links:',
      '  - endpoints: [a:eth0, b:eth9]',
      '',
    ].join('\n');
    const plan = planLab(await validateTopology(parseTopology(text, join(dir, 'lab.yaml'))));
    expect(plan.segments).toEqual([]);
    expect(plan.createBatch).toEqual([
      'netns add p2p-a',
      'netns add p2p-b',
      'netns add p2p-switch',
      'link add name eth0 netns p2p-a address 02:00:00:00:00:01 type veth peer name eth9 netns p2p-b address 02:00:00:00:00:02',
    ]);
    expect(plan.configBatches.get('p2p-a')).toEqual([
      'link set lo up',
      'addr add 192.0.2.1/30 dev eth0',
      'link set dev eth0 up',
    ]);
    // IPv6 addresses skip duplicate address detection, so they are usable at once.
    expect(plan.configBatches.get('p2p-b')).toEqual([
      'link set lo up',
      'addr add 2001:db8::2/64 dev eth9 nodad',
      'link set dev eth9 up',
    ]);
    expect(plan.nodes.map((n) => n.interfaces.map((i) => i.peer))).toEqual([['b:eth9'], ['a:eth0']]);
  });

  it('adds routes after the interfaces and merges default sysctls', async () => {
    const text = [
      'name: rt',
      'defaults: { sysctls: { net.ipv4.ip_forward: 1, net.ipv6.conf.all.forwarding: 0 } }',
      'segments: { lan: { bridge: br-lan } }',
      'nodes:',
      '  a:',
      '    sysctls: { net.ipv6.conf.all.forwarding: "1" }',
      '    interfaces: { eth0: { addresses: [10.0.0.1/24] } }',
      '    routes: [{ to: default, via: 10.0.0.254 }, { to: 192.0.2.0/24, via: 10.0.0.253 }]',
      'links:',
      '  - endpoints: [a:eth0, lan:port-a]',
      '',
    ].join('\n');
    const plan = planLab(await validateTopology(parseTopology(text, join(dir, 'lab.yaml'))));
    expect(plan.configBatches.get('rt-a')).toEqual([
      'link set lo up',
      'addr add 10.0.0.1/24 dev eth0',
      'link set dev eth0 up',
      'route add default via 10.0.0.254',
      'route add 192.0.2.0/24 via 10.0.0.253',
    ]);
    expect(plan.nodes[0]?.sysctls).toEqual({
      'net.ipv4.ip_forward': '1',
      'net.ipv6.conf.all.forwarding': '1',
    });
    expect(plan.createBatch).toContain(
      'link add name br-lan netns rt-switch type bridge stp_state 0 mcast_snooping 0',
    );
    expect(plan.createBatch).toContain(
      'link add name eth0 netns rt-a type veth peer name port-a netns rt-switch',
    );
    expect(plan.configBatches.get('rt-switch')).toEqual([
      'link set lo up',
      'link set dev br-lan addrgenmode none',
      'link set dev br-lan up',
      'link set dev port-a addrgenmode none',
      'link set dev port-a master br-lan',
      'link set dev port-a up',
    ]);
  });

  it('net.ipv6.conf.default.* also reaches the interfaces, which exist before sysctls run', async () => {
    const text = [
      'name: dad',
      'defaults: { sysctls: { net.ipv6.conf.default.accept_dad: 0 } }',
      'segments: { lan: {} }',
      'nodes:',
      '  a:',
      '    sysctls: { net.ipv6.conf.eth1.accept_dad: 2 }',
      '    interfaces: { eth0: { addresses: [2001:db8::1/64] }, eth1: { addresses: [2001:db8:1::1/64] } }',
      'links:',
      '  - endpoints: [a:eth0, lan]',
      '  - endpoints: [a:eth1, lan]',
      '',
    ].join('\n');
    const plan = planLab(await validateTopology(parseTopology(text, join(dir, 'lab.yaml'))));
    expect(plan.nodes[0]?.sysctls).toEqual({
      'net.ipv6.conf.default.accept_dad': '0',
      'net.ipv6.conf.eth0.accept_dad': '0',
      // what the file says of an interface wins
      'net.ipv6.conf.eth1.accept_dad': '2',
    });
  });
});
