import { createConnection } from 'node:net';
import { join } from 'node:path';
import { daemonSpec, type Launch, type ServiceContext } from '../services/service.js';
import { programPath } from '../util/program.js';

// Resolved when first run, not at import: unit tests import this module without a build.
const injectorProgram = () => programPath(import.meta.url, './injector.js');

export function injectorSocket(runDir: string): string {
  return join(runDir, 'injector.sock');
}

export function launchInjector(ctx: ServiceContext, bridges: string[]): Launch {
  const argv = [
    process.execPath,
    injectorProgram(),
    '--socket',
    injectorSocket(ctx.runDir),
    ...bridges.flatMap((b) => ['--bridge', b]),
  ];
  return {
    spec: daemonSpec(ctx, 'injector', argv, join(ctx.dir, 'injector.log')),
    ready: /^injector listening on /,
    readyTimeoutMs: 10_000,
  };
}

/** Sends one Ethernet frame into every segment of the lab; resolves once it is on every bridge. */
export function injectFrame(runDir: string, frame: Buffer, timeoutMs = 2000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const conn = createConnection(injectorSocket(runDir));
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`frame injector did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let buffered = '';
    conn.on('connect', () => conn.write(`${JSON.stringify({ frame: frame.toString('hex') })}\n`));
    conn.on('data', (d) => {
      buffered += d.toString();
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      const answer = JSON.parse(buffered.slice(0, nl)) as { ok: boolean; bridges?: string[]; error?: string };
      if (answer.ok) resolve(answer.bridges ?? []);
      else reject(new Error(`frame injector: ${answer.error}`));
    });
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`frame injector unreachable (${err.message}): is the lab up?`));
    });
  });
}
