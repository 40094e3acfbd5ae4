import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('programPath', () => {
  it('is never called at import time, so unit tests run from a clean clone without a build', () => {
    const atImport = sources(SRC).filter((f) =>
      /^(export )?const \w+ = programPath\(/m.test(readFileSync(f, 'utf8')),
    );
    expect(atImport).toEqual([]);
  });
});
