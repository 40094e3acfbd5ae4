/**
 * A client prober, run inside a lab node: one request every --every ms, each with its own timeout, each
 * outcome one JSON line on stdout with a microsecond wall-clock timestamp (the clock pcap timestamps use).
 *
 *   node prober.js --kind http --url http://203.0.113.140/ [--every 50] [--timeout 500]
 *   node prober.js --kind db --host 10.5.247.10 --port 5432 [--every 50] [--timeout 500]
 * Line: {"t":<µs at send>,"ok":true,"ms":3.1,"who":"web1/db2"} or {"t":…,"ok":false,"ms":500,"error":"…"}
 * Requests do not overlap: a slow answer delays the next one, so the outcomes stay in order.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: o } = parseArgs({
  options: {
    kind: { type: 'string', default: 'http' },
    url: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string', default: '5432' },
    every: { type: 'string', default: '50' },
    timeout: { type: 'string', default: '500' },
  },
});
const every = Number(o.every);
const timeout = Number(o.timeout);
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

async function http(): Promise<string> {
  const r = await fetch(o.url ?? '', { signal: AbortSignal.timeout(timeout) });
  const body = await r.text();
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  try {
    const j = JSON.parse(body) as { web?: string; db?: string };
    return `${j.web}/${j.db}`;
  } catch {
    return body.slice(0, 40);
  }
}

async function db(): Promise<string> {
  const client = new pg.Client({
    host: o.host,
    port: Number(o.port),
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
  });
  try {
    await client.connect();
    const r = await client.query<{ node: string }>("SELECT current_setting('cluster_name') AS node");
    return r.rows[0]?.node ?? '?';
  } finally {
    await client.end().catch(() => {});
  }
}

const probe = o.kind === 'db' ? db : http;
let running = true;
process.on('SIGTERM', () => {
  running = false;
});
process.on('SIGINT', () => {
  running = false;
});
console.error(`prober ${o.kind} every ${every} ms, timeout ${timeout} ms`);
while (running) {
  const t = nowUs();
  const started = performance.now();
  const line = await probe().then(
    (who) => ({ t, ok: true, ms: +(performance.now() - started).toFixed(2), who }),
    (err: Error) => ({
      t,
      ok: false,
      ms: +(performance.now() - started).toFixed(2),
      error: err.message.slice(0, 120),
    }),
  );
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const wait = every - (performance.now() - started);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
