import { afterAll, describe, expect, it } from 'vitest';
import { canRunLabs, curlFromClient, harness, leftovers, NOTHING } from '../support/lab.js';

describe.skipIf(!canRunLabs)('two labs of different names side by side', () => {
  const labs = ['ta', 'tb'];

  afterAll(async () => {
    for (const lab of labs) await harness(['down', lab]);
  });

  it('both come up from the same file and both serve', async () => {
    const ups = await Promise.all(labs.map((lab) => harness(['up', 'topologies/post.yaml', '--name', lab])));
    for (const u of ups) expect(u.exitCode, String(u.stderr)).toBe(0);
    for (const lab of labs) {
      const r = await curlFromClient(lab);
      expect(String(r.stdout)).toMatch(/"web":"web[12]".*"db":"db[12]"/);
    }
  });

  it('a second lab of the same name is refused (exit 2) and the first is untouched', async () => {
    const again = await harness(['up', 'topologies/post.yaml', '--name', 'ta']);
    expect(again.exitCode).toBe(2);
    expect(String(again.stderr)).toMatch(/already up/);
    expect((await leftovers('ta')).namespaces.length).toBe(8);
  });

  it('gc keeps labs that are up; down of one leaves the other serving', async () => {
    await harness(['gc']);
    expect((await leftovers('ta')).namespaces.length).toBe(8);
    expect((await harness(['down', 'ta'])).exitCode).toBe(0);
    expect(await leftovers('ta')).toEqual(NOTHING);
    const r = await curlFromClient('tb');
    expect(r.exitCode).toBe(0);
    expect((await harness(['down', 'tb'])).exitCode).toBe(0);
    expect(await leftovers('tb')).toEqual(NOTHING);
  });
});
