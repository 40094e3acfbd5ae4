import { join } from 'node:path';
import { daemonSpec, type Launch, type ServiceContext } from '../services/service.js';

/**
 * keepalived in the node's namespace: foreground (-n), logging to the console (-l, -D detailed) which
 * the harness captures, with pid files of its own so several instances can run on one host.
 */
export function launchKeepalived(ctx: ServiceContext, configPath: string): Launch {
  const pidFiles = ['keepalived.pid', 'vrrp.pid', 'checkers.pid'].map((f) => join(ctx.dir, f));
  const argv = [
    'keepalived',
    '-n',
    '-l',
    '-D',
    '-f',
    configPath,
    '-p',
    pidFiles[0] as string,
    '-r',
    pidFiles[1] as string,
    '-c',
    pidFiles[2] as string,
  ];
  return {
    // A SIGKILLed keepalived leaves its pid files; its VRRP child can linger as a zombie, and keepalived
    // then refuses to start ("daemon is already running"). The harness knows they are dead: remove them.
    spec: {
      ...daemonSpec(ctx, 'keepalived', argv, join(ctx.dir, 'keepalived.log')),
      role: 'speaker',
      staleFiles: pidFiles,
    },
    ready: /Startup complete|Entering (BACKUP|MASTER) STATE/,
    readyTimeoutMs: 10_000,
  };
}
