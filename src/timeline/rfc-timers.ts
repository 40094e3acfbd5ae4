/**
 * The VRRP timer formulas as the judges read them from the RFC text. Written for the judges and kept
 * apart from tsvrrpd's own timer code (src/vrrp/timers.ts): a wrong formula in the implementation must
 * not move its judge with it. Each function works in the unit its RFC states and converts at the end.
 *
 * RFC 3768 §6.1 (v2), Advertisement_Interval in seconds:
 *   Skew_Time            = ((256 - Priority) / 256)                seconds
 *   Master_Down_Interval = (3 * Advertisement_Interval) + Skew_time seconds
 * RFC 5798 §6.1 and RFC 9568 §6.1 (v3), Master_Adver_Interval in centiseconds (the interval the backup
 * learned from the master's adverts):
 *   Skew_Time            = (((256 - priority) * Master_Adver_Interval) / 256) centiseconds
 *   Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_time         centiseconds
 */

export type VrrpVersion = 2 | 3;

function checkPriority(priority: number): void {
  if (!Number.isInteger(priority) || priority < 1 || priority > 255) {
    throw new RangeError(`a backup's priority is 1..255 (RFC 3768/5798 §5.2.4), got ${priority}`);
  }
}

/** v2 Skew_Time in seconds: it does not depend on the interval. */
export function v2SkewSeconds(priority: number): number {
  checkPriority(priority);
  return (256 - priority) / 256;
}

/** v2 Master_Down_Interval in seconds, for an Advertisement_Interval in seconds. */
export function v2MasterDownSeconds(priority: number, advertisementIntervalS: number): number {
  return 3 * advertisementIntervalS + v2SkewSeconds(priority);
}

/** v3 Skew_Time in centiseconds, for a Master_Adver_Interval in centiseconds. */
export function v3SkewCentiseconds(priority: number, masterAdverIntervalCs: number): number {
  checkPriority(priority);
  return ((256 - priority) * masterAdverIntervalCs) / 256;
}

/** v3 Master_Down_Interval in centiseconds. */
export function v3MasterDownCentiseconds(priority: number, masterAdverIntervalCs: number): number {
  return 3 * masterAdverIntervalCs + v3SkewCentiseconds(priority, masterAdverIntervalCs);
}

/** Skew_Time in ms for an interval given in ms (the judges' common unit). */
export function skewMs(version: VrrpVersion, priority: number, intervalMs: number): number {
  return version === 2 ? v2SkewSeconds(priority) * 1000 : v3SkewCentiseconds(priority, intervalMs / 10) * 10;
}

/** Master_Down_Interval in ms for an interval given in ms. */
export function masterDownMs(version: VrrpVersion, priority: number, intervalMs: number): number {
  return version === 2
    ? v2MasterDownSeconds(priority, intervalMs / 1000) * 1000
    : v3MasterDownCentiseconds(priority, intervalMs / 10) * 10;
}
