import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { InputError } from '../src/errors.js';
import { findLab, readState } from '../src/lab/state.js';
import { requireLabPrivileges } from './require-root.js';

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description("run a command in a node's namespace (stdin, stdout and exit code passed through)")
    .argument('<lab>', 'lab name')
    .argument('<node>', 'node name')
    .argument('<cmd...>', 'command and arguments (after --)')
    .passThroughOptions()
    .action(async (lab: string, node: string, argv: string[]) => {
      requireLabPrivileges();
      const cmd = argv[0] === '--' ? argv.slice(1) : argv;
      if (cmd.length === 0) throw new InputError('exec needs a command after --');
      const entry = await findLab(lab);
      const state = entry && (await readState(entry.runDir));
      if (!state) throw new InputError(`no lab named '${lab}'`);
      const n = state.nodes.find((x) => x.name === node);
      if (!n)
        throw new InputError(
          `lab '${lab}' has no node '${node}' (nodes: ${state.nodes.map((x) => x.name).join(', ')})`,
        );
      const child = spawn('ip', ['netns', 'exec', n.ns, ...cmd], { stdio: 'inherit' });
      const code = await new Promise<number>((resolve) => {
        child.on('error', () => resolve(127));
        child.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? 15 : 0)));
      });
      process.exit(code);
    });
}
