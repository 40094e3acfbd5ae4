import type { Command } from 'commander';
import { InputError } from '../src/errors.js';
import { PRIVILEGE_HINT } from '../src/util/privileges.js';
import { table } from './output.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check privileges, netns support and every tool a lab needs (with versions)')
    .option('--install', 'apt-get install whatever is missing')
    .option('--json', 'machine-readable output')
    .action(async (o: { install?: boolean; json?: boolean }) => {
      const { doctor, installMissing } = await import('../src/doctor.js');
      let report = await doctor();
      if (o.install && report.tools.some((t) => !t.ok)) {
        if (!report.privileges.ok) throw new InputError(`--install needs root: ${PRIVILEGE_HINT}`);
        await installMissing(report.tools, (m) => console.error(m));
        report = await doctor();
      }
      if (o.json) {
        console.log(JSON.stringify(report, null, 2));
      } else {
        console.log(
          table(
            ['check', 'ok', 'detail'],
            [
              [
                'privileges',
                report.privileges.ok ? 'yes' : 'NO',
                report.privileges.ok ? 'CAP_NET_ADMIN, CAP_SYS_ADMIN' : PRIVILEGE_HINT,
              ],
              ['netns', report.netns.ok ? 'yes' : 'NO', report.netns.detail],
              ['node', 'yes', report.node],
              ...report.tools.map((t) => [
                t.name,
                t.ok ? 'yes' : 'NO',
                t.ok ? t.version : `missing: apt-get install ${t.package} (${t.why})`,
              ]),
            ],
          ),
        );
      }
      if (!report.ok) process.exitCode = 1;
    });
}
