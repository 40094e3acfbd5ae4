/**
 * VRRP timer formulas in milliseconds, pure, for tsvrrpd's state machine. They are tsvrrpd's own; the judges
 * have theirs (src/timeline/rfc-timers.ts), so a wrong formula here is caught, not copied into the verdict.
 *   v2 (RFC 3768 §6.1): Skew_Time = (256 − Priority) / 256 s.
 *   v3 (RFC 5798 / RFC 9568 §6.1): Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256.
 *   Both: Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time.
 * Values are multiples of 1/256 ms for whole-millisecond intervals, so exact in floating point.
 */
export function skewMs(version: 2 | 3, priority: number, masterAdverIntervalMs: number): number {
  return version === 2 ? ((256 - priority) * 1000) / 256 : ((256 - priority) * masterAdverIntervalMs) / 256;
}

export function masterDownMs(version: 2 | 3, priority: number, masterAdverIntervalMs: number): number {
  return 3 * masterAdverIntervalMs + skewMs(version, priority, masterAdverIntervalMs);
}
