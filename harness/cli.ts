#!/usr/bin/env node
/**
 * `harness`: one file per verb, this one only wires them up and turns errors into exit codes
 * (0 ok, 1 runtime failure, 2 bad input). Verbs import their library code when they run, so `down`
 * does not pay for loading zod and yaml (~120 ms of a ~300 ms start-up).
 */
import { Command, CommanderError } from 'commander';
import { InputError, RuntimeFailure } from '../src/errors.js';
import { registerConformance } from './conformance.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerDown } from './down.js';
import { registerExec } from './exec.js';
import { registerFault } from './fault.js';
import { registerGc } from './gc.js';
import { registerInspect } from './inspect.js';
import { registerLint } from './lint.js';
import { registerSchema } from './schema.js';
import { registerUp } from './up.js';

const program = new Command('harness')
  .description('VRRP labs on real Linux network namespaces')
  .showHelpAfterError()
  .enablePositionalOptions()
  .exitOverride();

for (const register of [
  registerUp,
  registerDown,
  registerGc,
  registerInspect,
  registerExec,
  registerFault,
  registerDemo,
  registerConformance,
  registerLint,
  registerDoctor,
  registerSchema,
]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Usage errors are bad input; --help and --version are not errors at all.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof InputError) {
    console.error(`harness: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof RuntimeFailure) {
    console.error(`harness: ${err.message}`);
    if (err.detail) console.error(err.detail);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
}
