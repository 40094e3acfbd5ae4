import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { programPath } from '../util/program.js';
import { daemonSpec, type Launch, type ServiceContext } from './service.js';

/** The compiled agent, beside this file (src/ → dist/src/ after the build). */
// Resolved when first run, not at import: unit tests import this module without a build.
const agentProgram = () => programPath(import.meta.url, './tester-agent.js');

export function testerSocket(dir: string): string {
  return join(dir, 'tester.sock');
}

/** The tester agent in its node, with a packet socket on each of the node's interfaces. */
export function launchTester(ctx: ServiceContext): Launch {
  const argv = [
    process.execPath,
    agentProgram(),
    '--socket',
    testerSocket(ctx.dir),
    ...ctx.node.interfaces.flatMap((i) => ['--iface', i.name]),
  ];
  return {
    spec: daemonSpec(ctx, 'tester', argv, join(ctx.dir, 'tester.log')),
    ready: /^tester listening on /,
    readyTimeoutMs: 10_000,
  };
}

/**
 * The harness's end of a tester agent (src/services/tester-agent.ts): requests on one connection,
 * each answer matched to its request by id.
 */
export class TesterClient {
  private buffered = '';
  private next = 0;
  /** answers may come out of order (a `wait` answers late): matched by request id */
  private readonly waiting = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();

  private constructor(private readonly conn: Socket) {
    conn.on('data', (d) => {
      this.buffered += d.toString();
      for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        const r = JSON.parse(line) as Record<string, unknown>;
        const w = this.waiting.get(Number(r.rid));
        if (!w) continue;
        this.waiting.delete(Number(r.rid));
        if (r.ok) w.resolve(r);
        else w.reject(new Error(`tester: ${String(r.error)}`));
      }
    });
    conn.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
  }

  static connect(socketPath: string): Promise<TesterClient> {
    return new Promise((resolve, reject) => {
      const conn = createConnection(socketPath);
      conn.once('connect', () => resolve(new TesterClient(conn)));
      conn.once('error', (err) =>
        reject(new Error(`tester agent unreachable at ${socketPath}: ${err.message}`)),
      );
    });
  }

  private request(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const rid = ++this.next;
      this.waiting.set(rid, { resolve, reject });
      this.conn.write(`${JSON.stringify({ ...req, rid })}\n`);
    });
  }

  /** Sends these frames now (out of `iface`, default the node's first interface). */
  async send(frames: Buffer[], iface?: string): Promise<void> {
    await this.request({ op: 'send', frames: frames.map((f) => f.toString('hex')), iface });
  }

  /** Sends these frames now and then every `everyMs`, on the agent's timerfd clock. */
  async start(id: string, frames: Buffer[], everyMs: number, iface?: string): Promise<void> {
    await this.request({ op: 'start', id, frames: frames.map((f) => f.toString('hex')), everyMs, iface });
  }

  /** From the next round on, job `id` sends these frames instead (same period, same phase). */
  async swap(id: string, frames: Buffer[]): Promise<void> {
    await this.request({ op: 'swap', id, frames: frames.map((f) => f.toString('hex')) });
  }

  /** Resolves once job `id` has sent `rounds` rounds in all. */
  async waitSent(id: string, rounds: number): Promise<void> {
    await this.request({ op: 'wait', id, sent: rounds });
  }

  /** Stops job `id`; resolves with the rounds it sent. */
  async stop(id: string): Promise<number> {
    return Number((await this.request({ op: 'stop', id })).sent);
  }

  close(): void {
    this.conn.end();
  }
}
