import { daemonKill, daemonRestart, daemonStart, daemonStop } from './daemon.js';
import type { FaultKind } from './fault.js';
import { hostCrash, hostFreeze, hostRecover, hostThaw } from './host.js';
import { cableCut, cableRestore, linkDown, linkFlap, linkUp } from './link.js';
import { netem } from './netem.js';
import { vrrpDrop } from './vrrp-drop.js';

export const FAULTS: readonly FaultKind[] = [
  linkDown,
  linkUp,
  linkFlap,
  cableCut,
  cableRestore,
  netem,
  vrrpDrop,
  hostCrash,
  hostFreeze,
  hostThaw,
  hostRecover,
  daemonKill,
  daemonStop,
  daemonStart,
  daemonRestart,
];

export function faultKind(name: string): FaultKind | undefined {
  return FAULTS.find((f) => f.name === name);
}
