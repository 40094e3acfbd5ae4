/**
 * The lab's web application: answers every request with its own node name and the name of the database
 * node that answered a query sent through the LAN VIP (the post's "db request from web server will point
 * to VIP LAN"). A new database connection per request, so nginx's stream upstream is exercised every time.
 *
 *   node webapp-server.js --name web1 --port 8080 [--db 10.5.247.10:5432]
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: { name: { type: 'string' }, port: { type: 'string', default: '8080' }, db: { type: 'string' } },
});
const name = values.name ?? 'web';
const port = Number(values.port);
const [dbHost, dbPort] = values.db
  ? [values.db.slice(0, values.db.lastIndexOf(':')), Number(values.db.slice(values.db.lastIndexOf(':') + 1))]
  : [];

async function askDb(): Promise<{ db: string; ms: number }> {
  const started = performance.now();
  const client = new pg.Client({
    host: dbHost,
    port: dbPort,
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 1000,
    query_timeout: 1000,
  });
  try {
    await client.connect();
    const r = await client.query<{ node: string }>("SELECT current_setting('cluster_name') AS node");
    return { db: r.rows[0]?.node ?? '?', ms: Math.round(performance.now() - started) };
  } finally {
    await client.end().catch(() => {});
  }
}

const server = createServer((req, res) => {
  const reply = (status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-node': name });
    res.end(`${JSON.stringify(body)}\n`);
  };
  if (req.url === '/health' || !dbHost) return reply(200, { web: name, db: null });
  askDb().then(
    ({ db, ms }) => reply(200, { web: name, db, db_ms: ms }),
    (err: Error) => reply(502, { web: name, db: null, error: err.message }),
  );
});

server.listen(port, () =>
  console.log(`listening on :${port} as ${name}${dbHost ? `, db ${dbHost}:${dbPort}` : ''}`),
);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
