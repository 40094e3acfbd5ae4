import { z } from 'zod';

/**
 * The topology file: close to containerlab's shape (name, nodes, links with "node:iface" endpoints),
 * plus `segments` (bridges in the lab's switch namespace) and `checks` (what "ready" means).
 * Shape only: cross-references (unknown nodes, duplicate addresses, VIP subnets) live in validate.ts.
 */

export const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const nameOf = (what: string, max: number) =>
  z
    .string()
    .max(max, `${what} is longer than ${max} characters`)
    .regex(NAME, `${what} must be lower-case letters, digits and single inner dashes`);

export const LabName = nameOf('lab name', 24);
export const NodeName = nameOf('node name', 24);
export const SegmentName = nameOf('segment name', 12);

/** Linux interface names: at most 15 bytes (IFNAMSIZ 16 with the NUL), no '/', ':' or blanks. */
export const IfaceName = z
  .string()
  .max(15, 'interface name is longer than 15 characters (Linux IFNAMSIZ)')
  .regex(/^[A-Za-z0-9_.-]+$/, 'interface name may hold letters, digits, "_", "." and "-" only')
  .refine((n) => n !== '.' && n !== '..', 'interface name cannot be "." or ".."');

/** Only net.* sysctls are per network namespace; anything else would change the host. */
export const Sysctls = z.record(
  z
    .string()
    .regex(/^net\.[A-Za-z0-9_.-]+$/, 'only net.* sysctls are per namespace (others would change the host)'),
  z.union([z.string(), z.number()]),
);

/** "HOST:PORT" where HOST is a node name (resolved on a shared segment), an IPv4 address or [IPv6]. */
export const HostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT (HOST: node, IPv4 or [IPv6])');

const Port = z.number().int().min(1).max(65535);

const NginxUpstream = z.strictObject({
  listen: HostPort,
  upstream: z.array(HostPort).min(1),
});

export const NginxService = z
  .strictObject({
    kind: z.literal('nginx'),
    http: NginxUpstream.optional(),
    stream: NginxUpstream.optional(),
  })
  .refine((s) => s.http || s.stream, 'nginx needs an http or a stream block');

export const WebappService = z.strictObject({
  kind: z.literal('webapp'),
  port: Port.default(8080),
  db: HostPort.optional(),
});

export const PostgresService = z.strictObject({
  kind: z.literal('postgres'),
  port: Port.default(5432),
});

/** The conformance tester's agent: sends crafted frames on the node's interfaces when told to. */
export const TesterService = z.strictObject({
  kind: z.literal('tester'),
});

export const Service = z.discriminatedUnion('kind', [
  NginxService,
  WebappService,
  PostgresService,
  TesterService,
]);

/** keepalived, or the harness's own tsvrrpd: both read the node's keepalived.conf. */
export const SpeakerImpl = z.enum(['keepalived', 'tsvrrpd']);

export const Vrrp = z.strictObject({
  /** keepalived.conf, relative to the topology file. */
  config: z.string().min(1).describe('keepalived.conf for this node, relative to the topology file'),
  impl: SpeakerImpl.optional().describe('VRRP speaker (harness up --impl overrides it)'),
});

export const Interface = z.strictObject({
  addresses: z.array(z.string()).default([]),
  mac: z
    .string()
    .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'expected a lower-case MAC like 02:00:00:00:00:01')
    .optional(),
});

export const Route = z.strictObject({
  to: z.string(),
  via: z.string(),
});

export const Node = z.strictObject({
  interfaces: z.record(IfaceName, Interface).default({}),
  sysctls: Sysctls.optional(),
  routes: z.array(Route).default([]),
  vrrp: Vrrp.optional(),
  services: z.array(Service).default([]),
});

export const Segment = z.strictObject({
  /** Bridge name in the switch namespace; defaults to the segment name. */
  bridge: IfaceName.optional(),
});

export const Link = z.strictObject({
  /** Two endpoints: "node:iface" or a segment name ("segment" or "segment:port"). */
  endpoints: z
    .tuple([z.string(), z.string()])
    .describe('two ends: "node:iface", or a segment as "segment" or "segment:port"'),
});

export const Check = z.strictObject({
  name: z.string().min(1),
  /** Node the request is sent from. */
  from: NodeName,
  http: z.url({ protocol: /^https?$/ }),
  /** Regular expression the response body must match. */
  expect: z.string().optional(),
});

export const Defaults = z.strictObject({
  sysctls: Sysctls.optional(),
  vrrp: z.strictObject({ impl: SpeakerImpl.optional() }).optional(),
});

export const Topology = z.strictObject({
  $schema: z.string().optional(),
  name: LabName.describe('lab name: namespaces are <name>-<node> (harness up --name overrides it)'),
  defaults: Defaults.default({}).describe('settings every node inherits'),
  segments: z
    .record(
      SegmentName,
      Segment.nullable().transform((s) => s ?? {}),
    )
    .default({}),
  nodes: z
    .record(NodeName, Node)
    .refine((n) => Object.keys(n).length > 0, 'a lab needs at least one node')
    .describe('hosts: each its own network namespace'),
  links: z.array(Link).default([]).describe('veth pairs: node to segment, or node to node'),
  checks: z.array(Check).default([]).describe('requests that must succeed before the lab counts as ready'),
});

export type Topology = z.output<typeof Topology>;
export type TopologyNode = z.output<typeof Node>;
export type Service = z.output<typeof Service>;
export type NginxService = z.output<typeof NginxService>;
export type WebappService = z.output<typeof WebappService>;
export type PostgresService = z.output<typeof PostgresService>;
export type TesterService = z.output<typeof TesterService>;
export type Check = z.output<typeof Check>;
export type SpeakerImpl = z.output<typeof SpeakerImpl>;

/** JSON Schema for editors (yaml-language-server), generated from the same zod schema. */
export function topologyJsonSchema(): object {
  return z.toJSONSchema(Topology, { io: 'input', unrepresentable: 'any' });
}
