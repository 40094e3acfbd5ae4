import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { down } from '../../src/lab/down.js';
import { SCRATCH_ROOT } from '../../src/lab/state.js';
import { up } from '../../src/lab/up.js';
import { canRunLabs, leftovers, NOTHING } from '../support/lab.js';

const LAB = 'tpghome';

// A checkout under a private directory (mktemp -d is 0700): PostgreSQL, which refuses to run as root,
// cannot reach a run directory there. Its files go to the run's scratch directory instead, and go with it.
describe.skipIf(!canRunLabs)('PostgreSQL with the run directory out of its reach', () => {
  let dir: string;

  afterAll(async () => {
    await down(LAB).catch(() => {});
    expect(await leftovers(LAB, join(dir, 'runs'))).toEqual(NOTHING);
    await rm(dir, { recursive: true, force: true });
  });

  it('comes up with the data in the scratch directory, and down removes it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vrrp-harness-private-'));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const file = join(dir, 'db.yaml');
    await writeFile(
      file,
      [
        `name: ${LAB}`,
        'segments: { lan: {} }',
        'nodes:',
        '  db:',
        '    interfaces: { eth0: { addresses: [192.0.2.31/24] } }',
        '    services: [{ kind: postgres, port: 5432 }]',
        'links:',
        '  - endpoints: [db:eth0, lan]',
        '',
      ].join('\n'),
    );
    const { state } = await up({ file, name: LAB, runsDir: join(dir, 'runs') });
    const scratch = (await readdir(SCRATCH_ROOT)).filter((d) => d.startsWith(`${LAB}-`));
    expect(scratch).toEqual([`${LAB}-${state.runId}`]);
    expect(
      (await readdir(join(SCRATCH_ROOT, scratch[0] ?? ''))).some((d) => d.startsWith('pg-data-db')),
    ).toBe(true);
    await down(LAB);
    expect((await readdir(SCRATCH_ROOT)).filter((d) => d.startsWith(`${LAB}-`))).toEqual([]);
  });
});
