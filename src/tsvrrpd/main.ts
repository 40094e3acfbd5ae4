#!/usr/bin/env node
/**
 * tsvrrpd: the harness's own VRRP speaker, started where keepalived would be (`ip netns exec NS tsvrrpd
 * -f keepalived.conf`). One log line per event on stdout, `key=value` after the time and the name:
 *   2026-11-25T06:30:24.123Z tsvrrpd[4242]: event=transition instance=WAN_1 vrid=3 from=backup to=master reason=master_down_timer priority=90
 * Signals: SIGTERM/SIGINT leave (priority 0 as master, addresses removed, exit 0); SIGHUP reloads the
 * configuration; SIGUSR1 writes the counters (`--stats FILE`, and a log line).
 * Exit codes: 0 stopped by a signal, 1 failure at run time, 2 a configuration it cannot run.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigSyntaxError } from '../keepalived/config/tokenize.js';
import { reduceTimerSlack } from '../vrrp/io/timer.js';
import { ConfigError, loadRouterConfig, type RouterConfig } from './config.js';
import { systemIo } from './io.js';
import { type LogFields, Router } from './router.js';

function format(value: string | number | boolean): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

function log(event: string, fields: LogFields = {}): void {
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${format(v as string | number | boolean)}`);
  process.stdout.write(
    `${new Date().toISOString()} tsvrrpd[${process.pid}]: ${[`event=${event}`, ...kv].join(' ')}\n`,
  );
}

function logWarnings(cfg: RouterConfig): void {
  for (const w of cfg.warnings) {
    log('config_warning', { at: `${w.at.file}:${w.at.line}:${w.at.col}`, message: w.message });
  }
}

/** A configuration it cannot run: `file:line:col: reason` on stderr, exit 2. */
function configFailure(err: unknown): never {
  if (err instanceof ConfigSyntaxError || err instanceof ConfigError) {
    process.stderr.write(`tsvrrpd: ${err.message}\n`);
  } else if (
    (err as NodeJS.ErrnoException).code === 'ENOENT' ||
    (err as NodeJS.ErrnoException).code === 'EACCES'
  ) {
    process.stderr.write(`tsvrrpd: ${(err as Error).message}\n`);
  } else throw err;
  process.exit(2);
}

interface Options {
  useFile: string;
  pid?: string;
  stats?: string;
  configTest?: boolean;
}

async function main(): Promise<void> {
  // One blocking poll(2) holds a libuv pool thread; one more serves file reads (a reload). Fewer threads
  // than the default 4: each wake-up then lands on a thread that ran recently.
  process.env.UV_THREADPOOL_SIZE ??= '2';
  reduceTimerSlack();
  const program = new Command('tsvrrpd')
    .description('VRRP speaker (RFC 3768/5798/9568) configured by keepalived.conf')
    .requiredOption('-f, --use-file <file>', 'keepalived.conf to run')
    .option('-p, --pid <file>', 'pid file')
    .option('-s, --stats <file>', 'counters as JSON, written on SIGUSR1 and at exit')
    .option('-t, --config-test', 'check the configuration, print its warnings, exit')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(`tsvrrpd: ${s}`) });
  try {
    program.parse();
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    throw err;
  }
  const opts = program.opts<Options>();

  const cfg = await loadRouterConfig(opts.useFile).catch(configFailure);
  if (opts.configTest) {
    for (const w of cfg.warnings)
      process.stderr.write(`${w.at.file}:${w.at.line}:${w.at.col}: warning: ${w.message}\n`);
    process.stdout.write(`${opts.useFile}: ${cfg.instances.length} instance(s), configuration OK\n`);
    return;
  }
  logWarnings(cfg);

  const router = new Router(
    cfg,
    systemIo((e) => log('io_error', { error: e.message })),
    log,
  );
  const writeStats = () => {
    const stats = router.stats();
    // what the daemon's resident memory is made of: V8's heap, buffers outside it, the rest (code, the
    // node binary's pages)
    const m = process.memoryUsage();
    const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
    const memory = {
      rssMb: mb(m.rss),
      heapTotalMb: mb(m.heapTotal),
      heapUsedMb: mb(m.heapUsed),
      externalMb: mb(m.external),
      arrayBuffersMb: mb(m.arrayBuffers),
    };
    if (opts.stats) writeFileSync(opts.stats, `${JSON.stringify({ ...stats, memory }, null, 2)}\n`);
    return stats;
  };
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    await router.stop();
    writeStats();
    if (opts.pid) rmSync(opts.pid, { force: true });
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    loadRouterConfig(opts.useFile).then(
      (next) => {
        logWarnings(next);
        router.reload(next);
      },
      (err: Error) => log('reload_failed', { error: err.message }),
    );
  });
  process.on('SIGUSR1', () => {
    const s = writeStats();
    for (const [name, i] of Object.entries(s.instances)) {
      log('stats', {
        instance: name,
        state: i.state,
        priority: i.priority,
        sent: i.advertsSent,
        received: i.advertsReceived,
        became_master: i.becameMaster,
        ...Object.fromEntries(Object.entries(i.drops).map(([k, v]) => [`drop_${k}`, v])),
      });
    }
    log('stats', {
      ...Object.fromEntries(Object.entries(s.drops).map(([k, v]) => [`drop_${k}`, v])),
      ...Object.fromEntries(Object.entries(s.timerLateness).map(([k, v]) => [`timer_late_us${k}`, v])),
    });
  });

  if (opts.pid) writeFileSync(opts.pid, `${process.pid}\n`);
  router.start();
  log('ready', { instances: cfg.instances.length, config: opts.useFile });
}

main().catch((err: Error) => {
  log('fatal', { error: err.message });
  process.exit(1);
});
