import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigIncludeError, globToRegExp, loadConfig, MAX_INCLUDE_DEPTH } from './load.js';
import { type ConfigNode, ConfigSyntaxError, label } from './parse.js';
import { extractVrrp } from './vrrp.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keepalived-load-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes files under the temp dir; keys are relative paths. */
async function files(tree: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(tree)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

const labels = (nodes: ConfigNode[]): string[] =>
  nodes.flatMap((n) => [label(n), ...labels(n.children ?? []).map((l) => `  ${l}`)]);

describe('loadConfig', () => {
  it('reads and parses one file', async () => {
    const path = fileURLToPath(new URL('../../../topologies/post/proxy2.conf', import.meta.url));
    const { instances } = extractVrrp(await loadConfig(path));
    expect(instances.map((i) => [i.name, i.priority])).toEqual([
      ['WAN_1', 80],
      ['LAN_1', 100],
    ]);
  });

  it('expands a glob include in sorted order, skipping dot files and directories', async () => {
    await files({
      'keepalived.conf': 'global_defs {\n}\ninclude conf.d/*.conf\n',
      'conf.d/b.conf': 'vrrp_instance B {\n}\n',
      'conf.d/a.conf': '\n\nvrrp_instance A {\n}\n',
      'conf.d/.hidden.conf': 'vrrp_instance HIDDEN {\n}\n',
      'conf.d/notes.txt': 'vrrp_instance TXT {\n}\n',
      'conf.d/dir.conf/x': '',
    });
    const nodes = await loadConfig(join(dir, 'keepalived.conf'));
    expect(labels(nodes)).toEqual(['global_defs', 'vrrp_instance A', 'vrrp_instance B']);
    expect(nodes[1]).toMatchObject({ file: join(dir, 'conf.d/a.conf'), line: 3, col: 1 });
  });

  it('resolves relative includes against the including file, at any depth and inside blocks', async () => {
    await files({
      'main.conf': 'include sub/instance.conf\n',
      'sub/instance.conf': 'vrrp_instance VI {\n  virtual_ipaddress {\n    include vips/v?.inc\n  }\n}\n',
      'sub/vips/v1.inc': '192.0.2.1/24 dev eth1\n',
      'sub/vips/v2.inc': '192.0.2.2/24 dev eth1\n',
      'sub/vips/v10.inc': '192.0.2.10/24 dev eth1\n',
    });
    const { instances, warnings } = extractVrrp(await loadConfig(join(dir, 'main.conf')));
    expect(warnings).toEqual([]);
    expect(instances[0]?.vips.map((v) => [v.address, v.at.file])).toEqual([
      ['192.0.2.1', join(dir, 'sub/vips/v1.inc')],
      ['192.0.2.2', join(dir, 'sub/vips/v2.inc')],
    ]);
  });

  it('matches wildcards in directory components and [...] sets', async () => {
    await files({
      'k.conf': `include ${dir}/site-[ab]/*.conf\n`,
      'site-a/x.conf': 'vrrp_instance A {\n}\n',
      'site-b/x.conf': 'vrrp_instance B {\n}\n',
      'site-c/x.conf': 'vrrp_instance C {\n}\n',
    });
    expect(labels(await loadConfig(join(dir, 'k.conf')))).toEqual(['vrrp_instance A', 'vrrp_instance B']);
  });

  it('accepts a wildcard that matches nothing, as keepalived does', async () => {
    await files({ 'k.conf': 'include conf.d/*.conf\nglobal_defs {\n}\n' });
    expect(labels(await loadConfig(join(dir, 'k.conf')))).toEqual(['global_defs']);
  });

  it('reports a missing file named without wildcards at the include statement', async () => {
    await files({ 'k.conf': 'global_defs {\n}\n  include missing.conf\n' });
    const load = loadConfig(join(dir, 'k.conf'));
    await expect(load).rejects.toThrow(ConfigIncludeError);
    await expect(load).rejects.toThrow(
      `${join(dir, 'k.conf')}:3:3: included file '${join(dir, 'missing.conf')}' does not exist`,
    );
  });

  it('stops include loops at the depth limit with a clear error', async () => {
    await files({ 'loop.conf': 'include loop.conf\n' });
    await expect(loadConfig(join(dir, 'loop.conf'))).rejects.toThrow(
      `${join(dir, 'loop.conf')}:1:1: includes nested deeper than ${MAX_INCLUDE_DEPTH} levels (include loop?)`,
    );
  });

  it('allows exactly MAX_INCLUDE_DEPTH nested includes', async () => {
    const tree: Record<string, string> = {};
    for (let i = 0; i < MAX_INCLUDE_DEPTH; i++) tree[`f${i}.conf`] = `include f${i + 1}.conf\n`;
    tree[`f${MAX_INCLUDE_DEPTH}.conf`] = 'vrrp_instance DEEP {\n}\n';
    await files(tree);
    expect(labels(await loadConfig(join(dir, 'f0.conf')))).toEqual(['vrrp_instance DEEP']);
  });

  it('reports syntax errors with the path of the included file', async () => {
    await files({ 'k.conf': 'include bad.conf\n', 'bad.conf': 'vrrp_instance X {\n  state MASTER\n' });
    const load = loadConfig(join(dir, 'k.conf'));
    await expect(load).rejects.toThrow(ConfigSyntaxError);
    await expect(load).rejects.toThrow(`${join(dir, 'bad.conf')}:1:17: missing '}'`);
  });
});

describe('globToRegExp', () => {
  it.each([
    ['*.conf', 'a.conf', true],
    ['*.conf', 'a.confx', false],
    ['v?.inc', 'v1.inc', true],
    ['v?.inc', 'v10.inc', false],
    ['[ab]*', 'b1', true],
    ['[!ab]*', 'b1', false],
    ['[^ab]*', 'c1', true],
    ['[a-c].x', 'b.x', true],
    ['[]x]', ']', true],
    ['a[b', 'a[b', true],
    ['a.b+(c)', 'a.b+(c)', true],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});
