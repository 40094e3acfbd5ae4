import { InputError } from '../errors.js';
import { type FaultOptions, type FaultRecord, injectFault, labState } from './fault.js';
import { faultKind } from './kinds.js';

export interface FaultStep {
  /** Milliseconds after the sequence starts. */
  at: number;
  kind: string;
  target: string;
  options?: FaultOptions;
}

/** The typed API: one fault now. */
export async function fault(
  lab: string,
  kind: string,
  target: string,
  options: FaultOptions = {},
): Promise<FaultRecord> {
  const k = faultKind(kind);
  if (!k) throw new InputError(`unknown fault kind '${kind}'`);
  return injectFault(k, await labState(lab), target, options);
}

/**
 * A timed sequence, e.g. crash at 0 and recover at 20 000 ms. The schedule is the event loop's; what
 * counts is each fault's marker in the captures, which records when it really happened.
 */
export async function faultSequence(lab: string, steps: FaultStep[]): Promise<FaultRecord[]> {
  for (const s of steps) if (!faultKind(s.kind)) throw new InputError(`unknown fault kind '${s.kind}'`);
  const start = performance.now();
  const out: FaultRecord[] = [];
  for (const s of [...steps].sort((a, b) => a.at - b.at)) {
    const wait = start + s.at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    out.push(await fault(lab, s.kind, s.target, s.options));
  }
  return out;
}
