/**
 * The frame injector: a small program the harness runs in the lab's switch namespace. It keeps one packet
 * socket open per bridge and, for each request on its unix socket, sends the given Ethernet frame into
 * every segment, then answers. Fault markers go out this way: one frame per segment, all within
 * microseconds, so the fault and the packets of every capture share one clock.
 *
 *   node injector.js --socket PATH --bridge sync --bridge lan …
 * Request:  {"frame":"<hex>"}\n       Answer: {"ok":true,"bridges":["sync",…]}\n
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { openPacketSocket } from '../netns/packet-socket.js';

const { values } = parseArgs({
  options: { socket: { type: 'string' }, bridge: { type: 'string', multiple: true } },
});
const path = values.socket;
if (!path) throw new Error('--socket is required');
const sockets = (values.bridge ?? []).map(openPacketSocket);

rmSync(path, { force: true });
const server = createServer((conn) => {
  let buffered = '';
  conn.on('data', (chunk) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const frame = Buffer.from((JSON.parse(line) as { frame: string }).frame, 'hex');
        for (const s of sockets) s.send(frame);
        conn.write(`${JSON.stringify({ ok: true, bridges: sockets.map((s) => s.ifname) })}\n`);
      } catch (err) {
        conn.write(`${JSON.stringify({ ok: false, error: (err as Error).message })}\n`);
      }
    }
  });
  conn.on('error', () => {});
});
server.listen(path, () =>
  console.log(`injector listening on ${path} for ${sockets.map((s) => s.ifname).join(', ')}`),
);
const stop = () => {
  server.close();
  for (const s of sockets) s.close();
  rmSync(path, { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
