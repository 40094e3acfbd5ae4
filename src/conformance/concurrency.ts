import { availableParallelism } from 'node:os';

/**
 * Labs at a time: 1.5 per core, at least 1. Measured on the 2-core machine (bench/conformance-concurrency.mjs):
 * 3 labs left tsvrrpd's median |error| against the RFC instants at 1.5 ms (1.7 ms with one lab) and
 * keepalived's at 3.5 ms (max 22 ms, inside the +50 ms tolerance) while the timed subset ran in 18 s
 * instead of 47 s; a lab is mostly waiting (adverts once a second, a tester agent, tcpdump), so a core
 * carries one and a half of them. More cores, more labs; one core, one lab.
 */
export function defaultConcurrency(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(1.5 * cores));
}

export const DEFAULT_CONCURRENCY = defaultConcurrency();
