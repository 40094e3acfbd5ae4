import { join } from 'node:path';
import { daemonSpec, type Launch, type ServiceContext } from '../services/service.js';
import { loadRouterConfig } from '../tsvrrpd/config.js';
import { programPath } from '../util/program.js';
import type { SpeakerCheck } from './speaker.js';

/** The compiled daemon, beside src/tsvrrpd/ (dist/src/tsvrrpd/main.js after the build). */
// Resolved when first run, not at import: unit tests import this module without a build.
const daemonProgram = () => programPath(import.meta.url, '../tsvrrpd/main.js');

/**
 * tsvrrpd in the node's namespace, where keepalived would run, with the same keepalived.conf. It logs one
 * `event=…` line per happening to stdout (the log file); `-s` is where SIGUSR1 and exit write its counters.
 */
export function launchTsvrrpd(ctx: ServiceContext, configPath: string): Launch {
  const argv = [
    process.execPath,
    daemonProgram(),
    '-f',
    configPath,
    '-p',
    join(ctx.dir, 'tsvrrpd.pid'),
    '-s',
    join(ctx.dir, 'tsvrrpd-stats.json'),
  ];
  return {
    spec: {
      ...daemonSpec(ctx, 'tsvrrpd', argv, join(ctx.dir, 'tsvrrpd.log')),
      role: 'speaker',
      // its one poll(2) holds a libuv pool thread, a second serves file reads (see main.ts)
      env: { UV_THREADPOOL_SIZE: '2' },
    },
    ready: /event=ready /,
    readyTimeoutMs: 10_000,
  };
}

/** What tsvrrpd makes of the file: an unrunnable config throws (file:line:col), the rest are warnings. */
export async function checkTsvrrpd(configPath: string): Promise<SpeakerCheck> {
  const cfg = await loadRouterConfig(configPath);
  return { warnings: cfg.warnings };
}
