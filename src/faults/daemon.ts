import { killUntilGone, signalAndWait } from '../lab/daemon.js';
import { isAlive, processTree } from '../lab/proc.js';
import { daemonOf, type FaultKind } from './fault.js';
import { restartDaemons } from './host.js';

/** A daemon crash: SIGKILL to it and to every process it forked (keepalived's VRRP child included). */
export const daemonKill: FaultKind = {
  name: 'daemon-kill',
  summary: 'kill -9 a daemon and its children (TARGET: node = its VRRP speaker, or node/service)',
  target: 'daemon',
  async run(state, target) {
    const p = daemonOf(state, target);
    const killed = await killUntilGone(() => processTree(p.pid));
    return `${p.node}/${p.service}: SIGKILL to ${killed} processes`;
  },
};

/** A clean stop: SIGTERM (keepalived then sends priority 0 and removes its VIPs), waited for. */
export const daemonStop: FaultKind = {
  name: 'daemon-stop',
  summary: 'stop a daemon gracefully with SIGTERM (keepalived sends priority 0) and wait for it to exit',
  target: 'daemon',
  async run(state, target) {
    const p = daemonOf(state, target);
    if (!(await isAlive(p.pid, p.startTime))) return `${p.node}/${p.service}: was not running`;
    const started = performance.now();
    // Ten seconds to leave cleanly, then it and its children are killed.
    if ((await signalAndWait([p], 'SIGTERM', 10_000)).length > 0)
      await killUntilGone(() => processTree(p.pid));
    return `${p.node}/${p.service}: stopped in ${(performance.now() - started).toFixed(0)} ms`;
  },
};

export const daemonStart: FaultKind = {
  name: 'daemon-start',
  summary: 'start a stopped or killed daemon again, as at up',
  target: 'daemon',
  async run(state, target) {
    const p = daemonOf(state, target);
    const done = await restartDaemons(state, (x) => x === p);
    return `${p.node}/${p.service}: ${done.length ? 'started' : 'was already running'}`;
  },
};

export const daemonRestart: FaultKind = {
  name: 'daemon-restart',
  summary: 'stop a daemon gracefully, then start it again',
  target: 'daemon',
  async run(state, target, opts) {
    const stopped = await daemonStop.run(state, target, opts);
    const started = await daemonStart.run(state, target, opts);
    return `${stopped}; ${started}`;
  },
};
