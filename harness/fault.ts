import type { Command } from 'commander';
import { InputError } from '../src/errors.js';
import { requireLabPrivileges } from './require-root.js';

const num = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`${what} '${v}': expected a non-negative number`);
  return n;
};

export function registerFault(program: Command): void {
  program
    .command('fault')
    .description('inject a fault into a running lab (a marker frame goes into every capture first)')
    .argument('[lab]', 'lab name')
    .argument('[kind]', 'fault kind (--list shows them)')
    .argument('[target]', 'node:iface, node, or node/service')
    .option('--list', 'list the fault kinds')
    .option('--count <n>', 'link-flap: cycles', num('--count'))
    .option('--period <ms>', 'link-flap: one down+up cycle', num('--period'))
    .option('--loss <pct>', 'netem: loss percentage', num('--loss'))
    .option('--delay <ms>', 'netem: delay', num('--delay'))
    .option('--jitter <ms>', 'netem: jitter', num('--jitter'))
    .option('--from <node>', 'vrrp-drop: the node whose adverts are dropped')
    .option('--clear', 'netem, vrrp-drop: remove it again')
    .option('--json', 'print the fault record as JSON')
    .action(async (lab: string | undefined, kind: string | undefined, target: string | undefined, o) => {
      const { FAULTS } = await import('../src/faults/kinds.js');
      if (o.list) {
        for (const f of FAULTS) console.log(`${f.name.padEnd(15)} ${f.target.padEnd(7)} ${f.summary}`);
        return;
      }
      if (!lab || !kind || !target)
        throw new InputError('fault needs LAB KIND TARGET (harness fault --list)');
      requireLabPrivileges();
      const { fault } = await import('../src/faults/sequence.js');
      const record = await fault(lab, kind, target, {
        count: o.count,
        periodMs: o.period,
        lossPct: o.loss,
        delayMs: o.delay,
        jitterMs: o.jitter,
        from: o.from,
        clear: o.clear,
      });
      if (o.json) console.log(JSON.stringify(record, null, 2));
      else console.error(`fault ${record.id}: ${record.kind} ${record.target}: ${record.detail}`);
    });
}
