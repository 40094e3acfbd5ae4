import koffi, { type KoffiFunc } from 'koffi';

/**
 * The libc bindings of the VRRP daemon's I/O (raw IP sockets, rtnetlink), through koffi: Node has
 * neither raw IP nor netlink sockets, and a native addon would need a compiler. The one place in
 * src/vrrp/io that declares libc functions; Linux x86_64 layouts throughout.
 */

export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;
export const SOCK_NONBLOCK = 0o4000;
export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_RCVBUFFORCE = 33;
export const SO_RCVTIMEO = 20;
export const SO_BINDTODEVICE = 25;
export const SO_ATTACH_FILTER = 26;
/** x86_64: SO_TIMESTAMPNS_OLD, struct timespec of two int64 */
export const SO_TIMESTAMPNS = 35;
export const SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
export const IPPROTO_IP = 0;
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_MTU_DISCOVER = 10;
export const IP_PMTUDISC_DONT = 0;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IPPROTO_IPV6 = 41;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;
export const IPV6_TCLASS = 67;
export const SOL_NETLINK = 270;
export const NETLINK_ROUTE = 0;
export const NETLINK_EXT_ACK = 11;
export const MSG_DONTWAIT = 0x40;
export const SHUT_RD = 0;

export const EINTR = 4;
export const EAGAIN = 11;
export const EEXIST = 17;
export const ENOENT = 2;
export const ENODEV = 19;
export const EBADF = 9;
export const EFAULT = 14;
export const EINVAL = 22;
export const ENOTSOCK = 88;
export const EADDRNOTAVAIL = 99;

const libc = koffi.load('libc.so.6');

// Pointers are declared `void *` and given Buffers: koffi passes a Buffer's own memory (no copy), which
// is what recvmsg's value-result fields and the async calls below rely on.
export const socket = libc.func('int socket(int domain, int type, int protocol)') as KoffiFunc<
  (domain: number, type: number, protocol: number) => number
>;
export const setsockopt = libc.func(
  'int setsockopt(int fd, int level, int name, const void *value, uint32_t len)',
) as KoffiFunc<(fd: number, level: number, name: number, value: Buffer, len: number) => number>;
export const bind = libc.func('int bind(int fd, const void *addr, uint32_t len)') as KoffiFunc<
  (fd: number, addr: Buffer, len: number) => number
>;
export const sendto = libc.func(
  'long sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
) as KoffiFunc<
  (fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number) => number
>;
export const recv = libc.func('long recv(int fd, void *buf, size_t len, int flags)') as KoffiFunc<
  (fd: number, buf: Buffer, len: number, flags: number) => number
>;
export const recvmsg = libc.func('long recvmsg(int fd, void *msg, int flags)') as KoffiFunc<
  (fd: number, msg: Buffer, flags: number) => number
>;
const recvmmsg = libc.func(
  'int recvmmsg(int fd, void *msgvec, unsigned int vlen, int flags, void *timeout)',
) as KoffiFunc<(fd: number, vec: Buffer, vlen: number, flags: number, timeout: null) => number>;
export const shutdown = libc.func('int shutdown(int fd, int how)') as KoffiFunc<
  (fd: number, how: number) => number
>;
export const close = libc.func('int close(int fd)') as KoffiFunc<(fd: number) => number>;
export const ifNameToIndex = libc.func('unsigned int if_nametoindex(const char *name)') as KoffiFunc<
  (name: string) => number
>;
const clockGettime = libc.func('int clock_gettime(int clockid, void *tp)') as KoffiFunc<
  (clock: number, tp: Buffer) => number
>;
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
const timespec = Buffer.alloc(16);
/**
 * A clock as milliseconds since its epoch, without BigInt (read in the hot path, per batch of packets):
 * seconds × 1000 + nanoseconds / 1e6. A double holds that to ~0.2 µs for CLOCK_REALTIME today.
 */
export function clockMs(clock: number): number {
  if (clockGettime(clock, timespec) < 0) fail(`clock_gettime(${clock})`);
  return timespecMs(timespec, 0);
}

/** A struct timespec (int64 seconds, int64 nanoseconds) at `off` as milliseconds. */
export function timespecMs(b: Buffer, off: number): number {
  const sec = b.readUInt32LE(off) + b.readInt32LE(off + 4) * 0x1_0000_0000;
  return sec * 1000 + b.readUInt32LE(off + 8) / 1e6;
}
const strerror = libc.func('const char *strerror(int errnum)') as KoffiFunc<(errnum: number) => string>;

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(koffi.os.errno as Record<string, number>)) {
  // Aliases (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK): keep the first, the usual spelling.
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/** A failed system call: `what` names the call and its object, `errno` / `code` the reason. */
export class SyscallError extends Error {
  readonly code: string;
  constructor(
    readonly what: string,
    readonly errno: number,
    detail?: string,
  ) {
    super(`${what}: ${errnoName(errno)} (errno ${errno}, ${strerror(errno)})${detail ? `: ${detail}` : ''}`);
    this.name = 'SyscallError';
    this.code = errnoName(errno);
  }
}

/** Throws a SyscallError carrying the current errno (read at once, before anything can clobber it). */
export function fail(what: string): never {
  throw new SyscallError(what, koffi.errno());
}

export function setIntOpt(fd: number, level: number, name: number, value: number, what: string): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  if (setsockopt(fd, level, name, b, 4) < 0) fail(what);
}

export function setOpt(fd: number, level: number, name: number, value: Buffer, what: string): void {
  if (setsockopt(fd, level, name, value, value.length) < 0) fail(what);
}

/**
 * A receive buffer of `bytes`: SO_RCVBUFFORCE goes past net.core.rmem_max (root, or CAP_NET_ADMIN, as
 * a VRRP speaker is); without the privilege, SO_RCVBUF gets what the cap allows.
 */
export function setReceiveBuffer(fd: number, bytes: number): void {
  const b = Buffer.alloc(4);
  b.writeInt32LE(bytes);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, b, 4) === 0) return;
  setIntOpt(fd, SOL_SOCKET, SO_RCVBUF, bytes, 'setsockopt(SO_RCVBUF)');
}

/** SO_RCVTIMEO: bounds every blocking receive, so a receive loop notices close() within `ms`. */
export function setReceiveTimeout(fd: number, ms: number): void {
  const tv = Buffer.alloc(16); // struct timeval: int64 tv_sec, int64 tv_usec
  tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  setOpt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 'setsockopt(SO_RCVTIMEO)');
}

export function bindToDevice(fd: number, ifname: string): void {
  setOpt(
    fd,
    SOL_SOCKET,
    SO_BINDTODEVICE,
    Buffer.from(`${ifname}\0`),
    `setsockopt(SO_BINDTODEVICE, ${ifname})`,
  );
}

/** A classic BPF program of one instruction, `ret #0`: the socket accepts no packet (a send-only raw socket). */
const REJECT_ALL = (() => {
  const insn = Buffer.alloc(8); // struct sock_filter: u16 code, u8 jt, u8 jf, u32 k
  insn.writeUInt16LE(0x06, 0); // BPF_RET | BPF_K, k = 0
  return insn;
})();

export function rejectAll(fd: number): void {
  const prog = Buffer.alloc(16); // struct sock_fprog: u16 len, (pad), struct sock_filter *filter
  prog.writeUInt16LE(1, 0);
  prog.writeBigUInt64LE(koffi.address(REJECT_ALL), 8);
  setOpt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, 'setsockopt(SO_ATTACH_FILTER)');
}

/** struct sockaddr_in: the port is unused by raw sockets. */
export function sockaddrIn(addr: Uint8Array): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0);
  b.set(addr, 4);
  return b;
}

/** struct sockaddr_in6 (28 octets); the scope id picks the link for link-local and multicast. */
export function sockaddrIn6(addr: Uint8Array, scopeId: number): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.set(addr, 8);
  b.writeUInt32LE(scopeId, 24);
  return b;
}

/** struct sockaddr_nl: port id 0 addresses the kernel; `groups` is the multicast subscription. */
export function sockaddrNl(groups = 0): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeUInt32LE(groups, 8);
  return b;
}

/**
 * A struct msghdr with one iovec, built once over long-lived buffers and reused for every receive.
 * It holds raw addresses of those buffers, so this object keeps them referenced (V8 does not move a
 * Buffer's backing store); `reset()` restores the value-result lengths before each recvmsg.
 */
export class MsgHdr {
  readonly msg = Buffer.alloc(56);
  private readonly iov = Buffer.alloc(16);

  constructor(
    readonly data: Buffer,
    readonly name?: Buffer,
    readonly control?: Buffer,
  ) {
    this.iov.writeBigUInt64LE(koffi.address(data), 0);
    this.iov.writeBigUInt64LE(BigInt(data.length), 8);
    if (name) this.msg.writeBigUInt64LE(koffi.address(name), 0);
    this.msg.writeBigUInt64LE(koffi.address(this.iov), 16);
    this.msg.writeBigUInt64LE(1n, 24);
    if (control) this.msg.writeBigUInt64LE(koffi.address(control), 32);
    this.reset();
  }

  reset(): void {
    this.msg.writeUInt32LE(this.name?.length ?? 0, 8);
    this.msg.writeBigUInt64LE(BigInt(this.control?.length ?? 0), 40);
    this.msg.writeInt32LE(0, 48);
  }

  get controlLength(): number {
    return Number(this.msg.readBigUInt64LE(40));
  }
}

/** Walks the control messages recvmsg left in `hdr.control`: (level, type, offset of data). */
export function forEachCmsg(hdr: MsgHdr, visit: (level: number, type: number, data: number) => void): void {
  const control = hdr.control;
  if (!control) return;
  const end = Math.min(hdr.controlLength, control.length);
  let off = 0;
  while (off + 16 <= end) {
    // struct cmsghdr: size_t cmsg_len, int cmsg_level, int cmsg_type; data aligned to 8
    const len = Number(control.readBigUInt64LE(off));
    if (len < 16 || off + len > end) break;
    visit(control.readInt32LE(off + 8), control.readInt32LE(off + 12), off + 16);
    off += (len + 7) & ~7;
  }
}

/**
 * Reads every datagram queued on `fd` without blocking (at most `max`, so one busy socket cannot hold
 * the main thread), handing each to `deliver(length, msg_flags)`. Returns whether it read any. Errors
 * other than "nothing more" (EAGAIN) and EINTR go to `onError`.
 */
export function drainDatagrams(
  fd: number,
  hdr: MsgHdr,
  what: string,
  deliver: (length: number, flags: number) => void,
  onError: (e: Error) => void,
  max = 1024,
): boolean {
  let got = false;
  for (let i = 0; i < max; i++) {
    hdr.reset();
    const n = recvmsg(fd, hdr.msg, MSG_DONTWAIT);
    if (n < 0) {
      const errno = koffi.errno();
      if (errno === EINTR) continue;
      if (errno !== EAGAIN) onError(new SyscallError(`recvmsg(${what})`, errno));
      break;
    }
    got = true;
    try {
      deliver(n, hdr.msg.readInt32LE(48));
    } catch (e) {
      // A throwing consumer must not stop the others; its error still surfaces.
      onError(e instanceof Error ? e : new Error(String(e)));
    }
  }
  return got;
}

/** struct mmsghdr: a struct msghdr (56 octets), unsigned int msg_len, padding to 8. */
const MMSGHDR_SIZE = 64;
export const MSG_TRUNC = 0x20;

/** One datagram of a batch: its slot's buffers, valid until the next receive on the batch. */
export interface BatchSlot {
  readonly data: Buffer;
  readonly name: Buffer | undefined;
  readonly control: Buffer | undefined;
  /** octets of control messages recvmmsg left in `control` */
  controlLength: number;
}

/**
 * A struct mmsghdr vector over long-lived buffers, for recvmmsg(2): one system call (and one koffi
 * call) reads up to `slots` datagrams, where recvmsg would take one each. Like {@link MsgHdr} it holds
 * raw addresses of its buffers and keeps them referenced.
 */
export class MsgBatch {
  readonly vec: Buffer;
  readonly slots: BatchSlot[] = [];
  private readonly iovs: Buffer;
  /** the vector as built: copied back over the used headers before each receive */
  private readonly pristine: Buffer;

  constructor(
    readonly size: number,
    dataOctets: number,
    nameOctets: number,
    controlOctets: number,
  ) {
    this.vec = Buffer.alloc(size * MMSGHDR_SIZE);
    this.iovs = Buffer.alloc(size * 16);
    for (let k = 0; k < size; k++) {
      const slot: BatchSlot = {
        data: Buffer.alloc(dataOctets),
        name: nameOctets > 0 ? Buffer.alloc(nameOctets) : undefined,
        control: controlOctets > 0 ? Buffer.alloc(controlOctets) : undefined,
        controlLength: 0,
      };
      this.slots.push(slot);
      const m = k * MMSGHDR_SIZE;
      this.iovs.writeBigUInt64LE(koffi.address(slot.data), k * 16);
      this.iovs.writeBigUInt64LE(BigInt(dataOctets), k * 16 + 8);
      if (slot.name) this.vec.writeBigUInt64LE(koffi.address(slot.name), m);
      this.vec.writeBigUInt64LE(koffi.address(this.iovs) + BigInt(k * 16), m + 16);
      this.vec.writeBigUInt64LE(1n, m + 24);
      if (slot.control) this.vec.writeBigUInt64LE(koffi.address(slot.control), m + 32);
      this.vec.writeUInt32LE(slot.name?.length ?? 0, m + 8);
      this.vec.writeUInt32LE(slot.control?.length ?? 0, m + 40);
    }
    this.pristine = Buffer.from(this.vec);
  }

  /**
   * Restores the value-result lengths of the first `n` slots before the next recvmmsg: one copy from
   * the pristine vector (field by field, the code runs too rarely to be compiled, and took ~1 ms cold in
   * the master-down path, measured).
   */
  reset(n: number): void {
    this.vec.set(this.pristine.subarray(0, n * MMSGHDR_SIZE));
  }

  /** msg_len of slot k after a receive */
  length(k: number): number {
    return this.vec.readUInt32LE(k * MMSGHDR_SIZE + 56);
  }

  flags(k: number): number {
    return this.vec.readInt32LE(k * MMSGHDR_SIZE + 48);
  }

  /** msg_controllen of slot k after a receive (kept under 4 GiB: read as its low half) */
  controlLength(k: number): number {
    return this.vec.readUInt32LE(k * MMSGHDR_SIZE + 40);
  }
}

/**
 * Reads what is queued on `fd` in batches (recvmmsg, non-blocking; at most `max` datagrams, so one busy
 * socket cannot hold the main thread), handing each to `deliver(slot, length, msg_flags)`. Returns
 * whether it read any. A slot's buffers are reused by the next batch: `deliver` copies what it keeps.
 */
export function drainBatches(
  fd: number,
  batch: MsgBatch,
  what: string,
  deliver: (slot: BatchSlot, length: number, flags: number) => void,
  onError: (e: Error) => void,
  max = 1024,
): boolean {
  let got = 0;
  let used = batch.size;
  while (got < max) {
    batch.reset(used);
    const n = recvmmsg(fd, batch.vec, batch.size, MSG_DONTWAIT, null);
    if (n < 0) {
      const errno = koffi.errno();
      used = 0;
      if (errno === EINTR) continue;
      if (errno !== EAGAIN) onError(new SyscallError(`recvmmsg(${what})`, errno));
      break;
    }
    used = n;
    for (let k = 0; k < n; k++) {
      const slot = batch.slots[k] as BatchSlot;
      slot.controlLength = batch.controlLength(k);
      try {
        deliver(slot, batch.length(k), batch.flags(k));
      } catch (e) {
        // A throwing consumer must not stop the others; its error still surfaces.
        onError(e instanceof Error ? e : new Error(String(e)));
      }
    }
    got += n;
    // fewer than a full batch: the queue is empty now (no second call to hear EAGAIN)
    if (n < batch.size) break;
  }
  return got > 0;
}

/** Control messages of a batch slot: calls `visit(level, type, offset of data)` for each. */
export function eachCmsg(
  control: Buffer,
  length: number,
  visit: (level: number, type: number, data: number) => void,
): void {
  const end = Math.min(length, control.length);
  let off = 0;
  while (off + 16 <= end) {
    const len = control.readUInt32LE(off); // size_t cmsg_len, low half
    if (len < 16 || off + len > end) break;
    visit(control.readInt32LE(off + 8), control.readInt32LE(off + 12), off + 16);
    off += (len + 7) & ~7;
  }
}
