import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  CLI,
  canRunLabs,
  harness,
  journalReaches,
  leftovers,
  NOTHING,
  namespaceAppears,
  ROOT,
  shmSegments,
} from '../support/lab.js';

describe.skipIf(!canRunLabs)('harness killed with SIGKILL in the middle of up', () => {
  const stages: [string, string, (lab: string) => Promise<void>][] = [
    [
      'right after writing its journal',
      'tkilljournal',
      (lab) => journalReaches(lab, (s) => s.status === 'creating'),
    ],
    // Namespaces exist but are most likely not tagged yet: the journal is what lets gc adopt them.
    ['as its first namespace appears', 'tkillnetns', (lab) => namespaceAppears(`${lab}-client`)],
    [
      'after its daemons started',
      'tkilldaemons',
      (lab) => journalReaches(lab, (s) => s.processes.length > 0),
    ],
  ];
  for (const [stage, lab, trigger] of stages) {
    it(`gc removes everything (${stage})`, async () => {
      await harness(['down', lab]);
      const shm = await shmSegments();
      const fired = trigger(lab);
      const up = execa('node', [CLI, 'up', 'topologies/post.yaml', '--name', lab], {
        cwd: ROOT,
        reject: false,
      });
      await fired.finally(() => up.kill('SIGKILL'));
      await up;
      const mid = await leftovers(lab);
      console.log(
        `killed ${stage}: ${mid.namespaces.length} namespaces, ${mid.processes.length} processes left`,
      );

      const gc = await harness(['gc']);
      expect(gc.exitCode, String(gc.stderr)).toBe(0);
      console.log(String(gc.stderr).trim());
      expect(await leftovers(lab)).toEqual(NOTHING);
      // initdb killed mid-way keeps its shared memory in a private /dev/shm that died with it.
      expect(await shmSegments()).toEqual(shm);
    });
  }
});
