import { parseIPv4, parseIPv6 } from '../addr.js';
import {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  bind,
  close as closeFd,
  drainDatagrams,
  EADDRNOTAVAIL,
  EEXIST,
  ENODEV,
  ENOENT,
  fail,
  ifNameToIndex,
  MsgHdr,
  NETLINK_EXT_ACK,
  NETLINK_ROUTE,
  recv,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_NETLINK,
  SyscallError,
  sendto,
  setReceiveBuffer,
  setReceiveTimeout,
  setsockopt,
  sockaddrNl,
  socket,
} from './libc.js';
import type { Poller } from './poller.js';

/** rtnetlink (NETLINK_ROUTE) through koffi: addresses and link state without an `ip` process per change. */

const RTMGRP_LINK = 1;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
/** in an NLMSG_ERROR: the echoed request was cut to its header / extended-ack attributes follow */
const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;
const NLMSGERR_ATTR_MSG = 1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;
const IFA_CACHEINFO = 6;
const IFA_FLAGS = 8;
const IFA_F_NODAD = 0x02;
const IFLA_ADDRESS = 1;
const IFLA_IFNAME = 3;
const IFLA_LINK = 5;
const IFLA_LINKINFO = 18;
const IFLA_AF_SPEC = 26;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_PRIVATE = 1;
const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;
const NLA_F_NESTED = 0x8000;
const IFF_UP = 1;
const IFF_RUNNING = 0x40;

const NLMSG_HDRLEN = 16;
const IFADDRMSG_LEN = 8;
const IFINFOMSG_LEN = 16;

/** The kernel answers rtnetlink requests while handling our send; this only guards against the unforeseen. */
const REQUEST_TIMEOUT_MS = 2000;
/** Link events come in bursts (a lab starting); overruns would cost a resync. */
const WATCH_RECEIVE_BUFFER = 1 << 20;

const align4 = (n: number): number => (n + 3) & ~3;

export interface AddressSpec {
  ifname: string;
  address: string;
  prefix: number;
  family: 4 | 6;
  /** IPv4 only: the kernel keeps no labels for IPv6 addresses, so it is not sent for them */
  label?: string;
  /** IPv4 only */
  broadcast?: string;
  /** preferred lifetime 0: the kernel keeps it but never picks it as a source (a VMAC's link-local) */
  deprecated?: boolean;
}

export interface LinkState {
  ifname: string;
  ifindex: number;
  /** IFF_UP && IFF_RUNNING; always false for a deleted link */
  up: boolean;
  /** aa:bb:.. from IFLA_ADDRESS ('' for links without one) */
  mac: string;
}

export interface LinkWatch {
  /** resolves once the receive loop has stopped and the socket is closed (within ~200 ms) */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Messages

class NlMessage {
  private buf = Buffer.alloc(256);
  private len = NLMSG_HDRLEN;

  constructor(
    readonly type: number,
    readonly flags: number,
  ) {}

  private room(n: number): number {
    const at = this.len;
    this.len = align4(this.len + n);
    if (this.len > this.buf.length) {
      const bigger = Buffer.alloc(this.len * 2);
      this.buf.copy(bigger);
      this.buf = bigger;
    }
    return at;
  }

  /** the fixed family header (ifaddrmsg, ifinfomsg), written by `fill` */
  body(len: number, fill: (b: Buffer, at: number) => void): this {
    fill(this.buf, this.room(len));
    return this;
  }

  attr(type: number, data: Uint8Array): this {
    const at = this.room(4 + data.length);
    this.buf.writeUInt16LE(4 + data.length, at);
    this.buf.writeUInt16LE(type, at + 2);
    this.buf.set(data, at + 4);
    return this;
  }

  /** a nested attribute: whatever `fill` adds becomes its payload */
  nest(type: number, fill: (m: this) => void): this {
    const at = this.room(4);
    fill(this);
    this.buf.writeUInt16LE(this.len - at, at);
    this.buf.writeUInt16LE(type | NLA_F_NESTED, at + 2);
    return this;
  }

  attrU8(type: number, v: number): this {
    return this.attr(type, Buffer.from([v]));
  }

  attrString(type: number, s: string): this {
    return this.attr(type, Buffer.from(`${s}\0`));
  }

  attrU32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.attr(type, b);
  }

  finish(seq: number): Buffer {
    this.buf.writeUInt32LE(this.len, 0);
    this.buf.writeUInt16LE(this.type, 4);
    this.buf.writeUInt16LE(this.flags, 6);
    this.buf.writeUInt32LE(seq, 8);
    this.buf.writeUInt32LE(0, 12);
    return this.buf.subarray(0, this.len);
  }
}

interface Message {
  type: number;
  flags: number;
  seq: number;
  /** the whole message, header included */
  bytes: Buffer;
}

/** Splits a datagram into netlink messages (each aligned to 4 octets). */
function* messages(buf: Buffer, n: number): Generator<Message> {
  let off = 0;
  while (off + NLMSG_HDRLEN <= n) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > n) return;
    yield {
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      bytes: buf.subarray(off, off + len),
    };
    off += align4(len);
  }
}

/** Attributes from `start` to the end of `b`: type (nested/byte-order bits cleared) → payload. */
function attributes(b: Buffer, start: number): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = start;
  while (off + 4 <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < 4 || off + len > b.length) break;
    out.set(b.readUInt16LE(off + 2) & 0x3fff, b.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

function cString(b: Buffer | undefined): string {
  if (!b) return '';
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul < 0 ? b.length : nul);
}

// ---------------------------------------------------------------------------------------------------
// Requests

let sequence = Math.floor(Math.random() * 0x7fffffff);
/** Only the main thread uses it, and only between a send and its answer. */
const answer = Buffer.alloc(65536);

interface Outcome {
  /** 0 for an ACK; a positive errno for a failure; undefined when the answer was a message */
  errno?: number;
  /** the kernel's extended-ack text, when it gave one */
  detail?: string;
  reply?: Message;
}

function nlError(m: Message): Outcome {
  const errno = -m.bytes.readInt32LE(NLMSG_HDRLEN);
  let detail: string | undefined;
  if (m.flags & NLM_F_ACK_TLVS && m.bytes.length >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) {
    // After the error code comes our request: its header only when capped, else all of it.
    const echoed = m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : m.bytes.readUInt32LE(NLMSG_HDRLEN + 4);
    const tlvs = attributes(m.bytes, NLMSG_HDRLEN + 4 + align4(echoed));
    const msg = tlvs.get(NLMSGERR_ATTR_MSG);
    if (msg) detail = cString(msg);
  }
  return { errno, detail };
}

/**
 * Sends one request on a fresh NETLINK_ROUTE socket and waits (blocking, bounded) for its answer: the
 * ACK / NLMSG_ERROR, or the first reply message. A fresh socket per request keeps it in the caller's
 * current network namespace and leaves no stale answers behind; it costs a few microseconds.
 */
function request(msg: NlMessage, what: string): Outcome {
  const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) fail('socket(AF_NETLINK)');
  try {
    setReceiveTimeout(fd, REQUEST_TIMEOUT_MS);
    // Best effort: only makes error messages more precise (kernels without it ignore nothing else).
    const one = Buffer.alloc(4);
    one.writeInt32LE(1);
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
    sequence = (sequence + 1) >>> 0;
    const seq = sequence;
    const bytes = msg.finish(seq);
    const kernel = sockaddrNl();
    if (sendto(fd, bytes, bytes.length, 0, kernel, kernel.length) < 0) fail(`sendto(netlink, ${what})`);
    for (;;) {
      const n = recv(fd, answer, answer.length, 0);
      if (n < 0) fail(`recv(netlink, ${what})`);
      for (const m of messages(answer, n)) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_ERROR) return nlError(m);
        if (m.type === NLMSG_DONE) return { errno: 0 };
        // Copied: `answer` is reused by the next request.
        return { reply: { ...m, bytes: Buffer.from(m.bytes) } };
      }
    }
  } finally {
    closeFd(fd);
  }
}

function interfaceIndex(ifname: string, what: string): number {
  const ifindex = ifNameToIndex(ifname);
  if (!ifindex) throw new SyscallError(`${what}: no interface ${ifname}`, ENODEV);
  return ifindex;
}

function addressMessage(type: number, flags: number, a: AddressSpec, what: string): NlMessage {
  const bytes = a.family === 4 ? parseIPv4(a.address) : parseIPv6(a.address);
  if (!bytes) throw new RangeError(`${what}: ${a.address} is not an IPv${a.family} address`);
  const max = a.family === 4 ? 32 : 128;
  if (!Number.isInteger(a.prefix) || a.prefix < 0 || a.prefix > max) {
    throw new RangeError(`${what}: prefix must be 0..${max}, got ${a.prefix}`);
  }
  const ifindex = interfaceIndex(a.ifname, what);
  const msg = new NlMessage(type, flags).body(IFADDRMSG_LEN, (b, at) => {
    // struct ifaddrmsg: family, prefixlen, flags, scope, index
    b.writeUInt8(a.family === 4 ? AF_INET : AF_INET6, at);
    b.writeUInt8(a.prefix, at + 1);
    b.writeUInt8(a.family === 6 ? IFA_F_NODAD : 0, at + 2);
    b.writeUInt8(0, at + 3);
    b.writeUInt32LE(ifindex, at + 4);
  });
  if (a.family === 4) {
    msg.attr(IFA_LOCAL, bytes).attr(IFA_ADDRESS, bytes);
    if (a.broadcast !== undefined) {
      const brd = parseIPv4(a.broadcast);
      if (!brd) throw new RangeError(`${what}: broadcast ${a.broadcast} is not an IPv4 address`);
      msg.attr(IFA_BROADCAST, brd);
    }
    if (a.label !== undefined) msg.attrString(IFA_LABEL, a.label);
  } else {
    msg.attr(IFA_ADDRESS, bytes);
  }
  return msg;
}

function check(outcome: Outcome, what: string, harmless: readonly number[]): void {
  const errno = outcome.errno ?? 0;
  if (errno === 0 || harmless.includes(errno)) return;
  throw new SyscallError(what, errno, outcome.detail);
}

/**
 * Adds an address (RTM_NEWADDR, create-exclusive): one already there is not an error. IPv6 addresses
 * skip duplicate address detection (IFA_F_NODAD) so a VIP is usable at once, not tentative.
 */
export function addAddress(a: AddressSpec): void {
  const what = `RTM_NEWADDR ${a.address}/${a.prefix} on ${a.ifname}`;
  const msg = addressMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, a, what);
  // IFA_FLAGS carries the flags that do not fit ifaddrmsg's octet; NODAD fits, but both agree.
  if (a.family === 6) msg.attrU32(IFA_FLAGS, IFA_F_NODAD);
  if (a.deprecated) {
    // struct ifa_cacheinfo: preferred 0, valid forever (0xffffffff), two timestamps the kernel fills
    const ci = Buffer.alloc(16);
    ci.writeUInt32LE(0xffffffff, 4);
    msg.attr(IFA_CACHEINFO, ci);
  }
  check(request(msg, what), what, [EEXIST]);
}

/** Deletes an address (RTM_DELADDR); one already gone is not an error. */
export function deleteAddress(a: AddressSpec): void {
  const what = `RTM_DELADDR ${a.address}/${a.prefix} on ${a.ifname}`;
  // The label is left out: the kernel would only use it to refuse a mismatch.
  const msg = addressMessage(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, { ...a, label: undefined }, what);
  check(request(msg, what), what, [EADDRNOTAVAIL, ENOENT]);
}

function formatMac(b: Buffer | undefined): string {
  if (!b) return '';
  return [...b].map((o) => o.toString(16).padStart(2, '0')).join(':');
}

function linkState(m: Message): LinkState | undefined {
  if (m.bytes.length < NLMSG_HDRLEN + IFINFOMSG_LEN) return undefined;
  // struct ifinfomsg: family, pad, type (u16), index (i32), flags (u32), change (u32)
  const ifindex = m.bytes.readInt32LE(NLMSG_HDRLEN + 4);
  const flags = m.bytes.readUInt32LE(NLMSG_HDRLEN + 8);
  const attrs = attributes(m.bytes, NLMSG_HDRLEN + IFINFOMSG_LEN);
  return {
    ifname: cString(attrs.get(IFLA_IFNAME)),
    ifindex,
    up: m.type === RTM_NEWLINK && (flags & IFF_UP) !== 0 && (flags & IFF_RUNNING) !== 0,
    mac: formatMac(attrs.get(IFLA_ADDRESS)),
  };
}

/** The link's state now (RTM_GETLINK by name), or undefined when there is no such link. */
export function getLink(ifname: string): LinkState | undefined {
  const what = `RTM_GETLINK ${ifname}`;
  const msg = new NlMessage(RTM_GETLINK, NLM_F_REQUEST)
    .body(IFINFOMSG_LEN, () => {
      // all zero: index 0 makes the kernel look the link up by IFLA_IFNAME
    })
    .attrString(IFLA_IFNAME, ifname);
  const outcome = request(msg, what);
  if (outcome.reply?.type === RTM_NEWLINK) return linkState(outcome.reply);
  if (outcome.errno === ENODEV) return undefined;
  check(outcome, what, []);
  throw new Error(`${what}: unexpected answer (type ${outcome.reply?.type})`);
}

/**
 * Calls `onChange` for every RTM_NEWLINK / RTM_DELLINK the kernel multicasts to RTMGRP_LINK (a deleted
 * link comes as up: false). Receive errors go to `onError`; ENOBUFS there means events were lost, so
 * whoever cares should re-read the links it tracks with getLink.
 */
export function watchLinks(
  poller: Poller,
  onChange: (s: LinkState) => void,
  onError?: (e: Error) => void,
): LinkWatch {
  const report = onError ?? ((e: Error) => process.emitWarning(`link watch: ${e.message}`));
  const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) fail('socket(AF_NETLINK)');
  try {
    setReceiveBuffer(fd, WATCH_RECEIVE_BUFFER);
    const local = sockaddrNl(RTMGRP_LINK);
    if (bind(fd, local, local.length) < 0) fail('bind(netlink, RTMGRP_LINK)');
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  const data = Buffer.alloc(65536);
  const hdr = new MsgHdr(data);
  const deliver = (n: number) => {
    for (const m of messages(data, n)) {
      if (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK) continue;
      const s = linkState(m);
      if (!s) continue;
      try {
        onChange(s);
      } catch (e) {
        // One throwing callback must not hide the other links of the same datagram.
        report(e instanceof Error ? e : new Error(String(e)));
      }
    }
  };
  poller.add(fd, {
    coalesceMs: 0,
    drain: () => drainDatagrams(fd, hdr, 'netlink RTMGRP_LINK', deliver, report),
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= poller.remove(fd).then(() => {
        closeFd(fd);
      });
      return closing;
    },
  };
}

function macOctets(mac: string): Buffer {
  const hex = mac.replaceAll(':', '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) throw new RangeError(`not a MAC address: ${mac}`);
  return Buffer.from(hex, 'hex');
}

function linkMessage(type: number, flags: number, ifindex: number, fill?: (b: Buffer, at: number) => void) {
  return new NlMessage(type, flags).body(IFINFOMSG_LEN, (b, at) => {
    // struct ifinfomsg: family AF_UNSPEC, pad, type, index, flags, change
    b.writeInt32LE(ifindex, at + 4);
    fill?.(b, at);
  });
}

/**
 * A macvlan in private mode on `parent`, named `ifname`, with `mac` (keepalived's use_vmac: the virtual
 * router MAC of RFC 5798 §7.3), without IPv6 address autoconfiguration (RFC 5798 §7.4: no link-local of
 * its own from that MAC), then up. An interface of that name already there is replaced.
 */
export function createMacvlan(ifname: string, parent: string, mac: string): LinkState {
  const what = `RTM_NEWLINK macvlan ${ifname} on ${parent}`;
  if (getLink(ifname)) deleteLink(ifname);
  const create = linkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 0)
    .attrString(IFLA_IFNAME, ifname)
    .attrU32(IFLA_LINK, interfaceIndex(parent, what))
    .attr(IFLA_ADDRESS, macOctets(mac))
    .nest(IFLA_LINKINFO, (m) =>
      m
        .attrString(IFLA_INFO_KIND, 'macvlan')
        .nest(IFLA_INFO_DATA, (d) => d.attrU32(IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE)),
    );
  check(request(create, what), what, []);
  const index = interfaceIndex(ifname, what);
  // The address generation mode cannot ride on the create message (the kernel ignores IFLA_AF_SPEC there).
  const gen = `RTM_NEWLINK ${ifname} addrgenmode none`;
  const mode = linkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, index).nest(IFLA_AF_SPEC, (m) =>
    m.nest(AF_INET6, (v6) => v6.attrU8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE)),
  );
  check(request(mode, gen), gen, []);
  setLinkUp(ifname, true);
  const state = getLink(ifname);
  if (!state) throw new Error(`${what}: created, but gone`);
  return state;
}

/** ip link set IFNAME up/down (RTM_NEWLINK with IFF_UP in ifi_change). */
export function setLinkUp(ifname: string, up: boolean): void {
  const what = `RTM_NEWLINK ${ifname} ${up ? 'up' : 'down'}`;
  const msg = linkMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, interfaceIndex(ifname, what), (b, at) => {
    b.writeUInt32LE(up ? IFF_UP : 0, at + 8);
    b.writeUInt32LE(IFF_UP, at + 12);
  });
  check(request(msg, what), what, []);
}

/** Deletes a link (RTM_DELLINK); one already gone is not an error. */
export function deleteLink(ifname: string): void {
  const what = `RTM_DELLINK ${ifname}`;
  const index = ifNameToIndex(ifname);
  if (!index) return;
  check(request(linkMessage(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, index), what), what, [ENODEV]);
}
