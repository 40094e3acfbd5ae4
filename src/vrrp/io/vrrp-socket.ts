import koffi from 'koffi';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../addr.js';
import { VRRP_MULTICAST_V4, VRRP_MULTICAST_V6, VRRP_PROTOCOL, VRRP_TTL } from '../packet.js';
import {
  AF_INET,
  AF_INET6,
  type BatchSlot,
  bind,
  bindToDevice,
  CLOCK_REALTIME,
  clockMs,
  close as closeFd,
  drainBatches,
  eachCmsg,
  fail,
  IP_ADD_MEMBERSHIP,
  IP_MTU_DISCOVER,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_PMTUDISC_DONT,
  IP_TOS,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_ADD_MEMBERSHIP,
  IPV6_HOPLIMIT,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_PKTINFO,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_TCLASS,
  IPV6_UNICAST_HOPS,
  ifNameToIndex,
  MsgBatch,
  rejectAll,
  SCM_TIMESTAMPNS,
  SO_TIMESTAMPNS,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_SOCKET,
  SyscallError,
  sendto,
  setIntOpt,
  setOpt,
  setReceiveBuffer,
  sockaddrIn,
  sockaddrIn6,
  socket,
  timespecMs,
} from './libc.js';
import type { Poller } from './poller.js';
import { monotonicMs } from './timer.js';

export interface ReceivedPacket {
  /**
   * the VRRP message: the IP payload (for IPv4: bytes after the IP header, cut to the IP total length).
   * A view of the receive buffer, valid during the `onPacket` call only: copy what is kept.
   */
  data: Buffer;
  /** IPv4 dotted or IPv6 text (link-local without %scope) */
  src: string;
  /** IPv6: '::' if the kernel gave no IPV6_PKTINFO (it always does) */
  dst: string;
  /** IPv4 TTL from the header; IPv6 hop limit from the IPV6_HOPLIMIT control message (-1 if absent) */
  ttl: number;
  /** when the kernel received it, on the monotonic clock of {@link monotonicMs} (ms) */
  atMs: number;
}

export interface VrrpSocket {
  readonly ifname: string;
  readonly family: 4 | 6;
  /**
   * Sends a VRRP message (the IP payload) from `src` (the router's primary address: its checksum covers
   * it) to 224.0.0.18 / ff02::12, or to `dst` for unicast; TTL / hop limit 255, out of ifname, or out of
   * `via` (a VMAC interface on it, so that the frame carries the virtual router MAC).
   */
  send(message: Buffer, src: string, dst?: string, via?: string): void;
  /**
   * Opens the send socket for `src` now, so that a backup's first advert as master does not pay for it
   * (about a millisecond of system calls). Failing here is not final: `send` tries again.
   */
  prepare(src: string, via?: string): void;
  /** resolves once the poller let go of the fd and it is closed; later calls get the same promise */
  close(): Promise<void>;
  /** reads and hands over what is queued now, before a timer decides on what it has heard */
  drain(): void;
  /**
   * After a read, leave the socket unwatched this long: a burst of adverts costs one wake-up. Whatever
   * arrives meanwhile keeps its kernel timestamp, and `drain` fetches it early when a timer needs it.
   */
  coalesceMs: number;
}

export interface VrrpSocketOptions {
  ifname: string;
  family: 4 | 6;
  /** the speaker's one wait for all its descriptors */
  poller: Poller;
  onPacket: (p: ReceivedPacket) => void;
  /** receive errors (not EAGAIN/EINTR) and exceptions thrown by onPacket; default: a process warning */
  onError?: (e: Error) => void;
}

/** IP precedence 6, "internetwork control" (DSCP CS6), as keepalived marks its adverts. */
const TOS_NETWORK_CONTROL = 0xc0;
/** Room for a burst of adverts from many routers (255 at once from one master): forced past rmem_max. */
const RECEIVE_BUFFER = 1 << 20;
/**
 * Datagrams read per system call, and the room for each. The largest valid VRRP message is 4088 octets
 * (v3, 255 IPv6 addresses); a longer datagram is cut at the slot's end, which leaves the message whole
 * (what follows it is padding the codec ignores).
 */
const BATCH_SLOTS = 32;
const SLOT_OCTETS = 9216;

function sockaddrFor(family: 4 | 6, dst: string, ifindex: number): Buffer {
  // A zone in the text ("fe80::1%eth0") is redundant: the socket is bound to its interface.
  const text = family === 6 ? dst.replace(/%.*$/, '') : dst;
  const bytes = family === 4 ? parseIPv4(text) : parseIPv6(text);
  if (!bytes) throw new RangeError(`${dst} is not an IPv${family} address`);
  return family === 4 ? sockaddrIn(bytes) : sockaddrIn6(bytes, ifindex);
}

/**
 * CLOCK_REALTIME (the receive stamps' clock) and CLOCK_MONOTONIC (the timers') read as one instant.
 * Reading one, then the other, costs a preemption's worth of error if the thread is descheduled in
 * between (seen: 15 ms on a loaded machine, a takeover that early): both are read between two realtime
 * readings, retried until those agree within 0.2 ms. Read once per batch of packets, not per packet:
 * every packet of a batch is aged against the same pair.
 */
export function clockPair(): { realMs: number; monoMs: number } {
  let best = { realMs: 0, monoMs: 0, spread: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 4; i++) {
    const r1 = clockMs(CLOCK_REALTIME);
    const monoMs = monotonicMs();
    const r2 = clockMs(CLOCK_REALTIME);
    const spread = r2 - r1;
    if (spread < best.spread) best = { realMs: r1 + spread / 2, monoMs, spread };
    if (spread < 0.2) break;
  }
  return best;
}

/** The last address text made from 4 or 16 octets, reused while the next packet carries the same ones. */
class AddressText {
  private readonly last: Buffer;
  private text = '';

  constructor(private readonly family: 4 | 6) {
    this.last = Buffer.alloc(family === 4 ? 4 : 16);
  }

  of(b: Buffer, off: number): string {
    const n = this.last.length;
    if (this.text !== '' && b.compare(this.last, 0, n, off, off + n) === 0) return this.text;
    b.copy(this.last, 0, off, off + n);
    this.text = this.family === 4 ? formatIPv4(b, off) : formatIPv6(b, off);
    return this.text;
  }
}

/**
 * A socket that only sends, bound to the router's primary address. Left to itself the kernel would pick
 * the source, and once a VIP is on the interface it may pick the VIP (an IPv6 link-local VIP always
 * wins over the interface's own): the checksum, computed over the primary address, would then be wrong
 * and the virtual router's source not the router's (RFC 5798 §5.1.1.1, §5.1.2.1). A filter that refuses
 * every packet keeps the bound socket from queueing what it would also receive.
 */
function openSender(ifname: string, ifindex: number, family: 4 | 6, src: string): number {
  const fd = socket(family === 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC, VRRP_PROTOCOL);
  if (fd < 0) fail(`socket(AF_INET${family === 6 ? '6' : ''}, SOCK_RAW, 112)`);
  try {
    rejectAll(fd);
    bindToDevice(fd, ifname);
    const local = sockaddrFor(family, src, ifindex);
    if (bind(fd, local, local.length) < 0) fail(`bind(${ifname}, ${src})`);
    if (family === 4) {
      setIntOpt(fd, IPPROTO_IP, IP_MULTICAST_TTL, VRRP_TTL, 'setsockopt(IP_MULTICAST_TTL)');
      setIntOpt(fd, IPPROTO_IP, IP_TTL, VRRP_TTL, 'setsockopt(IP_TTL)');
      // As keepalived: precedence "internetwork control" (0xc0), and no DF bit (its header has frag_off 0).
      setIntOpt(fd, IPPROTO_IP, IP_TOS, TOS_NETWORK_CONTROL, 'setsockopt(IP_TOS)');
      setIntOpt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, 'setsockopt(IP_MTU_DISCOVER)');
      // struct ip_mreqn: group (unused here), local address (any), ifindex
      const mreqn = Buffer.alloc(12);
      mreqn.writeInt32LE(ifindex, 8);
      setOpt(fd, IPPROTO_IP, IP_MULTICAST_IF, mreqn, `setsockopt(IP_MULTICAST_IF, ${ifname})`);
      setIntOpt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, 'setsockopt(IP_MULTICAST_LOOP)');
    } else {
      setIntOpt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP_TTL, 'setsockopt(IPV6_MULTICAST_HOPS)');
      setIntOpt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP_TTL, 'setsockopt(IPV6_UNICAST_HOPS)');
      setIntOpt(fd, IPPROTO_IPV6, IPV6_TCLASS, TOS_NETWORK_CONTROL, 'setsockopt(IPV6_TCLASS)');
      setIntOpt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, `setsockopt(IPV6_MULTICAST_IF, ${ifname})`);
      setIntOpt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, 'setsockopt(IPV6_MULTICAST_LOOP)');
    }
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return fd;
}

/**
 * A raw IP protocol 112 socket on one interface and family: receives every VRRP datagram that arrives on
 * that interface, and sends VRRP messages with TTL / hop limit 255 (RFC 5798 §5.1.1.3) from the source
 * address given, through one bound send socket per source.
 */
export function openVrrpSocket(opts: VrrpSocketOptions): VrrpSocket {
  const { ifname, family, onPacket } = opts;
  const onError =
    opts.onError ?? ((e: Error) => process.emitWarning(`VRRP socket ${ifname}/v${family}: ${e.message}`));
  const ifindex = ifNameToIndex(ifname);
  if (!ifindex) fail(`if_nametoindex(${ifname})`);
  const fd = socket(
    family === 4 ? AF_INET : AF_INET6,
    SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
    VRRP_PROTOCOL,
  );
  if (fd < 0) fail(`socket(AF_INET${family === 6 ? '6' : ''}, SOCK_RAW, 112)`);

  try {
    bindToDevice(fd, ifname);
    if (family === 4) {
      // struct ip_mreqn: group, local address (any), ifindex
      const mreqn = Buffer.alloc(12);
      mreqn.set(parseIPv4(VRRP_MULTICAST_V4) as Uint8Array, 0);
      mreqn.writeInt32LE(ifindex, 8);
      setOpt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn, `setsockopt(IP_ADD_MEMBERSHIP, ${ifname})`);
    } else {
      // struct ipv6_mreq: group, ifindex
      const mreq = Buffer.alloc(20);
      mreq.set(parseIPv6(VRRP_MULTICAST_V6) as Uint8Array, 0);
      mreq.writeInt32LE(ifindex, 16);
      setOpt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq, `setsockopt(IPV6_ADD_MEMBERSHIP, ${ifname})`);
      setIntOpt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, 'setsockopt(IPV6_RECVHOPLIMIT)');
      setIntOpt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, 'setsockopt(IPV6_RECVPKTINFO)');
      // No IPV6_CHECKSUM: the kernel would then drop bad checksums unseen, and we count them.
    }
    setReceiveBuffer(fd, RECEIVE_BUFFER);
    // Timers restart from when an advert arrived, not from when the event loop got to it.
    setIntOpt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, 'setsockopt(SO_TIMESTAMPNS)');
  } catch (e) {
    closeFd(fd);
    throw e;
  }

  const what = `${ifname}/v${family}`;
  // IPv4 reads the addresses from the IP header; IPv6 has none in the datagram, hence the name and
  // its cmsgs. Both get the kernel's receive timestamp as a cmsg (room for three).
  const batch = new MsgBatch(BATCH_SLOTS, SLOT_OCTETS, family === 6 ? 28 : 0, 160);

  /** one clock pair per drain: every packet of the batch is aged against it */
  let clocks: { realMs: number; monoMs: number } | undefined;
  const srcText = new AddressText(family);
  const dstText = new AddressText(family);

  // What the control messages of the datagram in hand say (set by `cmsg`, made once, not per packet).
  let control: Buffer = Buffer.alloc(0);
  let stampMs: number | undefined;
  let hopLimit = -1;
  let pktDst = '::';
  const cmsg = (level: number, type: number, off: number) => {
    if (level === SOL_SOCKET && type === SCM_TIMESTAMPNS) stampMs = timespecMs(control, off);
    else if (level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT) hopLimit = control.readInt32LE(off);
    else if (level === IPPROTO_IPV6 && type === IPV6_PKTINFO) pktDst = dstText.of(control, off);
  };

  /** The packet's arrival on the monotonic clock, from its kernel timestamp (CLOCK_REALTIME). */
  const arrival = (): number => {
    clocks ??= clockPair();
    if (stampMs === undefined) return clocks.monoMs;
    // Negative for a packet that arrived while the batch was being read (after the pair); beyond a
    // second either way the clock was stepped (NTP), and the reading is all we have.
    const ageMs = clocks.realMs - stampMs;
    return Math.abs(ageMs) < 1000 ? clocks.monoMs - ageMs : clocks.monoMs;
  };

  const onDatagram = (slot: BatchSlot, n: number) => {
    control = slot.control as Buffer;
    stampMs = undefined;
    hopLimit = -1;
    pktDst = '::';
    eachCmsg(control, slot.controlLength, cmsg);
    const atMs = arrival();
    const data = slot.data;
    if (family === 4) {
      if (n < 20 || data[0] === undefined || data[0] >> 4 !== 4) return;
      const ihl = (data[0] & 0x0f) * 4;
      const end = Math.min(n, data.readUInt16BE(2));
      if (ihl < 20 || ihl > end) return;
      onPacket({
        data: data.subarray(ihl, end),
        src: srcText.of(data, 12),
        dst: dstText.of(data, 16),
        ttl: data[8] ?? -1,
        atMs,
      });
    } else {
      onPacket({
        data: data.subarray(0, n),
        src: srcText.of(slot.name as Buffer, 8),
        dst: pktDst,
        ttl: hopLimit,
        atMs,
      });
    }
  };

  const watch = {
    coalesceMs: 0,
    drain: () => {
      clocks = undefined;
      return drainBatches(fd, batch, what, onDatagram, onError);
    },
  };
  opts.poller.add(fd, watch);

  const group = sockaddrFor(family, family === 4 ? VRRP_MULTICAST_V4 : VRRP_MULTICAST_V6, ifindex);
  /** send sockets by "device|source": the interface itself, or a VMAC on it (keepalived's use_vmac) */
  const senders = new Map<string, { fd: number; index: number }>();
  const sender = (src: string, via?: string) => {
    const dev = via ?? ifname;
    const key = `${dev}|${src}`;
    let s = senders.get(key);
    if (!s) {
      const index = dev === ifname ? ifindex : ifNameToIndex(dev);
      if (!index) fail(`if_nametoindex(${dev})`);
      s = { fd: openSender(dev, index, family, src), index };
      senders.set(key, s);
    }
    return s;
  };
  let closing: Promise<void> | undefined;

  return {
    ifname,
    family,
    drain() {
      if (!closing) watch.drain();
    },
    set coalesceMs(ms: number) {
      const shorter = ms < watch.coalesceMs;
      watch.coalesceMs = ms;
      // a pause begun under the longer batching must not outlast it (a backup just became master)
      if (shorter && !closing) opts.poller.resume(fd);
    },
    prepare(src: string, via?: string) {
      if (closing || senders.has(`${via ?? ifname}|${src}`)) return;
      try {
        sender(src, via);
      } catch {
        // e.g. a link-local address still tentative (DAD): send() opens it when it is usable
      }
    },
    send(message: Buffer, src: string, dst?: string, via?: string) {
      if (closing) throw new Error(`send on ${what}: socket closed`);
      const { fd: sfd, index } = sender(src, via);
      const to =
        dst === undefined
          ? index === ifindex
            ? group
            : sockaddrFor(family, family === 4 ? VRRP_MULTICAST_V4 : VRRP_MULTICAST_V6, index)
          : sockaddrFor(family, dst, index);
      const n = sendto(sfd, message, message.length, 0, to, to.length);
      if (n < 0) throw new SyscallError(`sendto(${what}, ${src} > ${dst ?? 'multicast'})`, koffi.errno());
      if (n !== message.length) throw new Error(`sendto(${what}): sent ${n} of ${message.length} octets`);
    },
    close() {
      closing ??= opts.poller.remove(fd).then(() => {
        closeFd(fd);
        for (const sfd of senders.values()) closeFd(sfd.fd);
        senders.clear();
      });
      return closing;
    },
  };
}
