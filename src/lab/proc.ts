import { readFile } from 'node:fs/promises';

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

export async function procComm(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Processes carrying our tag in their environment (started by the harness, wherever they went). */
export async function taggedPids(runId: string): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const out: number[] = [];
  const needle = `VRRP_HARNESS_RUN=${runId}\0`;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (`${env}\0`.includes(needle)) out.push(Number(entry));
    } catch {
      // gone or not readable
    }
  }
  return out;
}
