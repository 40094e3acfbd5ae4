/**
 * The conformance tester's hands: a small program the harness runs in a `tester` node. It keeps a packet
 * socket open on each of the node's interfaces and sends whatever Ethernet frames it is given, at once
 * or periodically on the kernel's clock (the same timerfd timers tsvrrpd uses), so that it can play a
 * peer router with a steady advert period. What it sends, and what the device under test answers, is
 * read from the segment's capture; the agent only acts.
 *
 *   node tester-agent.js --socket PATH --iface eth0 [--iface eth1 …]
 * Requests (one JSON object per line on the unix socket, with a "rid" the answer echoes), each answered
 * by one line {"ok":true,…} (a `wait` when its condition holds, so answers may come out of order):
 *   {"op":"send","frames":["<hex>",…],"iface":"eth0"}          send now
 *   {"op":"start","id":"m","frames":[…],"everyMs":100}        send now, then every everyMs
 *   {"op":"swap","id":"m","frames":[…]}                         same period and phase, new frames
 *   {"op":"wait","id":"m","sent":3}                             answers once the job has sent 3 rounds
 *   {"op":"stop","id":"m"}                                      {"ok":true,"sent":N}
 */
import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { openPacketSocket, type PacketSocket } from '../netns/packet-socket.js';
import { Poller } from '../vrrp/io/poller.js';
import { monotonicMs, PreciseTimers, reduceTimerSlack, type TimerHandle } from '../vrrp/io/timer.js';

const { values } = parseArgs({
  options: { socket: { type: 'string' }, iface: { type: 'string', multiple: true } },
});
const path = values.socket;
if (!path) throw new Error('--socket is required');
const ifaces = values.iface ?? [];
if (ifaces.length === 0) throw new Error('at least one --iface is required');

reduceTimerSlack();
const sockets = new Map<string, PacketSocket>(ifaces.map((i) => [i, openPacketSocket(i)]));
const poller = new Poller((e) => console.error(`tester: ${e.message}`));
const timers = new PreciseTimers(poller, (e) => console.error(`tester: ${e.message}`));

interface Job {
  frames: Buffer[];
  socket: PacketSocket;
  everyMs: number;
  nextAt: number;
  sent: number;
  timer: TimerHandle | undefined;
  waiters: { sent: number; reply: () => void }[];
}
const jobs = new Map<string, Job>();

function socketFor(iface: string | undefined): PacketSocket {
  const s = sockets.get(iface ?? (ifaces[0] as string));
  if (!s) throw new Error(`no interface ${iface} (have ${ifaces.join(', ')})`);
  return s;
}

const hexFrames = (frames: unknown): Buffer[] => {
  if (!Array.isArray(frames) || frames.length === 0)
    throw new Error('frames: a non-empty list of hex strings');
  return frames.map((f) => Buffer.from(String(f), 'hex'));
};

function fire(id: string, job: Job): void {
  for (const f of job.frames) job.socket.send(f);
  job.sent++;
  for (const w of job.waiters.filter((x) => job.sent >= x.sent)) w.reply();
  job.waiters = job.waiters.filter((x) => job.sent < x.sent);
  // Next round on the grid from the first, so a late wake-up does not shift the period.
  job.nextAt += job.everyMs;
  job.timer = timers.schedule(job.nextAt, () => fire(id, job));
}

type Reply = Record<string, unknown>;

function handle(req: Record<string, unknown>, answer: (r: Reply) => void): void {
  const id = String(req.id ?? '');
  switch (req.op) {
    case 'send': {
      const s = socketFor(req.iface as string | undefined);
      for (const f of hexFrames(req.frames)) s.send(f);
      answer({ ok: true, atMs: monotonicMs() });
      return;
    }
    case 'start': {
      if (jobs.has(id)) throw new Error(`job ${id} is already running`);
      const everyMs = Number(req.everyMs);
      if (!(everyMs > 0)) throw new Error('everyMs must be positive');
      const job: Job = {
        frames: hexFrames(req.frames),
        socket: socketFor(req.iface as string | undefined),
        everyMs,
        nextAt: monotonicMs(),
        sent: 0,
        timer: undefined,
        waiters: [],
      };
      jobs.set(id, job);
      fire(id, job);
      answer({ ok: true });
      return;
    }
    case 'swap': {
      const job = jobs.get(id);
      if (!job) throw new Error(`no job ${id}`);
      job.frames = hexFrames(req.frames);
      answer({ ok: true, sent: job.sent });
      return;
    }
    case 'wait': {
      const job = jobs.get(id);
      if (!job) throw new Error(`no job ${id}`);
      const want = Number(req.sent);
      if (job.sent >= want) {
        answer({ ok: true, sent: job.sent });
        return;
      }
      job.waiters.push({ sent: want, reply: () => answer({ ok: true, sent: job.sent }) });
      return;
    }
    case 'stop': {
      const job = jobs.get(id);
      if (!job) throw new Error(`no job ${id}`);
      timers.cancel(job.timer);
      jobs.delete(id);
      answer({ ok: true, sent: job.sent, atMs: monotonicMs() });
      return;
    }
    default:
      throw new Error(`unknown op ${String(req.op)}`);
  }
}

function serve(conn: Socket): void {
  let buffered = '';
  const answer = (r: Reply) => {
    if (!conn.destroyed) conn.write(`${JSON.stringify(r)}\n`);
  };
  conn.on('data', (chunk) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let rid: unknown;
      try {
        const req = JSON.parse(line) as Record<string, unknown>;
        rid = req.rid;
        handle(req, (r) => answer({ ...r, rid }));
      } catch (err) {
        answer({ ok: false, error: (err as Error).message, rid });
      }
    }
  });
  conn.on('error', () => {});
}

rmSync(path, { force: true });
const server = createServer(serve);
server.listen(path, () => console.log(`tester listening on ${path} for ${ifaces.join(', ')}`));

const stop = async () => {
  server.close();
  for (const job of jobs.values()) timers.cancel(job.timer);
  await timers.close();
  await poller.close();
  for (const s of sockets.values()) s.close();
  rmSync(path, { force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
