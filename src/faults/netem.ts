import { execa } from 'execa';
import { InputError, RuntimeFailure } from '../errors.js';
import { type FaultKind, ifaceOf } from './fault.js';

/**
 * Impairment of one link, egress of the node's interface:
 *   loss   nftables `numgen random` drop: works on every kernel with nf_tables (including those built
 *          without sch_netem, like this project's CI machines);
 *   delay, jitter   tc netem: needs CONFIG_NET_SCH_NETEM, and says so plainly where it is missing.
 * --clear removes both.
 */
export const netem: FaultKind = {
  name: 'netem',
  summary: 'loss (nftables) / delay, jitter (tc netem) on one interface, egress; --clear removes them',
  target: 'iface',
  check(_state, _target, opts) {
    if (opts.clear) return;
    if (opts.lossPct === undefined && opts.delayMs === undefined) {
      throw new InputError('netem needs --loss, --delay (with --jitter) or --clear');
    }
    if (opts.lossPct !== undefined && !(opts.lossPct >= 0 && opts.lossPct <= 100)) {
      throw new InputError(`--loss ${opts.lossPct}: expected 0..100`);
    }
  },
  async run(state, target, opts) {
    const { node, iface } = ifaceOf(state, target);
    const table = `vrrp_harness_loss_${iface.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    if (opts.clear) {
      await inNs(node.ns, 'nft', ['delete', 'table', 'inet', table], true);
      await inNs(node.ns, 'tc', ['qdisc', 'del', 'dev', iface.name, 'root'], true);
      return `${node.ns}: ${iface.name} impairments removed`;
    }
    const done: string[] = [];
    if (opts.delayMs !== undefined) {
      const delay = ['delay', `${opts.delayMs}ms`, ...(opts.jitterMs ? [`${opts.jitterMs}ms`] : [])];
      const r = await inNs(
        node.ns,
        'tc',
        ['qdisc', 'replace', 'dev', iface.name, 'root', 'netem', ...delay],
        true,
      );
      if (r.exitCode !== 0) {
        throw new RuntimeFailure(
          /unknown/i.test(r.stderr)
            ? 'this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM): delay and jitter cannot be emulated here; --loss works (nftables)'
            : `tc netem in ${node.ns}: ${r.stderr.trim()}`,
        );
      }
      done.push(delay.join(' '));
    }
    if (opts.lossPct !== undefined) {
      const pct = Math.round(opts.lossPct);
      // numgen counts 0..99: "< pct" drops pct in a hundred; 100 % is a plain drop.
      const match = pct >= 100 ? '' : ` numgen random mod 100 < ${pct}`;
      const script = `table inet ${table} {\n chain output {\n  type filter hook output priority 0; policy accept;\n  oifname "${iface.name}"${match} drop\n }\n}\n`;
      const r = await execa('ip', ['netns', 'exec', node.ns, 'nft', '-f', '-'], {
        input: script,
        reject: false,
      });
      if (r.exitCode !== 0) throw new RuntimeFailure(`nft in ${node.ns}: ${r.stderr.trim()}`);
      done.push(`loss ${pct}%`);
    }
    return `${node.ns}: ${iface.name} egress ${done.join(', ')}`;
  },
};

function inNs(ns: string, cmd: string, args: string[], tolerate = false) {
  return execa('ip', ['netns', 'exec', ns, cmd, ...args], { reject: !tolerate });
}
