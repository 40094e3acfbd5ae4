import type { Command } from 'commander';
import { topologyJsonSchema } from '../src/topology/schema.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description("print the topology file's JSON Schema (for editors)")
    .action(() => {
      console.log(JSON.stringify(topologyJsonSchema(), null, 2));
    });
}
