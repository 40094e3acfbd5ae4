import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { NGINX_STREAM_MODULE } from './services/nginx.js';
import { postgresBin } from './services/postgres.js';
import { labPrivileges } from './util/privileges.js';

export interface ToolCheck {
  name: string;
  package: string;
  ok: boolean;
  version: string;
  why: string;
}

/** Every program a lab runs, the Debian package that brings it and why the harness needs it. */
const TOOLS: { name: string; package: string; why: string; version: () => Promise<string> }[] = [
  {
    name: 'ip',
    package: 'iproute2',
    why: 'namespaces, veth, bridges, addresses',
    version: () => firstLine('ip', ['-V']),
  },
  {
    name: 'keepalived',
    package: 'keepalived',
    why: 'VRRP speaker',
    version: () => firstLine('keepalived', ['--version']),
  },
  {
    name: 'nginx',
    package: 'nginx',
    why: 'HTTP and TCP proxy on the VIPs',
    version: () => firstLine('nginx', ['-v']),
  },
  {
    name: 'nginx stream module',
    package: 'libnginx-mod-stream',
    why: 'TCP proxy to the databases',
    version: async () => (existsSync(NGINX_STREAM_MODULE) ? NGINX_STREAM_MODULE : ''),
  },
  {
    name: 'postgres',
    package: 'postgresql',
    why: 'database nodes',
    version: async () => firstLine(`${await postgresBin()}/postgres`, ['--version']),
  },
  {
    name: 'tcpdump',
    package: 'tcpdump',
    why: 'packet capture on segments',
    version: () => firstLine('tcpdump', ['--version']),
  },
  {
    name: 'nft',
    package: 'nftables',
    why: 'one-way packet drops (faults)',
    version: () => firstLine('nft', ['--version']),
  },
  {
    name: 'curl',
    package: 'curl',
    why: 'HTTP checks from client nodes',
    version: () => firstLine('curl', ['--version']),
  },
  {
    name: 'sysctl',
    package: 'procps',
    why: 'per-namespace sysctls',
    version: () => firstLine('sysctl', ['--version']),
  },
  {
    name: 'setpriv',
    package: 'util-linux',
    why: 'running PostgreSQL unprivileged',
    version: () => firstLine('setpriv', ['--version']),
  },
  {
    name: 'unshare',
    package: 'util-linux',
    why: 'private IPC for PostgreSQL',
    version: () => firstLine('unshare', ['--version']),
  },
];

async function firstLine(cmd: string, args: string[]): Promise<string> {
  const r = await execa(cmd, args, { reject: false, all: true });
  if (r.failed && r.exitCode === undefined) return '';
  return (
    (r.all ?? '')
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? ''
  );
}

export async function checkTools(): Promise<ToolCheck[]> {
  return Promise.all(
    TOOLS.map(async (t) => {
      const version = await t.version().catch(() => '');
      return { name: t.name, package: t.package, ok: version !== '', version, why: t.why };
    }),
  );
}

export interface DoctorReport {
  privileges: { ok: boolean; missing: string[] };
  netns: { ok: boolean; detail: string };
  node: string;
  tools: ToolCheck[];
  ok: boolean;
}

/** Creates and removes a probe namespace: the only proof that `ip netns` works here. */
async function probeNetns(): Promise<{ ok: boolean; detail: string }> {
  const name = `vrrp-harness-doctor-${process.pid}`;
  const add = await execa('ip', ['netns', 'add', name], { reject: false });
  if (add.exitCode !== 0) return { ok: false, detail: add.stderr.trim() };
  const del = await execa('ip', ['netns', 'del', name], { reject: false });
  return {
    ok: del.exitCode === 0,
    detail: del.exitCode === 0 ? 'ip netns add/del works' : del.stderr.trim(),
  };
}

export async function doctor(): Promise<DoctorReport> {
  const privileges = labPrivileges();
  const netns = privileges.ok ? await probeNetns() : { ok: false, detail: 'not checked (needs root)' };
  const tools = await checkTools();
  return {
    privileges,
    netns,
    node: process.version,
    tools,
    ok: privileges.ok && netns.ok && tools.every((t) => t.ok),
  };
}

/** apt-get install for every missing tool's package; service starts are left to the lab. */
export async function installMissing(tools: ToolCheck[], log: (m: string) => void): Promise<void> {
  const packages = [...new Set(tools.filter((t) => !t.ok).map((t) => t.package))];
  if (packages.length === 0) return log('nothing to install');
  log(`apt-get install ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  });
}
