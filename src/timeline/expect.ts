import { masterDownMs, skewMs } from './rfc-timers.js';

/** The judges' own RFC timer formulas (./rfc-timers.ts), never tsvrrpd's: a judge shares no code with what it judges. */
export { masterDownMs, skewMs };

export interface Window {
  min: number;
  max: number;
  /** How the window was derived, for reports and assertion messages. */
  why: string;
}

/**
 * Tolerance for timings read from capture timestamps on veth: the kernel stamps both packets, so what is
 * left is the daemon's own scheduling and veth/bridge latency (tens of µs). Measured on the 2-core machine
 * (bench/tsvrrpd.mjs, 30 crashes per daemon): tsvrrpd +0.3 to +2.2 ms; keepalived usually +1 to +5 ms,
 * but up to +37 ms while other labs load the machine (and +26 ms once in the full suite). 50 ms late
 * covers that; it is still half the shortest interval the suites use (0.1 s), so a timer that ran from
 * the wrong advert (one interval off) cannot pass. 5 ms early covers timer rounding. Both are stated in
 * every verdict.
 */
export const TOLERANCE = { earlyMs: 5, lateMs: 50 };

/**
 * A master that dies silently: the backup's master-down timer restarted at the last advert it heard, so
 * measured from that advert the takeover is due at Master_Down_Interval; measured from the fault it is
 * due between MDI − interval (the fault just before an advert was due) and MDI (just after one left).
 */
export function silentFailover(version: 2 | 3, backupPriority: number, intervalMs: number) {
  const mdi = masterDownMs(version, backupPriority, intervalMs);
  return {
    fromLastAdvert: {
      min: mdi - TOLERANCE.earlyMs,
      max: mdi + TOLERANCE.lateMs,
      why: `Master_Down_Interval = 3 × ${intervalMs} + skew(${backupPriority}) = ${mdi.toFixed(1)} ms, −${TOLERANCE.earlyMs}/+${TOLERANCE.lateMs} ms`,
    } satisfies Window,
    fromFault: {
      min: mdi - intervalMs - TOLERANCE.earlyMs,
      max: mdi + TOLERANCE.lateMs,
      why: `[MDI − interval, MDI] = [${(mdi - intervalMs).toFixed(1)}, ${mdi.toFixed(1)}] ms, −${TOLERANCE.earlyMs}/+${TOLERANCE.lateMs} ms`,
    } satisfies Window,
  };
}

/** A master that leaves with priority 0: the backup takes over after Skew_Time (RFC 5798 §6.4.2). */
export function releaseFailover(version: 2 | 3, backupPriority: number, intervalMs: number): Window {
  const skew = skewMs(version, backupPriority, intervalMs);
  return {
    min: skew - TOLERANCE.earlyMs,
    max: skew + TOLERANCE.lateMs,
    why: `priority 0 → Skew_Time(${backupPriority}) = ${skew.toFixed(1)} ms, −${TOLERANCE.earlyMs}/+${TOLERANCE.lateMs} ms`,
  };
}

export function within(ms: number, w: Window): boolean {
  return ms >= w.min && ms <= w.max;
}
