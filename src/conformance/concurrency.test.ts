import { describe, expect, it } from 'vitest';
import { defaultConcurrency } from './concurrency.js';

describe('defaultConcurrency', () => {
  it('one and a half labs per core, at least one', () => {
    expect(defaultConcurrency(1)).toBe(1);
    expect(defaultConcurrency(2)).toBe(3);
    expect(defaultConcurrency(4)).toBe(6);
    expect(defaultConcurrency(0)).toBe(1);
  });
});
