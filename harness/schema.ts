import type { Command } from 'commander';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description("print the topology file's JSON Schema (for editors)")
    .action(async () => {
      const { topologyJsonSchema } = await import('../src/topology/schema.js');
      console.log(JSON.stringify(topologyJsonSchema(), null, 2));
    });
}
