import type { DaemonSpec } from '../lab/daemon.js';
import type { NodePlan } from '../topology/plan.js';

/** What a service (or a VRRP speaker) needs to lay out its runtime directory and start. */
export interface ServiceContext {
  lab: string;
  runId: string;
  runDir: string;
  node: NodePlan;
  /** This service's own runtime directory, already created. */
  dir: string;
  /** The run's tag, for every helper process the service starts (see runEnv). */
  env: Record<string, string>;
}

/** A daemon to start and the log line that says it is ready to serve. */
export interface Launch {
  spec: DaemonSpec;
  ready: RegExp;
  readyTimeoutMs: number;
}

export function daemonSpec(ctx: ServiceContext, service: string, argv: string[], log: string): DaemonSpec {
  return { node: ctx.node.name, ns: ctx.node.ns, service, argv, log, lab: ctx.lab, runId: ctx.runId };
}
