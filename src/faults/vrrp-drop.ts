import { execa } from 'execa';
import { InputError, RuntimeFailure } from '../errors.js';
import { addresses } from '../netns/ip.js';
import { type FaultKind, nodeOf } from './fault.js';

const TABLE = 'vrrp_harness';

/**
 * One-way loss of VRRP: the target node drops every advert that comes from `--from` (nftables input hook
 * in the target's namespace), while the other direction still flows: the split-brain recipe.
 */
export const vrrpDrop: FaultKind = {
  name: 'vrrp-drop',
  summary: 'TARGET drops every VRRP packet from --from NODE (nftables, one way); --clear removes it',
  target: 'node',
  check(state, _target, opts) {
    if (opts.clear) return;
    if (!opts.from) throw new InputError('vrrp-drop needs --from NODE');
    nodeOf(state, opts.from);
  },
  async run(state, target, opts) {
    const node = nodeOf(state, target);
    if (opts.clear) {
      await nft(node.ns, `delete table inet ${TABLE}\n`);
      return `${node.ns}: VRRP drop removed`;
    }
    if (!opts.from) throw new InputError('vrrp-drop needs --from NODE');
    const from = nodeOf(state, opts.from);
    const links = await addresses(from.ns);
    const v4 = links.flatMap((l) =>
      l.addr_info.filter((a) => a.family === 'inet' && a.local !== '127.0.0.1').map((a) => a.local),
    );
    const v6 = links.flatMap((l) =>
      l.addr_info.filter((a) => a.family === 'inet6' && a.local !== '::1').map((a) => a.local),
    );
    const rules = [
      ...(v4.length ? [`  ip saddr { ${v4.join(', ')} } ip protocol 112 drop`] : []),
      ...(v6.length ? [`  ip6 saddr { ${v6.join(', ')} } meta l4proto 112 drop`] : []),
    ];
    await nft(
      node.ns,
      `table inet ${TABLE} {\n chain input {\n  type filter hook input priority -10; policy accept;\n${rules.join('\n')}\n }\n}\n`,
    );
    return `${node.ns}: drops VRRP from ${from.name} (${[...v4, ...v6].join(', ')})`;
  },
};

async function nft(ns: string, script: string): Promise<void> {
  const r = await execa('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script, reject: false });
  if (r.exitCode !== 0) throw new RuntimeFailure(`nft in ${ns}: ${r.stderr.trim()}`);
}
