import { masterDownMs, releaseFailover, silentFailover, TOLERANCE, type Window, within } from './expect.js';
import type { Handover } from './timeline.js';

/** Which interval of a handover the expectation applies to. */
export type Measured = 'silenceMs' | 'failoverMs';

export interface Judgement {
  measured: Measured;
  ms: number | undefined;
  expected: Window | undefined;
  verdict: 'pass' | 'fail' | 'measured';
}

/** Faults after which the returning node takes the VIP back by preempting (its timer runs from its start). */
const RETURNS = new Set(['host-recover', 'link-up', 'cable-restore', 'daemon-start', 'daemon-restart']);
/** Faults that silence the master without a priority-0 advert. */
const SILENCES = new Set([
  'host-crash',
  'host-freeze',
  'daemon-kill',
  'link-down',
  'cable-cut',
  'vrrp-drop',
  'netem',
]);

/**
 * The RFC expectation for one handover, chosen by what the packets show and what the fault was:
 *   the old master sent priority 0      → the backup takes over at Skew_Time (RFC 5798 §6.4.2);
 *   the master fell silent              → Master_Down_Interval after its last advert (§6.4.2);
 *   a node came back and preempted      → its own Master_Down_Interval after it started (+1 s to boot);
 *   a frozen node thawed                → its overdue advert goes out at once (within one interval).
 */
export function judge(h: Handover, faultKind: string): Judgement {
  let measured: Measured = 'silenceMs';
  let expected: Window | undefined;
  if (h.oldReleased) {
    expected = releaseFailover(h.version, h.newPriority, h.intervalMs);
  } else if (RETURNS.has(faultKind)) {
    measured = 'failoverMs';
    const mdi = masterDownMs(h.version, h.newPriority, h.intervalMs);
    expected = {
      min: mdi - TOLERANCE.earlyMs,
      max: mdi + 1000,
      why: `preemption: Master_Down_Interval(${h.newPriority}) = ${mdi.toFixed(1)} ms after the node is back; +1000 ms for it to come up`,
    };
  } else if (faultKind === 'host-thaw') {
    measured = 'failoverMs';
    expected = {
      min: 0,
      max: h.intervalMs,
      why: 'a thawed master sends its overdue advert at once: within one interval',
    };
  } else if (SILENCES.has(faultKind)) {
    expected = silentFailover(h.version, h.newPriority, h.intervalMs).fromLastAdvert;
  }
  const ms = h[measured];
  const verdict = !expected ? 'measured' : ms !== undefined && within(ms, expected) ? 'pass' : 'fail';
  return { measured, ms, expected, verdict };
}
