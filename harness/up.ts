import type { Command } from 'commander';
import { formatLab } from './output.js';
import { requireLabPrivileges } from './require-root.js';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('build a lab from a topology file, start its services and speakers, wait until it is ready')
    .argument('<file>', 'topology file (YAML)')
    .option('--name <lab>', "lab name (default: the file's name:), so two labs can run side by side")
    .option(
      '--impl <speakers>',
      'VRRP speaker: keepalived or tsvrrpd for every node, NODE=IMPL pairs, or both (tsvrrpd,proxy1=keepalived)',
    )
    .option('--runs-dir <dir>', 'parent of run directories', 'runs')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (file: string, o: { name?: string; impl?: string; runsDir: string; json?: boolean }) => {
      requireLabPrivileges();
      const { inspectLab } = await import('../src/lab/inspect.js');
      const { up } = await import('../src/lab/up.js');
      const { parseImplChoice } = await import('../src/topology/impl.js');
      const impl = o.impl === undefined ? undefined : parseImplChoice(o.impl);
      // Ctrl-C or a kill during `up` stops it and rolls back what it created (a second Ctrl-C kills).
      const abort = new AbortController();
      // `on`, not `once`: execa's exit hook re-raises a signal that no other listener is left to handle.
      const interrupted = (signal: NodeJS.Signals) => {
        if (abort.signal.aborted) process.exit(130);
        console.error(`harness: ${signal}: stopping and rolling back (again to kill at once)`);
        abort.abort(signal);
      };
      process.on('SIGINT', interrupted);
      process.on('SIGTERM', interrupted);
      const started = performance.now();
      const result = await up({
        file,
        name: o.name,
        impl,
        runsDir: o.runsDir,
        signal: abort.signal,
        progress: (m) => console.error(`[${((performance.now() - started) / 1000).toFixed(2)}s] ${m}`),
      }).catch((err) => {
        if (abort.signal.aborted) {
          console.error(`harness: up interrupted; rolled back`);
          process.exit(130);
        }
        throw err;
      });
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      const view = await inspectLab(result.state.lab);
      const t = result.timings;
      if (o.json) {
        console.log(JSON.stringify({ ...view, checks: result.checks, timings: t }, null, 2));
      } else {
        if (view) console.log(formatLab(view));
        for (const c of result.checks) console.log(`\ncheck '${c.name}': ${c.status} ${c.body.trim()}`);
        console.log(
          `\nready in ${(t.totalMs / 1000).toFixed(2)} s: network ${t.networkMs.toFixed(0)} ms, services ${t.servicesMs.toFixed(0)} ms, VRRP election ${(t.electionMs / 1000).toFixed(2)} s, checks ${t.checksMs.toFixed(0)} ms`,
        );
      }
    });
}
