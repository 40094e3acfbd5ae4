/**
 * The real RouterIo: raw VRRP sockets, rtnetlink and timers from src/vrrp/io, all waited on by one
 * poller; frames through an AF_PACKET socket per interface. Nothing here runs a program per packet;
 * `ip` runs once per interface at start to read its addresses.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { openPacketSocket, type PacketSocket } from '../netns/packet-socket.js';
import {
  addAddress,
  createMacvlan,
  deleteAddress,
  deleteLink,
  getLink,
  watchLinks,
} from '../vrrp/io/netlink.js';
import { Poller } from '../vrrp/io/poller.js';
import { monotonicMs, PreciseTimers, type TimerHandle } from '../vrrp/io/timer.js';
import { openVrrpSocket } from '../vrrp/io/vrrp-socket.js';
import type { RouterVip } from './config.js';
import type { LinkInfo, RouterIo } from './router.js';
import type { ScriptOutcome } from './scripts.js';

export function systemIo(onError: (e: Error) => void): RouterIo {
  const frames = new Map<string, PacketSocket>();
  const poller = new Poller(onError);
  const timers = new PreciseTimers(poller, onError);
  const spec = (v: RouterVip) => ({
    ifname: v.dev,
    address: v.address,
    prefix: v.prefix,
    family: v.family,
    ...(v.label !== undefined ? { label: v.label } : {}),
    ...(v.broadcast !== undefined ? { broadcast: v.broadcast } : {}),
    ...(v.deprecated ? { deprecated: true } : {}),
  });
  return {
    openSocket: (ifname, family, onPacket) => openVrrpSocket({ ifname, family, onPacket, onError, poller }),
    addAddress: (v) => addAddress(spec(v)),
    deleteAddress: (v) => deleteAddress(spec(v)),
    sendFrame(ifname, frame) {
      let s = frames.get(ifname);
      if (!s) {
        s = openPacketSocket(ifname);
        frames.set(ifname, s);
      }
      s.send(frame);
    },
    prepareFrames(ifname) {
      if (!frames.has(ifname)) frames.set(ifname, openPacketSocket(ifname));
    },
    getLink(ifname): LinkInfo | undefined {
      const l = getLink(ifname);
      return l && { ifname: l.ifname, up: l.up, mac: l.mac };
    },
    watchLinks(onChange) {
      const w = watchLinks(poller, (l) => onChange({ ifname: l.ifname, up: l.up, mac: l.mac }), onError);
      return {
        close: () => w.close(),
      };
    },
    createVmac: (parent, ifname, mac) => {
      createMacvlan(ifname, parent, mac);
    },
    deleteLink: (ifname) => deleteLink(ifname),
    setSysctl(key, value) {
      const path = `/proc/sys/${key}`;
      let before: string | undefined;
      try {
        before = readFileSync(path, 'utf8').trim();
      } catch {
        return undefined;
      }
      writeFileSync(path, value);
      return before;
    },
    addresses(ifname, family) {
      // An interface that is not there (a VMAC not made yet) has no addresses.
      if (!getLink(ifname)) return [];
      const out = execFileSync('ip', ['-j', `-${family}`, 'addr', 'show', 'dev', ifname], {
        encoding: 'utf8',
      });
      const [entry] = JSON.parse(out || '[]') as { addr_info?: { local: string; scope: string }[] }[];
      const list = (entry?.addr_info ?? []).map((a) => a.local);
      return family === 6 ? [...list.filter((a) => a.startsWith('fe80:')), ...list] : list;
    },
    async close() {
      await timers.close();
      await poller.close();
      for (const s of frames.values()) s.close();
      frames.clear();
    },
    runScript,
    now: monotonicMs,
    setTimer: (atMs, fn, replace, earlyMs) =>
      timers.schedule(atMs, fn, replace as TimerHandle | undefined, earlyMs),
    clearTimer: (h) => timers.cancel(h as TimerHandle | undefined),
  };
}

/** Grace a timed-out script gets after SIGTERM before its process group is killed. */
const SCRIPT_KILL_GRACE_MS = 2000;

/**
 * A vrrp_script run as keepalived does it: argv straight to exec (no shell), in a process group of its
 * own so that a timeout ends whatever it started (SIGTERM to the group, SIGKILL if it lingers).
 */
function runScript(argv: readonly string[], timeoutMs: number | undefined): Promise<ScriptOutcome> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) {
      resolve({ ok: false, how: 'failed', detail: 'empty command' });
      return;
    }
    const child = spawn(file, args, { stdio: 'ignore', detached: true });
    let timedOut = false;
    const group = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let grace: NodeJS.Timeout | undefined;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            group('SIGTERM');
            grace = setTimeout(() => group('SIGKILL'), SCRIPT_KILL_GRACE_MS);
          }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, how: 'failed', detail: err.message });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        // keepalived: make sure whatever it started is gone too
        group('SIGKILL');
        clearTimeout(grace);
        resolve({ ok: false, how: 'timed_out', detail: `killed after ${timeoutMs} ms` });
      } else if (code === 0) resolve({ ok: true, how: 'succeeded', status: 0 });
      else if (code !== null)
        resolve({ ok: false, how: 'failed', status: code, detail: `exited with status ${code}` });
      else resolve({ ok: false, how: 'failed', detail: `due to signal ${signal}` });
    });
  });
}
