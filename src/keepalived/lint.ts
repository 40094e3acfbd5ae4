import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { canonicalIp } from '../vrrp/addr.js';
import { loadConfig } from './config/load.js';
import type { ConfigNode } from './config/parse.js';
import { isBrace, type Token, tokenize } from './config/tokenize.js';
import { type ConfigWarning, extractVrrp, type Pos, type VrrpInstanceConfig } from './config/vrrp.js';

// A reviewer's checks of keepalived.conf files, built on the parser and extractVrrp. Where keepalived 2.2.7
// has an opinion, it was measured on the installed daemon (`keepalived -t`, or a short run in a network
// namespace): the messages quoted in the whys are keepalived's own.

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  file: string;
  line: number;
  col: number;
  severity: Severity;
  code: string;
  message: string;
  /** Why it matters, in a sentence or two. */
  why: string;
}

/** One parsed configuration file; `text` (the file's own text) lets findings point at closing braces. */
export interface LintInput {
  file: string;
  nodes: ConfigNode[];
  text?: string;
}

/** A file given to lint that cannot be read; the message reads `cannot read FILE: CODE`. */
export class ConfigReadError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException).code;
    super(`cannot read ${file}: ${typeof code === 'string' ? code : String(cause)}`, { cause });
    this.name = 'ConfigReadError';
  }
}

/**
 * Reads, parses (expanding includes) and lints the files together.
 * Throws ConfigReadError for a file that cannot be read, ConfigSyntaxError for one keepalived cannot parse.
 */
export async function lintFiles(paths: string[]): Promise<Finding[]> {
  const inputs: LintInput[] = [];
  for (const file of paths) {
    const text = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new ConfigReadError(file, err);
    });
    inputs.push({ file, text, nodes: await loadConfig(file) });
  }
  return lintConfig(inputs);
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Lints each file on its own, then compares instances of the same name across files (peers). */
export function lintConfig(inputs: LintInput[]): Finding[] {
  const findings: Finding[] = [];
  const linted = inputs.map((input) => lintOne(input, findings));
  comparePeers(linted, findings);
  const fileOrder = new Map(inputs.map((input, i) => [input.file, i]));
  const unique = new Map(findings.map((f) => [`${f.file}:${f.line}:${f.col}:${f.code}`, f]));
  return [...unique.values()].sort(
    (a, b) =>
      (fileOrder.get(a.file) ?? inputs.length) - (fileOrder.get(b.file) ?? inputs.length) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code),
  );
}

/** `file:line:col severity code: message`, then the why indented. */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.col} ${f.severity} ${f.code}: ${f.message}\n    ${f.why}`;
}

interface Linted {
  file: string;
  instances: { inst: VrrpInstanceConfig; node: ConfigNode | undefined }[];
}

const key = (at: Pos): string => `${at.file}:${at.line}:${at.col}`;
const at = (p: Pos): Pos => ({ file: p.file, line: p.line, col: p.col });

function finding(where: Pos, severity: Severity, code: string, message: string, why: string): Finding {
  return { ...at(where), severity, code, message, why };
}

/** The last statement `keyword` directly in a block (keepalived keeps the last value). */
function stmt(node: ConfigNode | undefined, keyword: string, arg?: string): ConfigNode | undefined {
  return node?.children?.findLast((c) => c.keyword === keyword && (!arg || c.args[0]?.text === arg));
}

// ---------------------------------------------------------------------------------------------------------
// extractVrrp warnings, classified

const WARNING_CODES: { re: RegExp; code: string; severity: Severity; why: string }[] = [
  {
    re: /^Group list already specified/,
    code: 'sync-group-extra-group',
    severity: 'error',
    why:
      'keepalived reads only the first `group` block of a vrrp_sync_group and skips this one: its members ' +
      'are not synchronised. List all members in one block.',
  },
  {
    re: /keepalived ends '.*' at the '\}'/,
    code: 'block-ended-early',
    severity: 'error',
    why: 'keepalived closes the block before this statement, so it reads it (and what follows) one level up.',
  },
  {
    re: /^Unexpected '\{'/,
    code: 'unexpected-brace',
    severity: 'error',
    why:
      "this keyword takes no block: keepalived ignores the '{', and its '}' then closes the enclosing " +
      'block.',
  },
  {
    re: /auth_pass is longer than 8 characters/,
    code: 'auth-pass-truncated',
    severity: 'warning',
    why:
      'keepalived logs "Truncating auth_pass to 8 characters": only the first 8 count, so a peer whose ' +
      'password differs after the 8th character still matches.',
  },
  {
    re: /VRRP version 3 does not support authentication/,
    code: 'auth-v3',
    severity: 'warning',
    why:
      'RFC 5798 (VRRPv3) removed authentication; keepalived logs "VRRP version 3 does not support ' +
      'authentication. Ignoring." and sends adverts without it.',
  },
  {
    re: /VRRPv2 advert_int must be whole seconds/,
    code: 'advert-int-fractional-v2',
    severity: 'warning',
    why:
      'a VRRPv2 advert carries the interval in whole seconds: keepalived logs "VRRPv2 advertisement ' +
      'interval 1.500000s must be an integer. rounding". Use version 3 (on both peers) for sub-second ' +
      'adverts.',
  },
  {
    re: /^Unknown keyword/,
    code: 'unknown-keyword',
    severity: 'warning',
    why: 'keepalived logs it and ignores the statement: a typo here silently drops a setting.',
  },
];

function classify(w: ConfigWarning): Finding {
  const known = WARNING_CODES.find((c) => c.re.test(w.message));
  if (known) return finding(w.at, known.severity, known.code, w.message, known.why);
  return finding(
    w.at,
    'warning',
    'keepalived-reads-differently',
    w.message,
    'keepalived 2.2.7 reads this differently from how it is written (measured on the installed daemon).',
  );
}

// ---------------------------------------------------------------------------------------------------------
// One file

function lintOne(input: LintInput, out: Finding[]): Linted {
  const vrrp = extractVrrp(input.nodes);
  const byPos = new Map(input.nodes.map((n) => [key(n), n]));
  const instances = vrrp.instances.map((inst) => ({ inst, node: byPos.get(key(inst.at)) }));
  const own: Finding[] = [];

  checkSyncGroups(input, vrrp.syncGroups, instances, own);
  for (const { inst, node } of instances) checkInstance(inst, node, own);
  checkVridClashes(instances, own);

  // Own checks replace extractVrrp's warning at the same place (e.g. an out-of-range VRID).
  const ownAt = new Set(own.map((f) => key(f)));
  for (const w of vrrp.warnings) if (!ownAt.has(key(w.at))) out.push(classify(w));
  out.push(...own);
  return { file: input.file, instances };
}

function checkSyncGroups(
  input: LintInput,
  groups: ReturnType<typeof extractVrrp>['syncGroups'],
  instances: Linted['instances'],
  out: Finding[],
): void {
  const names = new Set(instances.map((i) => i.inst.name));
  const ends = input.text === undefined ? new Map<string, Token>() : blockEnds(input.text, input.file);
  for (const group of groups) {
    const node = input.nodes.find((n) => key(n) === key(group.at));
    const blocks = (node?.children ?? []).filter((c) => c.keyword === 'group');
    const written = blocks.flatMap((b) =>
      (b.children ?? []).flatMap((e) => [e.keyword, ...e.args.map((a) => a.text)]),
    );
    const skipped = written.filter((m) => !group.members.includes(m));

    // A second `group { }` block: its '}' ends the sync group, so the sync group's own '}' is left over.
    const second = blocks[1];
    if (node && second?.children) {
      const close = ends.get(key(node));
      out.push(
        finding(
          close ?? second,
          'error',
          'sync-group-stray-brace',
          `keepalived reads this '}' as an unknown keyword (Unknown keyword '}')`,
          `keepalived skips the second group block of ${group.name} and its '}' (line ` +
            `${ends.get(key(second))?.line ?? '?'}) closes vrrp_sync_group ${group.name}, so this '}' ` +
            'is left over at the top level.' +
            (skipped.length ? ` Not in the group: ${skipped.join(', ')}.` : ''),
        ),
      );
    }

    const members = group.members.filter((m) => names.has(m));
    for (const m of group.members.filter((m) => !names.has(m))) {
      out.push(
        finding(
          memberPos(blocks[0], m) ?? group.at,
          'warning',
          'sync-group-unknown-member',
          `sync group ${group.name} names ${m}, which is no vrrp_instance`,
          `keepalived logs "Virtual router ${m} specified in sync group ${group.name} doesn't exist - ` +
            'ignoring": a typo here leaves the instance out of the group.',
        ),
      );
    }
    if (members.length === 1) {
      out.push(
        finding(
          group.at,
          'warning',
          'sync-group-single',
          `sync group ${group.name} has a single member (${members[0]})`,
          `keepalived logs "Sync group ${group.name} has only 1 virtual router(s) - this probably isn't ` +
            `what you want": a group of one synchronises nothing.` +
            (skipped.length ? ` ${skipped.join(', ')} ${skipped.length > 1 ? 'are' : 'is'} skipped.` : ''),
        ),
      );
    }

    // Members meant to move together (every name written in any group block) that keepalived does not sync.
    const meant = written.filter((m, i) => names.has(m) && written.indexOf(m) === i);
    for (const a of meant) {
      const self = instances.find((i) => i.inst.name === a);
      if (!self) continue;
      const follows = new Set([
        self.inst.interface,
        ...self.inst.trackInterfaces.map((t) => t.name),
        ...self.inst.vips.map((v) => v.dev ?? self.inst.interface),
      ]);
      for (const b of meant) {
        if (b === a || (members.includes(a) && members.includes(b))) continue;
        const peer = instances.find((i) => i.inst.name === b)?.inst;
        for (const vip of peer?.vips ?? []) {
          const dev = vip.dev ?? peer?.interface;
          if (!dev || follows.has(dev)) continue;
          follows.add(dev);
          const track = stmt(self.node, 'track_interface');
          out.push(
            finding(
              track ?? self.inst.at,
              'warning',
              'untracked-peer-interface',
              `${a} does not track ${dev}, the interface of ${b}'s VIP ${vip.address}`,
              `${a} and ${b} are written in sync group ${group.name}, but keepalived does not synchronise ` +
                `them, so ${a} stays MASTER when ${dev} fails: a service behind ${a}'s VIP that needs ` +
                `${dev} is then unreachable` +
                " (for WAN_1 and eth1 this is the post's open question: its nginx reaches the webs " +
                'through eth1). ' +
                `Add ${dev} to ${a}'s track_interface, or fix the sync group.`,
            ),
          );
        }
      }
    }
  }
}

/** Position of a member word in a group block. */
function memberPos(block: ConfigNode | undefined, name: string): Pos | undefined {
  for (const e of block?.children ?? []) {
    if (e.keyword === name) return e;
    const arg = e.args.find((a) => a.text === name);
    if (arg) return arg;
  }
  return undefined;
}

function checkInstance(inst: VrrpInstanceConfig, node: ConfigNode | undefined, out: Finding[]): void {
  const p = `(${inst.name})`;
  const master = stmt(node, 'state', 'MASTER');
  if (inst.state === 'MASTER') {
    if (inst.preemptDelay !== undefined) {
      out.push(
        finding(
          stmt(node, 'preempt_delay') ?? inst.at,
          'warning',
          'preempt-delay-master',
          `${p} preempt_delay is cleared: the instance has state MASTER`,
          'keepalived logs "preempt delay will not work with initial state MASTER - clearing": the delay ' +
            'does not apply. Use state BACKUP on both peers to have it.',
        ),
      );
    }
    if (inst.nopreempt) {
      out.push(
        finding(
          stmt(node, 'nopreempt') ?? inst.at,
          'warning',
          'nopreempt-master',
          `${p} nopreempt is cleared: the instance has state MASTER`,
          'keepalived logs "nopreempt will not work with initial state MASTER - clearing": this node ' +
            'preempts as usual. nopreempt needs state BACKUP.',
        ),
      );
    }
    if (inst.priority < 255) {
      out.push(
        finding(
          master ?? inst.at,
          'info',
          'master-not-owner',
          `${p} state MASTER with priority ${inst.priority} (< 255)`,
          'only the address owner (priority 255) starts as MASTER: keepalived starts this one in BACKUP ' +
            '(init) and it becomes MASTER only if no higher priority advert arrives. The priorities decide.',
        ),
      );
    }
  }

  const vridStmt = stmt(node, 'virtual_router_id');
  const vridArg = vridStmt?.args[0];
  if (vridArg && inst.vrid === undefined) {
    out.push(
      finding(
        vridArg,
        'error',
        'vrid-range',
        `${p} virtual_router_id '${vridArg.text}' is not a number from 1 to 255`,
        `the VRID is one byte on the wire: keepalived logs "${p}: VRID '${vridArg.text}' not valid - must ` +
          `be between 1 & 255", then "${p} the virtual router id must be set" and exits with a ` +
          'configuration error.',
      ),
    );
  } else if (inst.vrid === undefined && !vridStmt) {
    out.push(
      finding(
        inst.at,
        'error',
        'vrid-missing',
        `${p} has no virtual_router_id`,
        `keepalived logs "${p} the virtual router id must be set" and exits with a configuration error.`,
      ),
    );
  }

  if (inst.garpMasterDelay === 0) {
    out.push(
      finding(
        stmt(node, 'garp_master_delay') ?? inst.at,
        'warning',
        'garp-master-delay-zero',
        `${p} garp_master_delay 0 turns off the second gratuitous ARP burst`,
        'keepalived repeats its gratuitous ARPs this many seconds after becoming MASTER (default 5): ' +
          'with 0 a switch or host that missed the first burst keeps sending to the old MASTER until ' +
          'its ARP cache expires.',
      ),
    );
  }

  const auth = stmt(node, 'authentication') ?? inst.at;
  if (inst.auth?.type === 'AH') {
    out.push(
      finding(
        auth,
        'warning',
        'auth-ah',
        `${p} uses IPsec AH authentication`,
        "neither RFC 3768 (VRRPv2) nor RFC 5798 (VRRPv3) has AH any more; keepalived's AH speaks only to " +
          'keepalived and protects against nothing an attacker on the link cannot replay.',
      ),
    );
  } else if (inst.auth?.type === 'PASS' && inst.auth.pass && inst.version !== 3) {
    out.push(
      finding(
        auth,
        'info',
        'auth-pass',
        `${p} uses PASS authentication`,
        'the password travels in clear text in every advert, so it protects against nothing (RFC 3768 ' +
          'dropped authentication for that reason; VRRPv3 has none). It only guards against mixing up VRRP ' +
          'domains, and both peers must use the same one or they ignore each other.',
      ),
    );
  }

  for (const vip of inst.vips) {
    if (!vip.dev || vip.dev === inst.interface || inst.trackInterfaces.some((t) => t.name === vip.dev))
      continue;
    out.push(
      finding(
        vip.at,
        'info',
        'vip-untracked-interface',
        `${p} VIP ${vip.address} is on ${vip.dev}, neither the instance interface ` +
          `(${inst.interface ?? 'none'}) nor a track_interface`,
        `keepalived 2.2.7 still follows ${vip.dev} implicitly (measured: ${vip.dev} down puts the instance ` +
          `into FAULT, unless the address has no_track); list ${vip.dev} in track_interface to make it ` +
          'explicit and give it a weight if wanted.',
      ),
    );
  }
}

/** keepalived refuses to start when two instances use one VRID on one interface and address family. */
function checkVridClashes(instances: Linted['instances'], out: Finding[]): void {
  const seen = new Map<string, VrrpInstanceConfig>();
  for (const { inst, node } of instances) {
    if (inst.vrid === undefined || !inst.interface) continue;
    const family = familyOf(inst);
    const k = `${inst.vrid}/${inst.interface}/${family}`;
    const first = seen.get(k);
    if (!first) {
      seen.set(k, inst);
      continue;
    }
    out.push(
      finding(
        stmt(node, 'virtual_router_id') ?? inst.at,
        'error',
        'vrid-clash',
        `${first.name} and ${inst.name} both use VRID ${inst.vrid} with IPv${family} on interface ` +
          `${inst.interface}`,
        'keepalived logs exactly that and exits with a configuration error: one VRID identifies one ' +
          'virtual router per link and family (its virtual MAC is derived from it).',
      ),
    );
  }
}

/** keepalived takes an instance's family from its first address (VIP or unicast), IPv4 by default. */
function familyOf(inst: VrrpInstanceConfig): 4 | 6 {
  const first = inst.vips[0]?.address ?? inst.unicastSrcIp ?? inst.unicastPeers[0];
  return first && isIP(first) === 6 ? 6 : 4;
}

// ---------------------------------------------------------------------------------------------------------
// Across files: instances with the same name are taken to be peers.

function comparePeers(linted: Linted[], out: Finding[]): void {
  const byName = new Map<string, Peer[]>();
  for (const l of linted) {
    for (const i of l.instances) {
      const list = byName.get(i.inst.name) ?? [];
      list.push({ file: l.file, ...i });
      byName.set(i.inst.name, list);
    }
  }
  for (const [name, peers] of byName) {
    for (const a of peers) {
      for (const b of peers) {
        if (a.file === b.file) continue;
        if (a.inst.vrid !== undefined && b.inst.vrid !== undefined && a.inst.vrid !== b.inst.vrid) {
          out.push(
            finding(
              stmt(a.node, 'virtual_router_id') ?? a.inst.at,
              'error',
              'peer-vrid-mismatch',
              `${name} has VRID ${a.inst.vrid} here but ${b.inst.vrid} in ${b.file}`,
              'peers are the instances with the same VRID: with different VRIDs both become MASTER.',
            ),
          );
        }
        const [va, vb] = [a.inst.version ?? 2, b.inst.version ?? 2];
        if (va !== vb) {
          out.push(
            finding(
              stmt(a.node, 'version') ?? a.inst.at,
              'error',
              'peer-version-mismatch',
              `${name} speaks VRRPv${va} here but VRRPv${vb} in ${b.file}`,
              'keepalived drops adverts of the other version ("wrong version"): each peer hears nothing ' +
                'and both become MASTER.',
            ),
          );
        } else if (a.inst.advertInt !== b.inst.advertInt) {
          out.push(
            finding(
              stmt(a.node, 'advert_int') ?? a.inst.at,
              va === 2 ? 'error' : 'warning',
              'peer-advert-int-mismatch',
              `${name} has advert_int ${a.inst.advertInt} here but ${b.inst.advertInt} in ${b.file}`,
              va === 2
                ? 'keepalived drops a VRRPv2 advert with another interval ("advertisement ' +
                    'interval mismatch mine=… rcv\'d=…", as RFC 3768 requires): each peer ignores the ' +
                    'other and both become MASTER.'
                : "a VRRPv3 BACKUP adopts the MASTER's interval, so the failover time depends on which " +
                    'node is MASTER.',
            ),
          );
        }
        if (va === 2 && va === vb && !sameAuth(a.inst, b.inst)) {
          out.push(
            finding(
              stmt(a.node, 'authentication') ?? a.inst.at,
              'error',
              'peer-auth-mismatch',
              authType(a.inst) === authType(b.inst)
                ? `${name} has another auth_pass here than in ${b.file}`
                : `${name} authenticates with ${authType(a.inst)} here but ${authType(b.inst)} in ${b.file}`,
              'keepalived drops VRRPv2 adverts whose authentication type or password differs from its own: ' +
                'each peer ignores the other and both become MASTER.',
            ),
          );
        }
        checkUnicastPeers(name, a, b, out);
        checkTrackWeights(name, a, b, out);
        if (a.inst.state !== 'MASTER' || b.inst.state === 'MASTER') continue;
        const where = stmt(a.node, 'priority') ?? a.inst.at;
        if (a.inst.priority < b.inst.priority) {
          out.push(
            finding(
              where,
              'error',
              'master-lower-priority',
              `${name} is state MASTER with priority ${a.inst.priority}, lower than the BACKUP's ` +
                `${b.inst.priority} in ${b.file}`,
              'the highest priority wins, whatever state says: the BACKUP preempts and this node never ' +
                'keeps the VIP while the other is up.',
            ),
          );
        } else if (a.inst.priority === b.inst.priority) {
          out.push(
            finding(
              where,
              'warning',
              'peer-priority-tie',
              `${name} has priority ${a.inst.priority} here and in ${b.file}`,
              'on equal priorities the higher primary IP address wins (RFC 3768/5798), not state MASTER.',
            ),
          );
        }
      }
    }
  }
}

type Peer = { file: string; inst: VrrpInstanceConfig; node: ConfigNode | undefined };

/** What an instance tracks with a weight: interfaces and scripts (weight 0 means FAULT, never here). */
function weighted(inst: VrrpInstanceConfig): { what: string; weight: number; at: Pos }[] {
  return [
    ...inst.trackInterfaces.map((t) => ({
      what: `track_interface ${t.name}`,
      weight: t.weight ?? 0,
      at: t.at,
    })),
    ...(inst.trackScripts ?? []).map((t) => ({ what: `track_script ${t.name}`, weight: t.weight, at: t.at })),
  ].filter((t) => t.weight !== 0);
}

/** keepalived's effective priority with every tracked object healthy (vrrp_set_effective_priority). */
function healthyPriority(inst: VrrpInstanceConfig): number {
  const up = weighted(inst).reduce((p, t) => p + Math.max(0, t.weight), inst.priority);
  return inst.priority >= 255 ? 255 : Math.min(254, Math.max(1, up));
}

/**
 * A weight that cannot move the VIP: with everything healthy `a` wins, and one tracked object failing
 * still leaves it above (or level with) the healthy peer, so the failure changes nothing on the wire.
 */
function checkTrackWeights(name: string, a: Peer, b: Peer, out: Finding[]): void {
  const [pa, pb] = [healthyPriority(a.inst), healthyPriority(b.inst)];
  if (pa <= pb || a.inst.priority >= 255) return;
  for (const t of weighted(a.inst)) {
    // a positive weight is lost when it fails, a negative one is added
    const failing = Math.min(254, Math.max(1, pa - Math.abs(t.weight)));
    if (failing < pb) continue;
    out.push(
      finding(
        t.at,
        'warning',
        'track-weight-no-failover',
        `${name}: with ${t.what} failing this node is at ${failing}, ${failing === pb ? 'level with' : 'still above'} ` +
          `${pb} in ${b.file}`,
        failing === pb
          ? 'on equal priorities the higher primary address wins (RFC 3768/5798): whether the VIP moves ' +
              'depends on addressing, not on the failure.'
          : `the failure lowers the priority but the VIP stays here: the weight needs to be at least ` +
              `${pa - pb + 1} in size to hand over.`,
      ),
    );
  }
}

/**
 * unicast_peer must be on both sides, and name the address the other side receives at: keepalived binds
 * its unicast receive socket to its source address (unicast_src_ip, else the interface's primary IPv4 or
 * its IPv6 link-local address), so an advert sent to any other address of that node is never read.
 */
function checkUnicastPeers(name: string, a: Peer, b: Peer, out: Finding[]): void {
  const [ua, ub] = [a.inst.unicastPeers.length > 0, b.inst.unicastPeers.length > 0];
  const where = stmt(a.node, 'unicast_peer') ?? a.inst.at;
  if (ua && !ub) {
    out.push(
      finding(
        where,
        'error',
        'peer-unicast-mismatch',
        `${name} sends unicast to its unicast_peer list here but multicasts in ${b.file}`,
        'keepalived drops an advert sent the other way ("Expected multicast packet but received unicast ' +
          'packet", and the reverse): neither hears the other and both become MASTER.',
      ),
    );
    return;
  }
  if (!ua) return;
  const ip = (text: string) => canonicalIp(text) ?? text;
  const peers = new Set(a.inst.unicastPeers.map(ip));
  const src = b.inst.unicastSrcIp;
  if (src !== undefined && !peers.has(ip(src))) {
    out.push(
      finding(
        where,
        'error',
        'unicast-peer-not-source',
        `${name}'s unicast_peer list here does not hold ${src}, the unicast_src_ip in ${b.file}`,
        'keepalived receives unicast adverts only at its source address (its receive socket is bound to ' +
          "it): this node's adverts never reach the other, which becomes MASTER too.",
      ),
    );
  } else if (src === undefined && familyOf(b.inst) === 6 && ![...peers].some((p) => p.startsWith('fe80:'))) {
    out.push(
      finding(
        where,
        'warning',
        'unicast-peer-not-source',
        `${name}'s unicast_peer list here has no link-local address, but ${b.file} sets no unicast_src_ip`,
        'without unicast_src_ip an IPv6 instance sends from, and only receives at, its link-local ' +
          'address (keepalived binds its receive socket to it): adverts sent to a global address of that ' +
          'node are never read. Name its link-local address, or set unicast_src_ip there.',
      ),
    );
  }
}

/** keepalived ignores authentication without a password. Passwords are compared, never printed. */
function sameAuth(a: VrrpInstanceConfig, b: VrrpInstanceConfig): boolean {
  return authType(a) === authType(b) && (authType(a) === 'nothing' || a.auth?.pass === b.auth?.pass);
}

function authType(inst: VrrpInstanceConfig): string {
  return inst.auth?.pass ? inst.auth.type : 'nothing';
}

// ---------------------------------------------------------------------------------------------------------

/** Closing brace of each block, keyed by the position of the statement that owns the block. */
export function blockEnds(text: string, file: string): Map<string, Token> {
  const ends = new Map<string, Token>();
  const owners: Token[] = [];
  const lastStart: (Token | undefined)[] = [undefined];
  let current: Token | undefined;
  for (const token of tokenize(text, file)) {
    if (isBrace(token, '{')) {
      const owner = lastStart[owners.length];
      if (!owner) continue;
      owners.push(owner);
      lastStart[owners.length] = undefined;
      current = undefined;
    } else if (isBrace(token, '}')) {
      const owner = owners.pop();
      if (owner) ends.set(key(owner), token);
      current = undefined;
    } else if (!current || current.line !== token.line) {
      current = token;
      lastStart[owners.length] = token;
    }
  }
  return ends;
}
