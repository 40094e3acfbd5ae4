import { existsSync, mkdirSync, watch } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa, type Options } from 'execa';
import { type LabState, REGISTRY, SCRATCH_ROOT } from '../../src/lab/state.js';
import { labPrivileges, PRIVILEGE_HINT } from '../../src/util/privileges.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/harness/cli.js');

const privileges = labPrivileges();
/** Lab suites need root; without it they are skipped with a reason, not failed. */
export const canRunLabs = privileges.ok;
if (!canRunLabs) {
  console.warn(`lab suites skipped: ${PRIVILEGE_HINT} (missing ${privileges.missing.join(', ')})`);
}

/** Runs the real CLI, as a user would. */
export function harness(args: string[], opts: Options = {}) {
  return execa('node', [CLI, ...args], { cwd: ROOT, reject: false, ...opts });
}

/** The post's end-to-end request: client → WAN VIP → nginx → web → LAN VIP → nginx stream → db. */
export const WAN_VIP_URL = 'http://203.0.113.140/';

export function curlFromClient(lab: string, url = WAN_VIP_URL) {
  return harness(['exec', lab, 'client', '--', 'curl', '-sS', '-m', '3', url]);
}

/** Everything of a lab that could outlive it: namespaces, tagged processes, files, registry entry. */
export async function leftovers(lab: string, runsDir = join(ROOT, 'runs')) {
  const namespaces = (await readdir('/run/netns').catch(() => [] as string[])).filter((n) =>
    n.startsWith(`${lab}-`),
  );
  const processes: string[] = [];
  // A process whose namespace was deleted under it is in no named namespace and maybe untagged (nginx
  // clears its workers' environment): any such user process is a leak, whichever lab it came from.
  const own = await readlink('/proc/self/ns/net');
  const named = new Set<string>();
  for (const ns of await readdir('/run/netns').catch(() => [] as string[])) {
    const st = await stat(`/run/netns/${ns}`).catch(() => undefined);
    if (st) named.add(`net:[${st.ino}]`);
  }
  const stranded: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || !stat) continue;
    if (env.split('\0').includes(`VRRP_HARNESS_LAB=${lab}`)) processes.push(`${pid} ${stat.split(' ')[1]}`);
    const net = await readlink(`/proc/${pid}/ns/net`).catch(() => own);
    if (pid !== '2' && ppid !== '2' && net !== own && !named.has(net))
      stranded.push(`${pid} ${stat.split(' ')[1]}`);
  }
  return {
    namespaces,
    processes,
    stranded,
    runDir: existsSync(join(runsDir, lab)),
    registry: existsSync(join(REGISTRY, `${lab}.json`)),
    scratch: (await readdir(SCRATCH_ROOT).catch(() => [] as string[])).filter((d) => d.startsWith(`${lab}-`)),
  };
}

export const NOTHING = {
  namespaces: [],
  processes: [],
  stranded: [],
  runDir: false,
  registry: false,
  scratch: [],
};

/** POSIX shared memory segments (/dev/shm): a PostgreSQL killed at the wrong moment would leave some here. */
export async function shmSegments(): Promise<string[]> {
  return (await readdir('/dev/shm').catch(() => [] as string[])).sort();
}

/** Interfaces and addresses of the root namespace: a lab must not add to them. */
export async function rootNamespace() {
  const links = await execa('ip', ['-o', 'link', 'show']);
  const addrs = await execa('ip', ['-o', 'addr', 'show']);
  const routes = await execa('ip', ['route', 'show', 'table', 'all']);
  const names = links.stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '');
  return {
    links: names.sort(),
    addresses: addrs.stdout.split('\n').length,
    routes: routes.stdout.split('\n').sort(),
  };
}

/** Resolves once `file` in `dir` satisfies `when`, woken by inotify on `dir`, or rejects after `ms`. */
function watchFor(dir: string, when: (name: string | null) => Promise<boolean>, what: string, ms = 30_000) {
  mkdirSync(dir, { recursive: true });
  return new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      clearTimeout(timer);
      w.close();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`${what}: not seen within ${ms} ms`)), ms);
    const check = async (name: string | null) => {
      if (await when(name)) finish();
    };
    const w = watch(dir, (_, name) => void check(name));
    void check(null);
  });
}

/** The lab's journal (runs/<lab>/lab.json) satisfies `when`. */
export function journalReaches(lab: string, when: (s: LabState) => boolean) {
  const dir = join(ROOT, 'runs', lab);
  const read = () => readFile(join(dir, 'lab.json'), 'utf8').then(JSON.parse, () => undefined);
  return watchFor(
    dir,
    async () => {
      const s = await read();
      return s !== undefined && when(s);
    },
    `journal of ${lab}`,
  );
}

/** A network namespace of that name appears. */
export function namespaceAppears(ns: string) {
  return watchFor('/run/netns', async (name) => name === ns, `namespace ${ns}`);
}
