import { InputError } from '../errors.js';
import { ipBatch } from '../netns/ip.js';
import { type FaultKind, ifaceOf } from './fault.js';

/** ip link set down/up inside the node: the node's own interface, as if its driver or cable failed. */
export const linkDown: FaultKind = {
  name: 'link-down',
  summary: "take a node's interface down (ip link set down in the node)",
  target: 'iface',
  async run(state, target) {
    const { node, iface } = ifaceOf(state, target);
    await ipBatch([`link set ${iface.name} down`], node.ns);
    return `${node.ns}: ${iface.name} down`;
  },
};

export const linkUp: FaultKind = {
  name: 'link-up',
  summary: "bring a node's interface back up",
  target: 'iface',
  async run(state, target) {
    const { node, iface } = ifaceOf(state, target);
    await ipBatch([`link set ${iface.name} up`], node.ns);
    return `${node.ns}: ${iface.name} up`;
  },
};

/** The switch side of the cable: the node's interface stays up but loses carrier. */
export const cableCut: FaultKind = {
  name: 'cable-cut',
  summary: "cut the cable at the switch: the node's bridge port goes down, the node sees no carrier",
  target: 'iface',
  check(state, target) {
    if (!ifaceOf(state, target).iface.port)
      throw new InputError(`${target} is a point-to-point link: use link-down`);
  },
  async run(state, target) {
    const { iface } = ifaceOf(state, target);
    await ipBatch([`link set ${iface.port ?? ''} down`], state.switchNs);
    return `${state.switchNs}: port ${iface.port} down`;
  },
};

export const cableRestore: FaultKind = {
  name: 'cable-restore',
  summary: 'reconnect a cable cut at the switch',
  target: 'iface',
  check(state, target) {
    if (!ifaceOf(state, target).iface.port)
      throw new InputError(`${target} is a point-to-point link: use link-up`);
  },
  async run(state, target) {
    const { iface } = ifaceOf(state, target);
    await ipBatch([`link set ${iface.port ?? ''} up`], state.switchNs);
    return `${state.switchNs}: port ${iface.port} up`;
  },
};

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
      await ipBatch([`link set ${iface.name} down`], node.ns);
      await new Promise((r) => setTimeout(r, half));
      await ipBatch([`link set ${iface.name} up`], node.ns);
      if (i < count - 1) await new Promise((r) => setTimeout(r, half));
    }
    return `${node.ns}: ${iface.name} flapped ${count} times, period ${half * 2} ms`;
  },
};
