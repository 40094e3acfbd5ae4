import { mkdirSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { LabState } from '../../src/lab/state.js';
import { CLI, canRunLabs, harness, leftovers, NOTHING, ROOT } from '../support/lab.js';

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
function journalReaches(lab: string, when: (s: LabState) => boolean) {
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
function namespaceAppears(ns: string) {
  return watchFor('/run/netns', async (name) => name === ns, `namespace ${ns}`);
}

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
    });
  }
});
