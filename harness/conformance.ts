import type { Command } from 'commander';
import { DEFAULT_CONCURRENCY } from '../src/conformance/concurrency.js';
import { InputError } from '../src/errors.js';
import { requireLabPrivileges } from './require-root.js';

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerConformance(program: Command): void {
  program
    .command('conformance')
    .description('run the RFC 3768/5798/9568 conformance cases against VRRP speakers, with a report')
    .option('--impl <list>', 'implementations to test', 'keepalived,tsvrrpd')
    .option('--version <list>', 'VRRP versions: 2, 3', '2,3')
    .option('--family <list>', 'IP families: 4, 6', '4,6')
    .option('--only <pattern>', 'a regular expression on case (or scenario) ids')
    .option(
      '--out <dir>',
      'where conformance.json/.md/.html, junit.xml and the evidence go',
      'runs/conformance',
    )
    .option('--concurrency <n>', 'labs at a time (default: 1.5 per core)', String(DEFAULT_CONCURRENCY))
    .option('--list', 'list the cases and exit')
    .action(
      async (o: {
        impl: string;
        version: string;
        family: string;
        only?: string;
        out: string;
        concurrency: string;
        list?: boolean;
      }) => {
        const { SpeakerImpl } = await import('../src/topology/schema.js');
        const { VARIANT_IDS, VARIANTS } = await import('../src/conformance/lab.js');
        const { CASES } = await import('../src/conformance/cases/index.js');
        if (o.list) {
          for (const c of CASES) {
            const variants = (c.variants ?? c.scenario.variants ?? VARIANT_IDS).join(',');
            console.log(
              `${c.id.padEnd(26)} ${c.level.padEnd(10)} ${variants.padEnd(24)} ${c.title} (${c.rfc})`,
            );
          }
          console.log(`\n${CASES.length} cases`);
          return;
        }
        const impls = list(o.impl).map((i) => {
          const r = SpeakerImpl.safeParse(i);
          if (!r.success)
            throw new InputError(`--impl: '${i}' is not one of ${SpeakerImpl.options.join(', ')}`);
          return r.data;
        });
        const versions = list(o.version).map(Number);
        const families = list(o.family).map(Number);
        for (const v of versions)
          if (v !== 2 && v !== 3) throw new InputError(`--version: '${v}' is not 2 or 3`);
        for (const f of families)
          if (f !== 4 && f !== 6) throw new InputError(`--family: '${f}' is not 4 or 6`);
        const variants = VARIANT_IDS.filter(
          (id) => versions.includes(VARIANTS[id].version) && families.includes(VARIANTS[id].family),
        );
        if (variants.length === 0)
          throw new InputError('no variant matches --version and --family (VRRPv2 is IPv4 only)');
        if (o.only) {
          try {
            new RegExp(o.only);
          } catch (err) {
            throw new InputError(`--only '${o.only}': ${(err as Error).message}`);
          }
        }
        const concurrency = Number(o.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1)
          throw new InputError(`--concurrency '${o.concurrency}': a whole number ≥ 1`);
        requireLabPrivileges();
        const { runMatrix, matrixFailed } = await import('../src/conformance/run.js');
        const started = performance.now();
        const report = await runMatrix({
          impls,
          variants,
          out: o.out,
          concurrency,
          ...(o.only ? { only: o.only } : {}),
          progress: (m) => console.error(`[${((performance.now() - started) / 1000).toFixed(0)}s] ${m}`),
        });
        if (report.results.length === 0) throw new InputError(`--only '${o.only}' matches no case`);
        for (const i of report.implementations) {
          const s = report.summary[i.id];
          console.log(
            `${i.id.padEnd(11)} ${s?.PASS ?? 0} PASS, ${s?.DEVIATION ?? 0} DEVIATION, ${s?.FAIL ?? 0} FAIL, ${s?.INCONCLUSIVE ?? 0} INCONCLUSIVE, ${s?.ERROR ?? 0} ERROR; RFC MUST failures: ${s?.mustFailures ?? 0}${s?.reruns ? `; ${s.reruns} decided by a re-run` : ''}`,
          );
        }
        console.log(
          `${report.results.length} results in ${(report.wallTimeMs / 1000).toFixed(0)} s. Report: ${o.out}/conformance.html (and .json, .md, junit.xml)`,
        );
        if (matrixFailed(report)) process.exitCode = 1;
      },
    );
}
