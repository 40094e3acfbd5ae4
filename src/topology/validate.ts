import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError, InputErrors } from '../errors.js';
import { loadConfig } from '../keepalived/config/load.js';
import { ConfigSyntaxError } from '../keepalived/config/tokenize.js';
import { type ConfigWarning, extractVrrp, type VrrpInstanceConfig } from '../keepalived/config/vrrp.js';
import { type Cidr, parseAddress, parseCidr, sameAddress, subnetContains } from '../net/cidr.js';
import type { ImplChoice } from './impl.js';
import { formatPath, type LoadedTopology, type Path } from './load.js';
import { IfaceName, type SpeakerImpl } from './schema.js';

/** One end of a link inside a node. */
export interface ResolvedIface {
  node: string;
  name: string;
  addresses: Cidr[];
  mac: string | undefined;
  /** The segment it plugs into, or the node interface at the other end of a point-to-point link. */
  segment: string | undefined;
  peer: { node: string; iface: string } | undefined;
  /** Name of the bridge port in the switch namespace (segment links only). */
  port: string | undefined;
}

export interface ResolvedVrrp {
  impl: SpeakerImpl;
  configPath: string;
  instances: VrrpInstanceConfig[];
  /** What keepalived itself would warn about or silently ignore in this config. */
  warnings: ConfigWarning[];
}

export interface ResolvedTopology extends LoadedTopology {
  ifaces: Map<string, Map<string, ResolvedIface>>;
  vrrp: Map<string, ResolvedVrrp>;
  /** "HOST:PORT" of every service resolved to an address the node can reach. */
  endpoints: Map<string, { address: string; port: number }>;
}

/** Reserved: the lab's switch namespace is <lab>-switch. */
export const SWITCH = 'switch';

/**
 * Cross-reference checks the schema cannot express, all before anything is created. Collects every
 * error it finds (each with file:line:col) and throws them together.
 */
export async function validateTopology(
  loaded: LoadedTopology,
  opts: { impl?: ImplChoice | undefined } = {},
): Promise<ResolvedTopology> {
  const { topology: t, locate } = loaded;
  const errors: InputError[] = [];
  const fail = (msg: string, path: Path, part?: 'key' | 'value'): undefined => {
    errors.push(new InputError(`${formatPath(path)}: ${msg}`, locate(path, part)));
  };

  const segments = new Set(Object.keys(t.segments));
  for (const name of Object.keys(t.nodes)) {
    if (segments.has(name)) fail(`'${name}' names both a node and a segment`, ['nodes', name], 'key');
    if (name === SWITCH)
      fail(`node name '${SWITCH}' is reserved for the lab's switch namespace`, ['nodes', name], 'key');
  }

  // Interfaces come from links; node.interfaces adds their addresses.
  const ifaces = new Map<string, Map<string, ResolvedIface>>(Object.keys(t.nodes).map((n) => [n, new Map()]));
  // Bridges and bridge ports all live in the one switch namespace, next to its lo: one name space.
  const switchNames = new Map<string, string>([['lo', 'the loopback device']]);
  for (const [name, seg] of Object.entries(t.segments)) {
    const bridge = seg.bridge ?? name;
    const taken = switchNames.get(bridge);
    if (taken) {
      fail(
        `bridge name '${bridge}' is already ${taken}`,
        seg.bridge ? ['segments', name, 'bridge'] : ['segments', name],
        seg.bridge ? 'value' : 'key',
      );
    } else {
      switchNames.set(bridge, `the bridge of segment '${name}'`);
    }
  }
  type End =
    | { kind: 'segment'; segment: string; port: string | undefined; path: Path }
    | { kind: 'iface'; iface: ResolvedIface; path: Path };
  const resolveEnd = (text: string, path: Path): End | undefined => {
    const [head = '', tail, extra] = text.split(':');
    if (extra !== undefined || head === '')
      return fail(`endpoint '${text}' is not "node:iface" or "segment"`, path);
    if (segments.has(head)) return { kind: 'segment', segment: head, port: tail, path };
    if (!(head in t.nodes)) return fail(`unknown node or segment '${head}' in endpoint '${text}'`, path);
    if (tail === undefined) return fail(`endpoint '${text}' names node '${head}' without an interface`, path);
    const check = IfaceName.safeParse(tail);
    if (!check.success) return fail(`interface '${tail}': ${check.error.issues[0]?.message}`, path);
    if (tail === 'lo') return fail(`interface 'lo' is the loopback every namespace already has`, path);
    const known = ifaces.get(head);
    if (known?.has(tail)) return fail(`duplicate interface: '${text}' is already used by another link`, path);
    const iface: ResolvedIface = {
      node: head,
      name: tail,
      addresses: [],
      mac: undefined,
      segment: undefined,
      peer: undefined,
      port: undefined,
    };
    known?.set(tail, iface);
    return { kind: 'iface', iface, path };
  };
  for (const [li, link] of t.links.entries()) {
    const [a, b] = link.endpoints.map((text, ei) => resolveEnd(text, ['links', li, 'endpoints', ei]));
    if (!a || !b) continue;
    if (a.kind === 'segment' && b.kind === 'segment') {
      fail('a link needs at least one node end', ['links', li]);
    } else if (a.kind === 'iface' && b.kind === 'iface') {
      a.iface.peer = { node: b.iface.node, iface: b.iface.name };
      b.iface.peer = { node: a.iface.node, iface: a.iface.name };
    } else {
      const [seg, end] = a.kind === 'segment' ? [a, b] : [b, a];
      if (seg.kind !== 'segment' || end.kind !== 'iface') continue;
      // A default port name steps aside on a clash; a name the user wrote is theirs to fix.
      let port = seg.port ?? defaultPort(end.iface.node, end.iface.name, li);
      if (!seg.port && switchNames.has(port)) port = `l${li}-${end.iface.name}`.slice(0, 15);
      const taken = switchNames.get(port);
      if (!IfaceName.safeParse(port).success) {
        fail(`switch port name '${port}' is not a valid interface name`, seg.path);
      } else if (taken) {
        fail(`switch port '${port}' is already ${taken} in the switch namespace`, seg.path);
      } else {
        switchNames.set(port, `a port of segment '${seg.segment}' (${end.iface.node}:${end.iface.name})`);
        end.iface.segment = seg.segment;
        end.iface.port = port;
      }
    }
  }

  // Addresses, MACs and interfaces nobody linked.
  for (const [node, spec] of Object.entries(t.nodes)) {
    for (const [name, ifspec] of Object.entries(spec.interfaces)) {
      const iface = ifaces.get(node)?.get(name);
      if (!iface) {
        fail(
          `interface '${name}' of node '${node}' is not connected by any link`,
          ['nodes', node, 'interfaces', name],
          'key',
        );
        continue;
      }
      iface.mac = ifspec.mac;
      for (const [ai, text] of ifspec.addresses.entries()) {
        const cidr = parseCidr(text);
        if (!cidr || !text.includes('/')) {
          fail(`'${text}' is not ADDRESS/PREFIX`, ['nodes', node, 'interfaces', name, 'addresses', ai]);
          continue;
        }
        iface.addresses.push(cidr);
      }
    }
  }

  // Duplicate addresses within one L2 domain (a segment, or the two ends of a point-to-point link).
  const domains = new Map<string, { who: string; cidr: Cidr; path: Path }[]>();
  for (const [node, byName] of ifaces) {
    for (const iface of byName.values()) {
      const domain = iface.segment
        ? `segment '${iface.segment}'`
        : `link ${[`${node}:${iface.name}`, `${iface.peer?.node}:${iface.peer?.iface}`].sort().join(' - ')}`;
      const list = domains.get(domain) ?? [];
      domains.set(domain, list);
      iface.addresses.forEach((cidr, ai) => {
        const path = ['nodes', node, 'interfaces', iface.name, 'addresses', ai];
        const other = list.find((o) => sameAddress(o.cidr, cidr));
        if (other) fail(`duplicate address ${cidr.address} in ${domain} (also on ${other.who})`, path);
        list.push({ who: `${node}:${iface.name}`, cidr, path });
      });
    }
  }

  t.checks.forEach((check, ci) => {
    if (!(check.from in t.nodes)) fail(`unknown node '${check.from}'`, ['checks', ci, 'from']);
  });

  for (const [node, spec] of Object.entries(t.nodes)) {
    spec.routes.forEach((route, ri) => {
      if (route.to !== 'default' && !parseCidr(route.to))
        fail(`'${route.to}' is not a prefix or 'default'`, ['nodes', node, 'routes', ri, 'to']);
      if (!parseAddress(route.via))
        fail(`'${route.via}' is not an address`, ['nodes', node, 'routes', ri, 'via']);
    });
  }

  // Service endpoints: a node name resolves to that node's address on a network both nodes share.
  const endpoints = new Map<string, { address: string; port: number }>();
  for (const [node, spec] of Object.entries(t.nodes)) {
    spec.services.forEach((svc, si) => {
      const refs: [string, Path][] = [];
      if (svc.kind === 'nginx') {
        for (const part of ['http', 'stream'] as const) {
          const block = svc[part];
          if (!block) continue;
          refs.push([block.listen, ['nodes', node, 'services', si, part, 'listen']]);
          for (const [ui, u] of block.upstream.entries()) {
            refs.push([u, ['nodes', node, 'services', si, part, 'upstream', ui]]);
          }
        }
      } else if (svc.kind === 'webapp' && svc.db) {
        refs.push([svc.db, ['nodes', node, 'services', si, 'db']]);
      }
      for (const [text, path] of refs) {
        const resolved = resolveHostPort(text, node, ifaces);
        if (typeof resolved === 'string') fail(resolved, path);
        else endpoints.set(`${node}|${text}`, resolved);
      }
    });
  }

  // VRRP speakers: their config must exist, and every VIP must sit in a subnet the node is connected to.
  const vrrp = new Map<string, ResolvedVrrp>();
  for (const [node, spec] of Object.entries(t.nodes)) {
    if (!spec.vrrp) continue;
    const path = ['nodes', node, 'vrrp', 'config'];
    const configPath = resolve(loaded.dir, spec.vrrp.config);
    try {
      await access(configPath);
    } catch {
      fail(`config file '${spec.vrrp.config}' not found (looked for ${configPath})`, path);
      continue;
    }
    let instances: VrrpInstanceConfig[];
    let warnings: ConfigWarning[];
    try {
      ({ instances, warnings } = extractVrrp(await loadConfig(configPath)));
    } catch (err) {
      // A keepalived syntax error points into the .conf file, not at the topology line naming it.
      errors.push(
        err instanceof ConfigSyntaxError
          ? new InputError(err.reason, { file: err.file, line: err.line, col: err.col })
          : new InputError(`${(err as Error).message}`, locate(path)),
      );
      continue;
    }
    const impl =
      opts.impl?.nodes?.[node] ?? opts.impl?.all ?? spec.vrrp.impl ?? t.defaults.vrrp?.impl ?? 'keepalived';
    vrrp.set(node, { impl, configPath, instances, warnings });
    const nodeIfaces = ifaces.get(node) ?? new Map();
    for (const inst of instances) {
      if (inst.interface && !nodeIfaces.has(inst.interface)) {
        errors.push(
          new InputError(
            `vrrp_instance ${inst.name}: interface '${inst.interface}' is not an interface of node '${node}'`,
            inst.at,
          ),
        );
      }
      for (const track of inst.trackInterfaces) {
        if (!nodeIfaces.has(track.name)) {
          errors.push(
            new InputError(
              `vrrp_instance ${inst.name}: track_interface '${track.name}' is not an interface of node '${node}'`,
              track.at,
            ),
          );
        }
      }
      for (const vip of [...inst.vips, ...inst.vipsExcluded]) {
        const addr = parseAddress(vip.address);
        if (!addr) {
          errors.push(new InputError(`'${vip.address}' is not an address`, vip.at));
          continue;
        }
        const dev = vip.dev ?? inst.interface;
        const candidates = dev
          ? [nodeIfaces.get(dev)].filter((i) => i !== undefined)
          : [...nodeIfaces.values()];
        if (vip.dev && candidates.length === 0) {
          errors.push(
            new InputError(
              `VIP ${vip.address}: dev '${vip.dev}' is not an interface of node '${node}'`,
              vip.at,
            ),
          );
        } else if (
          !isLinkLocal(addr) &&
          !candidates.some((i) => i.addresses.some((net: Cidr) => subnetContains(net, addr)))
        ) {
          const nets = candidates.flatMap((i) =>
            i.addresses.map((a: Cidr) => `${i.name} ${a.address}/${a.prefix}`),
          );
          errors.push(
            new InputError(
              `VIP ${vip.address} of node '${node}' is outside every connected subnet (${nets.join(', ') || 'no addresses'})`,
              vip.at,
            ),
          );
        }
      }
    }
  }

  for (const node of Object.keys(opts.impl?.nodes ?? {})) {
    if (t.nodes[node]?.vrrp) continue;
    const speakers =
      Object.entries(t.nodes)
        .filter(([, n]) => n.vrrp)
        .map(([n]) => n)
        .join(', ') || 'none';
    errors.push(
      new InputError(
        t.nodes[node]
          ? `--impl: node '${node}' runs no VRRP speaker (nodes with vrrp: ${speakers})`
          : `--impl: no node '${node}' in ${loaded.file} (nodes with vrrp: ${speakers})`,
      ),
    );
  }

  if (errors.length > 0) throw new InputErrors(errors);
  return { ...loaded, ifaces, vrrp, endpoints };
}

/** fe80::/10: on every IPv6 link (RFC 5798's first VIP of an IPv6 virtual router is one). */
const LINK_LOCAL = parseCidr('fe80::/10') as Cidr;
function isLinkLocal(addr: Cidr): boolean {
  return subnetContains(LINK_LOCAL, addr);
}

/** Bridge port names must fit IFNAMSIZ; "proxy1-eth0" reads best, a link index keeps long ones unique. */
function defaultPort(node: string, iface: string, linkIndex: number): string {
  const name = `${node}-${iface}`;
  return name.length <= 15 ? name : `l${linkIndex}-${iface}`.slice(0, 15);
}

function resolveHostPort(
  text: string,
  from: string,
  ifaces: Map<string, Map<string, ResolvedIface>>,
): { address: string; port: number } | string {
  const m = text.match(/^\[?([^\]]+)\]?:(\d+)$/);
  const host = m?.[1] ?? '';
  const port = Number(m?.[2]);
  if (!(port >= 1 && port <= 65535)) return `port in '${text}' is out of range`;
  if (parseAddress(host)) return { address: host, port };
  const target = ifaces.get(host);
  if (!target) return `'${host}' in '${text}' is neither an address nor a node`;
  const mine = [...(ifaces.get(from)?.values() ?? [])];
  for (const theirs of target.values()) {
    const shared = mine.some(
      (i) =>
        (i.segment && i.segment === theirs.segment) ||
        (i.peer?.node === host && i.peer.iface === theirs.name),
    );
    const addr = theirs.addresses.find((a) => a.family === 4) ?? theirs.addresses[0];
    if (shared && addr) return { address: addr.address, port };
  }
  return `node '${host}' shares no addressed network with '${from}'`;
}
