import type { Command } from 'commander';
import { InputError } from '../src/errors.js';

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description(
      "review keepalived.conf files: what keepalived rejects, clears or ignores, and peers' mismatches",
    )
    .argument('<files...>', 'keepalived.conf files; several are compared as peers (same instance names)')
    .option('--json', 'findings as a JSON array on stdout')
    .action(async (files: string[], o: { json?: boolean }) => {
      const { ConfigReadError, formatFinding, lintFiles } = await import('../src/keepalived/lint.js');
      const { ConfigSyntaxError } = await import('../src/keepalived/config/parse.js');
      let findings: Awaited<ReturnType<typeof lintFiles>>;
      try {
        findings = await lintFiles(files);
      } catch (err) {
        // Exit 2: the file is unreadable or keepalived could not parse it (at file:line:col).
        if (err instanceof ConfigSyntaxError) throw new InputError(err.reason, err);
        if (err instanceof ConfigReadError) throw new InputError(err.message);
        const e = err as NodeJS.ErrnoException; // an included file that cannot be read
        if (typeof e.code === 'string' && typeof e.path === 'string') {
          throw new InputError(`cannot read ${e.path}: ${e.code}`);
        }
        throw err;
      }
      if (o.json) console.log(JSON.stringify(findings, null, 2));
      else for (const f of findings) console.log(formatFinding(f));
      if (findings.some((f) => f.severity === 'error')) process.exitCode = 1;
    });
}
