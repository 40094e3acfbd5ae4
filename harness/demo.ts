import type { Command } from 'commander';
import { table } from './output.js';
import { requireLabPrivileges } from './require-root.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description("the post's lab through scenarios 1, 2 and 5 (and 5 with the fix), with a report")
    .option('--out <dir>', 'where report.json, report.md, report.html and the evidence go', 'runs/demo')
    .action(async (o: { out: string }) => {
      requireLabPrivileges();
      const { DEMO, runScenarios } = await import('../src/scenario/demo.js');
      const started = performance.now();
      const rep = await runScenarios(DEMO, o.out, (m) =>
        console.error(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${m}`),
      );
      const rows = rep.scenarios.flatMap((s) =>
        (s.handovers.length ? s.handovers : [undefined]).map((h, i) => {
          const http = s.downtime.find(
            (d) => d.probe === 'http' && d.faultId === (h?.faultId ?? s.faults[0]?.id),
          );
          return [
            i === 0 ? s.name : '',
            h ? `${h.vip} ${h.from ?? '?'} → ${h.to}` : 'no VIP moved',
            h ? `${h.failoverMs.toFixed(0)} ms` : '–',
            h?.expectedMs
              ? `[${h.expectedMs.min.toFixed(0)}, ${h.expectedMs.max.toFixed(0)}] ${h.measured}`
              : '–',
            h ? h.verdict.toUpperCase() : s.verdict.toUpperCase(),
            http ? (http.ms === null ? 'not recovered' : `${http.ms.toFixed(0)} ms`) : '–',
          ];
        }),
      );
      console.log(
        table(
          ['scenario', 'handover', 'fault→new master', 'expected (ms)', 'verdict', 'client downtime'],
          rows,
        ),
      );
      console.log(
        `\n${rep.summary.passed} of ${rep.summary.scenarios} scenarios pass. Report: ${o.out}/report.html (and report.json, report.md)`,
      );
      if (rep.summary.failed > 0) process.exitCode = 1;
    });
}
