import type { Case } from '../case.js';
import { PREEMPT_CASES } from './preempt.js';
import { RECEIVE_CASES } from './receive.js';
import { STATE_CASES } from './state.js';
import { ANNOUNCE_ALONE_CASES, TRANSMIT_CASES } from './transmit.js';
import { UNICAST_CASES } from './unicast.js';

/** Every conformance case, in report order. */
export const CASES: Case[] = [
  ...RECEIVE_CASES,
  ...TRANSMIT_CASES,
  ...STATE_CASES,
  ...PREEMPT_CASES,
  ...ANNOUNCE_ALONE_CASES,
  ...UNICAST_CASES,
];
