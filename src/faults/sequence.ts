import { InputError } from '../errors.js';
import { type FaultOptions, type FaultRecord, injectFault, labState } from './fault.js';
import { faultKind } from './kinds.js';

export interface FaultStep {
  /** Milliseconds after the sequence starts, or after the last step with `until` got what it waited for. */
  at: number;
  kind: string;
  target: string;
  options?: FaultOptions;
  /**
   * After this fault, wait until these nodes hold these VIPs (woken by netlink, with the scenario's
   * deadline) before the next step: a sequence of faults that each wait for their outcome.
   */
  until?: { address: string; node: string }[];
}

/** Waits for a step's `until` (the scenario runner gives it: the VIP watch lives above the faults). */
export type StepWait = (until: { address: string; node: string }[]) => Promise<void>;

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
export async function faultSequence(
  lab: string,
  steps: FaultStep[],
  until?: StepWait,
): Promise<FaultRecord[]> {
  for (const s of steps) if (!faultKind(s.kind)) throw new InputError(`unknown fault kind '${s.kind}'`);
  if (steps.some((s) => s.until) && !until)
    throw new InputError('a step waits (until) but nothing can wait for it');
  let start = performance.now();
  const out: FaultRecord[] = [];
  // Steps that wait keep their order; a step's `at` counts from the end of the last wait.
  const ordered = steps.some((s) => s.until) ? steps : [...steps].sort((a, b) => a.at - b.at);
  for (const s of ordered) {
    const wait = start + s.at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    out.push(await fault(lab, s.kind, s.target, s.options));
    if (s.until && until) {
      await until(s.until);
      start = performance.now();
    }
  }
  return out;
}
