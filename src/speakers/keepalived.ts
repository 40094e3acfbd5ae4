import { join } from 'node:path';
import { daemonSpec, type Launch, type ServiceContext } from '../services/service.js';

/**
 * keepalived in the node's namespace: foreground (-n), logging to the console (-l, -D detailed) which
 * the harness captures, with pid files of its own so several instances can run on one host.
 */
export function launchKeepalived(ctx: ServiceContext, configPath: string): Launch {
  const argv = [
    'keepalived',
    '-n',
    '-l',
    '-D',
    '-f',
    configPath,
    '-p',
    join(ctx.dir, 'keepalived.pid'),
    '-r',
    join(ctx.dir, 'vrrp.pid'),
    '-c',
    join(ctx.dir, 'checkers.pid'),
  ];
  return {
    spec: { ...daemonSpec(ctx, 'keepalived', argv, join(ctx.dir, 'keepalived.log')), role: 'speaker' },
    ready: /Startup complete|Entering (BACKUP|MASTER) STATE/,
    readyTimeoutMs: 10_000,
  };
}
