import type { Command } from 'commander';
import { requireLabPrivileges } from './require-root.js';

export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('remove what crashed or interrupted runs left behind (labs that are up are kept)')
    .option('--runs-dir <dir>', 'parent of run directories', 'runs')
    .option('--json', 'print what was removed as JSON')
    .action(async (o: { runsDir: string; json?: boolean }) => {
      requireLabPrivileges();
      const { gc } = await import('../src/lab/down.js');
      const r = await gc({ runsDir: o.runsDir });
      if (o.json) return console.log(JSON.stringify(r, null, 2));
      const ns = r.removed.flatMap((x) => x.namespaces);
      const procs = r.removed.reduce((n, x) => n + x.processes, 0);
      console.error(
        `gc: removed ${r.removed.length} stale runs (${ns.length} namespaces, ${procs} processes); kept ${r.kept.join(', ') || 'none'}`,
      );
    });
}
