import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  canRunLabs,
  harness,
  journalReaches,
  leftovers,
  NOTHING,
  ROOT,
  rootNamespace,
} from '../support/lab.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vrrp-harness-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function topology(name: string, text: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, text);
  return file;
}

describe.skipIf(!canRunLabs)('up fails cleanly', () => {
  it('bad input: exit 2, file:line:col in the message, nothing created', async () => {
    const file = await topology(
      'bad',
      [
        'name: tbad',
        'nodes:',
        '  a:',
        '    interfaces:',
        '      eth0: { addresses: [192.0.2.1/24] }',
        'links:',
        '  - endpoints: [a:eth0, nowhere]',
        '',
      ].join('\n'),
    );
    const r = await harness(['up', file]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain(`${file}:7:`);
    expect(String(r.stderr)).toContain("unknown node or segment 'nowhere'");
    expect(await leftovers('tbad')).toEqual(NOTHING);
  });

  it('a service that refuses to start: rolled back, its log tail printed, exit 1', async () => {
    // nginx listening on a VIP the node does not hold, without the post's ip_nonlocal_bind: bind() fails.
    const file = await topology(
      'nobind',
      [
        'name: tnobind',
        'segments: { wan: {} }',
        'nodes:',
        '  proxy:',
        '    interfaces: { eth0: { addresses: [203.0.113.2/24] } }',
        '    services:',
        '      - { kind: nginx, http: { listen: 203.0.113.140:80, upstream: [203.0.113.9:8080] } }',
        'links:',
        '  - endpoints: [proxy:eth0, wan]',
        '',
      ].join('\n'),
    );
    const before = await rootNamespace();
    const r = await harness(['up', file]);
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/proxy\/nginx/);
    expect(String(r.stderr)).toMatch(/Cannot assign requested address/);
    expect(String(r.stderr)).toMatch(/rolling back/);
    expect(await leftovers('tnobind')).toEqual(NOTHING);
    expect(await rootNamespace()).toEqual(before);
  });

  it('Ctrl-C (SIGINT) half-way: up stops, rolls back everything, exit 130', async () => {
    const lab = 'tsigint';
    await harness(['down', lab]);
    const fired = journalReaches(lab, (s) => s.processes.length > 0);
    const up = execa('node', [CLI, 'up', 'topologies/post.yaml', '--name', lab], {
      cwd: ROOT,
      reject: false,
    });
    await fired.finally(() => up.kill('SIGINT'));
    const r = await up;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/rolling back/);
    expect(await leftovers(lab)).toEqual(NOTHING);
  });

  it('without root: a one-line explanation and exit 2', async () => {
    // setpriv drops to nobody without CAP_NET_ADMIN or CAP_SYS_ADMIN, as an unprivileged user would run
    // it. It keeps CAP_DAC_READ_SEARCH only, so that nobody can read a checkout under a private directory
    // (a clone in mktemp -d, mode 0700): without it node cannot load the CLI and exits 1 before the check.
    const r = await execa(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--inh-caps=+dac_read_search',
        '--ambient-caps=+dac_read_search',
        'node',
        CLI,
        'up',
        'topologies/post.yaml',
        '--name',
        'tnoroot',
      ],
      { cwd: ROOT, reject: false },
    );
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr).trim().split('\n')).toHaveLength(1);
    expect(String(r.stderr)).toMatch(/root|CAP_NET_ADMIN/);
    expect(await leftovers('tnoroot')).toEqual(NOTHING);
  });
});
