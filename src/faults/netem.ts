import { execa } from 'execa';
import { InputError, RuntimeFailure } from '../errors.js';
import { type FaultKind, ifaceOf } from './fault.js';

/** tc netem on the node's interface (egress): loss, delay and jitter on that one link. */
export const netem: FaultKind = {
  name: 'netem',
  summary: 'loss/delay/jitter on one interface (tc netem, egress); --clear removes it',
  target: 'iface',
  async run(state, target, opts) {
    const { node, iface } = ifaceOf(state, target);
    const args = opts.clear
      ? ['qdisc', 'del', 'dev', iface.name, 'root']
      : ['qdisc', 'replace', 'dev', iface.name, 'root', 'netem', ...netemArgs(opts)];
    const r = await execa('ip', ['netns', 'exec', node.ns, 'tc', ...args], { reject: false });
    if (r.exitCode !== 0) throw new RuntimeFailure(`tc ${args.join(' ')} in ${node.ns}: ${r.stderr.trim()}`);
    return `${node.ns}: tc ${args.join(' ')}`;
  },
};

function netemArgs(o: { lossPct?: number; delayMs?: number; jitterMs?: number }): string[] {
  const out: string[] = [];
  if (o.delayMs !== undefined)
    out.push('delay', `${o.delayMs}ms`, ...(o.jitterMs ? [`${o.jitterMs}ms`] : []));
  if (o.lossPct !== undefined) out.push('loss', `${o.lossPct}%`);
  if (out.length === 0) throw new InputError('netem needs --loss, --delay (and --jitter) or --clear');
  return out;
}
