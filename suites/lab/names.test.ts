import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down } from '../../src/lab/down.js';
import { up } from '../../src/lab/up.js';
import { canRunLabs, harness, leftovers, NOTHING, ROOT } from '../support/lab.js';

const LAB = 'tkw';

// iproute2 keywords as node, segment and interface names: each must reach an `ip -batch` line after its
// own keyword (`dev`, `name`, `master`), never where ip would read it as a keyword ("link set up up").
const TOPOLOGY = `
name: ${LAB}
segments:
  up: {}
  down: {}
nodes:
  dev:
    interfaces:
      up: { addresses: [198.51.100.1/24] }
      name: { addresses: [192.0.2.1/24] }
      master: { addresses: [203.0.113.1/24] }
  type:
    interfaces:
      down: { addresses: [198.51.100.2/24] }
      link: { addresses: [192.0.2.2/24] }
      peer: { addresses: [203.0.113.2/24] }
links:
  - endpoints: [dev:up, up]
  - endpoints: [type:down, up]
  - endpoints: [dev:name, down]
  - endpoints: [type:link, down]
  - endpoints: [dev:master, type:peer]
`;

/**
 * Whether `dev` reaches an address: a TCP connect to a closed port of a live host is refused at once
 * (the peer's kernel answers RST); an unreachable one fails otherwise (EHOSTUNREACH, ENETUNREACH, a
 * timeout). No ping in the lab image: node connects and prints the error code.
 */
async function reaches(to: string): Promise<string> {
  const js = `require('net').connect(9, ${JSON.stringify(to)}).on('error', (e) => console.log(e.code)).setTimeout(3000, () => { console.log('timeout'); process.exit(); })`;
  const r = await harness(['exec', LAB, 'dev', '--', process.execPath, '-e', js]);
  return String(r.stdout).trim() === 'ECONNREFUSED' ? 'refused' : `${r.stdout}${r.stderr}`.trim();
}

describe.skipIf(!canRunLabs)('ip keywords as names: up, down, dev, name, type, master, link, peer', () => {
  let dir: string;

  beforeAll(async () => {
    await down(LAB).catch(() => {});
    dir = await mkdtemp(join(tmpdir(), 'vrrp-harness-names-'));
    await writeFile(join(dir, 'names.yaml'), TOPOLOGY);
    await up({ file: join(dir, 'names.yaml'), name: LAB, runsDir: `${ROOT}/runs` });
  });
  afterAll(async () => {
    await down(LAB).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    expect(await leftovers(LAB)).toEqual(NOTHING);
  });

  it('every interface exists, is up, and carries traffic over segments "up" and "down" and a direct link', async () => {
    for (const [node, iface] of [
      ['dev', 'up'],
      ['dev', 'name'],
      ['dev', 'master'],
      ['type', 'down'],
      ['type', 'link'],
      ['type', 'peer'],
    ] as const) {
      const r = await harness(['exec', LAB, node, '--', 'ip', '-o', 'link', 'show', 'dev', iface]);
      expect(r.exitCode, `${node}:${iface}: ${r.all ?? r.stderr}`).toBe(0);
      expect(String(r.stdout)).toMatch(/state UP/);
    }
    for (const to of ['198.51.100.2', '192.0.2.2', '203.0.113.2']) expect(await reaches(to)).toBe('refused');
  });

  it('link faults reach an interface named "up"', async () => {
    const fail = await harness(['fault', LAB, 'link-down', 'dev:up']);
    expect(fail.exitCode, String(fail.stderr)).toBe(0);
    const r = await harness(['exec', LAB, 'dev', '--', 'ip', '-o', 'link', 'show', 'dev', 'up']);
    expect(String(r.stdout)).not.toMatch(/state UP/);
    const back = await harness(['fault', LAB, 'link-up', 'dev:up']);
    expect(back.exitCode, String(back.stderr)).toBe(0);
    expect(await reaches('198.51.100.2')).toBe('refused');
  });
});
