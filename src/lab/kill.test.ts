import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { killUntilGone } from './daemon.js';
import { isAlive, processTree } from './proc.js';

describe('killing a daemon and what it forked', () => {
  it('finds a child its parent left behind (same process group, parent gone) and kills it', async () => {
    // A daemon-like leader that forks a child and dies, as nginx's master can die under a new worker.
    const leader = spawn('sh', ['-c', 'sleep 30 & echo $!; exit 0'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const orphan = await new Promise<number>((resolve) =>
      leader.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    await new Promise((r) => leader.once('exit', r));
    expect(await isAlive(orphan)).toBe(true);
    expect(await processTree(leader.pid as number)).toContain(orphan);
    expect(await killUntilGone(() => processTree(leader.pid as number))).toBe(1);
    expect(await isAlive(orphan)).toBe(false);
  });

  it('scans again after each kill: a process that appeared in between is killed too', async () => {
    const sleeper = () => spawn('sleep', ['30'], { stdio: 'ignore' }).pid as number;
    const first = sleeper();
    let late = 0;
    const scans: number[][] = [];
    const killed = await killUntilGone(async () => {
      // the second scan finds one started after the first kill, as a forking master's new worker
      if (scans.length === 1) late = sleeper();
      const next = scans.length === 0 ? [first] : scans.length === 1 ? [late] : [];
      scans.push(next);
      return next;
    });
    expect([killed, scans.length]).toEqual([2, 3]);
    expect([await isAlive(first), await isAlive(late)]).toEqual([false, false]);
  });
});
