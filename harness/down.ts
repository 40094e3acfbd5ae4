import type { Command } from 'commander';
import { InputError } from '../src/errors.js';
import { requireLabPrivileges } from './require-root.js';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop a lab and remove everything it created')
    .argument('[lab]', 'lab name')
    .option('--all', 'every lab this machine runs')
    .action(async (lab: string | undefined, o: { all?: boolean }) => {
      requireLabPrivileges();
      const { down, downAll } = await import('../src/lab/down.js');
      if (!lab && !o.all) throw new InputError('down needs a lab name or --all');
      const reports = o.all ? await downAll() : [await down(lab ?? '')];
      for (const r of reports) {
        console.error(
          `removed ${r.namespaces.length} namespaces, ${r.processes} processes in ${r.ms.toFixed(0)} ms`,
        );
      }
    });
}
