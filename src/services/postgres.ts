import { chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { InputError, RuntimeFailure } from '../errors.js';
import type { PostgresService } from '../topology/schema.js';
import { daemonSpec, type Launch, type ServiceContext } from './service.js';

export const PG_USER = 'postgres';

/** Debian installs one major version under /usr/lib/postgresql/N/bin; take the newest. */
export async function postgresBin(): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  try {
    const versions = (await readdir('/usr/lib/postgresql'))
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => +b - +a);
    if (versions[0]) return `/usr/lib/postgresql/${versions[0]}/bin`;
  } catch {
    // fall through
  }
  throw new RuntimeFailure(
    'PostgreSQL server not found under /usr/lib/postgresql: apt-get install postgresql',
  );
}

async function pgIds(): Promise<{ uid: number; gid: number }> {
  const r = await execa('id', ['-u', PG_USER], { reject: false });
  const g = await execa('id', ['-g', PG_USER], { reject: false });
  if (r.exitCode !== 0) throw new RuntimeFailure(`user '${PG_USER}' missing: apt-get install postgresql`);
  return { uid: Number(r.stdout), gid: Number(g.stdout) };
}

/** Whether the postgres user can reach `dir`: every existing parent has the search bit for it. */
async function reachableByPostgres(dir: string): Promise<boolean> {
  const { uid, gid } = await pgIds();
  for (let d = dir; ; d = dirname(d)) {
    const s = await stat(d).catch(() => undefined);
    // not created yet: its parent decides
    if (s && !(s.uid === uid ? s.mode & 0o100 : s.gid === gid ? s.mode & 0o010 : s.mode & 0o001))
      return false;
    if (dirname(d) === d) return true;
  }
}

/**
 * Where PostgreSQL's files go. PostgreSQL refuses to run as root, so its data directories must be
 * reachable by the postgres user: in the run directory when they are; otherwise in the run's scratch
 * directory (world-searchable, removed with the run by teardown). Checked before anything is created.
 */
export async function postgresHome(runDir: string, scratch: string): Promise<string> {
  if (await reachableByPostgres(runDir)) return runDir;
  if (await reachableByPostgres(scratch)) return scratch;
  throw new InputError(
    `neither the run directory ${runDir} nor ${scratch} is reachable by the '${PG_USER}' user, and PostgreSQL refuses to run as root: set VRRP_HARNESS_SCRATCH to a world-searchable directory`,
  );
}

/**
 * One initdb per lab (about half a second), copied for each database node (tens of milliseconds).
 * Trust authentication: the lab's networks exist only inside its own namespaces.
 */
export async function pgTemplate(home: string, env: Record<string, string>): Promise<string> {
  const template = join(home, 'pg-template');
  const { uid, gid } = await pgIds();
  // 0755 whatever the umask: the postgres user passes through to the template and the data beside it.
  await mkdir(home, { recursive: true, mode: 0o755 });
  await mkdir(template, { recursive: true });
  await chown(template, uid, gid);
  const bin = await postgresBin();
  // initdb's bootstrap backend picks POSIX shared memory (files in /dev/shm) on its own, and a killed
  // initdb (Ctrl-C, gc after a crash of `up`) leaves them there. So it runs in a mount namespace of its
  // own with a private tmpfs on /dev/shm, which disappears with its last process whatever happens.
  // The script is a constant; every value reaches initdb as an argument ("$@"), never as shell text.
  const r = await execa(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'mount -t tmpfs -o size=256m,mode=1777 vrrp-harness-shm /dev/shm && exec setpriv "$@"',
      'initdb-in-private-shm',
      `--reuid=${PG_USER}`,
      `--regid=${PG_USER}`,
      '--init-groups',
      '--',
      join(bin, 'initdb'),
      '-D',
      template,
      '-N',
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      // 1 MB WAL segments instead of 16: each node's copy is 15 MB smaller, copied and removed faster.
      '--wal-segsize=1',
      '--no-instructions',
    ],
    { reject: false, all: true, cwd: '/', env },
  );
  if (r.exitCode !== 0) throw new RuntimeFailure(`initdb failed`, r.all);
  await writeFile(
    join(template, 'pg_hba.conf'),
    'local all all trust\nhost all all 0.0.0.0/0 trust\nhost all all ::/0 trust\n',
  );
  await chown(join(template, 'pg_hba.conf'), uid, gid);
  return template;
}

export async function launchPostgres(
  ctx: ServiceContext,
  svc: PostgresService,
  template: string,
): Promise<Launch> {
  // Beside the template, so in a directory the postgres user can reach (see postgresHome).
  const data = join(dirname(template), `pg-data-${ctx.node.name}-${basename(ctx.dir)}`);
  // cp -a as root keeps the postgres ownership initdb gave the template.
  const copy = await execa('cp', ['-a', template, data], { reject: false, env: ctx.env });
  if (copy.exitCode !== 0) throw new RuntimeFailure(`copying the database template failed: ${copy.stderr}`);
  const bin = await postgresBin();
  const argv = [
    join(bin, 'postgres'),
    '-D',
    data,
    '-c',
    `port=${svc.port}`,
    '-c',
    'listen_addresses=*',
    // No unix socket: nothing outside the namespace should reach it, and /var/run/postgresql is the host's.
    '-c',
    'unix_socket_directories=',
    // The node's name, readable with SELECT current_setting('cluster_name').
    '-c',
    `cluster_name=${ctx.node.name}`,
    // A lab database holds nothing worth an fsync.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    // Dynamic shared memory as files in the data directory, not /dev/shm: nothing survives the lab.
    '-c',
    'dynamic_shared_memory_type=mmap',
    '-c',
    'shared_buffers=16MB',
    '-c',
    'max_connections=50',
  ];
  const spec = daemonSpec(ctx, 'postgres', argv, join(ctx.dir, 'postgres.log'));
  return {
    spec: { ...spec, user: PG_USER, privateIpc: true, env: { PGDATA: data } },
    ready: /database system is ready to accept connections/,
    readyTimeoutMs: 20_000,
  };
}
