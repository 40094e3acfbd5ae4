import type { Command } from 'commander';
import { InputError } from '../src/errors.js';
import { registryEntries } from '../src/lab/state.js';
import { formatLab } from './output.js';
import { requireLabPrivileges } from './require-root.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show a lab: nodes, interfaces, addresses, processes, who holds each VIP')
    .argument('[lab]', 'lab name')
    .option('--all', 'every lab')
    .option('--json', 'machine-readable output on stdout')
    .action(async (lab: string | undefined, o: { all?: boolean; json?: boolean }) => {
      requireLabPrivileges();
      const { inspectLab } = await import('../src/lab/inspect.js');
      const names = o.all ? (await registryEntries()).map((e) => e.lab) : lab ? [lab] : [];
      if (names.length === 0 && !o.all) throw new InputError('inspect needs a lab name or --all');
      const views = [];
      for (const name of names) {
        const v = await inspectLab(name);
        if (!v) throw new InputError(`no lab named '${name}'`);
        views.push(v);
      }
      if (o.json) console.log(JSON.stringify(o.all ? views : views[0], null, 2));
      else console.log(views.map(formatLab).join('\n\n') || 'no labs');
    });
}
