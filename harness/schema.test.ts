import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topologyJsonSchema } from '../src/topology/schema.js';

describe('topologies/topology.schema.json', () => {
  it('is the JSON Schema of the zod schema (regenerate with npm run schema)', () => {
    const committed = JSON.parse(readFileSync('topologies/topology.schema.json', 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(topologyJsonSchema())));
  });
});
