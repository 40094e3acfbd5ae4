import { expect } from 'vitest';
import type { Window } from '../../src/timeline/expect.js';

/** expect(ms).toBeWithin(window): the message always shows measured vs expected and where it came from. */
expect.extend({
  toBeWithin(received: number | undefined, w: Window) {
    const pass = received !== undefined && received >= w.min && received <= w.max;
    const shown = received === undefined ? 'nothing measured' : `${received.toFixed(1)} ms`;
    return {
      pass,
      message: () =>
        `measured ${shown}, expected ${pass ? 'outside ' : ''}[${w.min.toFixed(1)}, ${w.max.toFixed(1)}] ms: ${w.why}`,
    };
  },
});

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must match vitest's own declaration
  interface Matchers<T = any> {
    toBeWithin(w: Window): T;
  }
}
