import { InputError } from '../errors.js';
import { ipBatch } from '../netns/ip.js';
import { type FaultKind, ifaceOf } from './fault.js';

/**
 * A link's state, set at one end: inside the node (its own interface, as if its driver failed) or at the
 * switch (the node's bridge port: the node's interface stays up but loses carrier, a cut cable).
 */
function linkState(name: string, summary: string, end: 'node' | 'switch', state: 'up' | 'down'): FaultKind {
  return {
    name,
    summary,
    target: 'iface',
    check(lab, target) {
      if (end === 'switch' && !ifaceOf(lab, target).iface.port) {
        throw new InputError(`${target} is a point-to-point link: use link-${state}`);
      }
    },
    async run(lab, target) {
      const { node, iface } = ifaceOf(lab, target);
      const [ns, dev] = end === 'node' ? [node.ns, iface.name] : [lab.switchNs, iface.port ?? ''];
      await ipBatch([`link set dev ${dev} ${state}`], ns);
      return `${ns}: ${dev} ${state}`;
    },
  };
}

export const linkDown = linkState(
  'link-down',
  "take a node's interface down (ip link set down in the node)",
  'node',
  'down',
);
export const linkUp = linkState('link-up', "bring a node's interface back up", 'node', 'up');
export const cableCut = linkState(
  'cable-cut',
  "cut the cable at the switch: the node's bridge port goes down, the node sees no carrier",
  'switch',
  'down',
);
export const cableRestore = linkState('cable-restore', 'reconnect a cable cut at the switch', 'switch', 'up');

/**
 * Down and up again, `count` times, `periodMs` per cycle (half down, half up). Timed by the event loop:
 * the real instants are in the capture (each step's effect), not in this schedule.
 */
export const linkFlap: FaultKind = {
  name: 'link-flap',
  summary: 'take an interface down and up COUNT times, one cycle per PERIOD ms',
  target: 'iface',
  async run(state, target, opts) {
    const { node, iface } = ifaceOf(state, target);
    const count = opts.count ?? 3;
    const half = (opts.periodMs ?? 1000) / 2;
    for (let i = 0; i < count; i++) {
      await ipBatch([`link set dev ${iface.name} down`], node.ns);
      await new Promise((r) => setTimeout(r, half));
      await ipBatch([`link set dev ${iface.name} up`], node.ns);
      if (i < count - 1) await new Promise((r) => setTimeout(r, half));
    }
    return `${node.ns}: ${iface.name} flapped ${count} times, period ${half * 2} ms`;
  },
};
