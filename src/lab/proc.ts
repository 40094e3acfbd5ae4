import { readdir, readFile, readlink, stat } from 'node:fs/promises';

/**
 * Field 22 of /proc/PID/stat (start time in clock ticks): with the pid, it names one process for good.
 * A zombie counts as gone: it has exited, only its parent (often init) has yet to reap it.
 */
export async function procStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields after the last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

export async function isAlive(pid: number, startTime?: string): Promise<boolean> {
  const now = await procStartTime(pid);
  return now !== undefined && (startTime === undefined || now === startTime);
}

/**
 * Every process of a run, in one pass over /proc: those whose network namespace is one of `namespaces`
 * (what `ip netns pids` does, without a process per namespace) and those carrying the run's tag in their
 * environment, wherever they went.
 */
export async function runPids(namespaces: string[], runId?: string): Promise<number[]> {
  const inodes = new Set<string>();
  for (const ns of namespaces) {
    try {
      inodes.add(`net:[${(await stat(`/run/netns/${ns}`)).ino}]`);
    } catch {
      // already gone
    }
  }
  const needle = runId === undefined ? undefined : `VRRP_HARNESS_RUN=${runId}\0`;
  const out: number[] = [];
  await Promise.all(
    (await readdir('/proc'))
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (pid) => {
        const net = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
        if (inodes.has(net)) return out.push(Number(pid));
        if (!needle) return;
        const env = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
        if (`${env}\0`.includes(needle)) out.push(Number(pid));
      }),
  );
  return out;
}

/**
 * Processes whose parent chain leads to `root` (itself included): a daemon and the children it forked;
 * and those still in its process group (a daemon leads its own), whose parent died under them and left
 * them to init.
 */
export async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  const tree = new Set([root]);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const [, ppid, pgrp] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    if (ppid) parents.set(Number(entry), ppid);
    if (pgrp === root) tree.add(Number(entry));
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}
