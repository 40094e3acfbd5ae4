import koffi from 'koffi';

/**
 * Raw Ethernet frames out of one interface (AF_PACKET), through libc via koffi: Node has no packet
 * sockets, and one process that keeps its socket open sends in microseconds where spawning a tool per
 * frame would take milliseconds. Send-only: the protocol is 0, so the kernel queues nothing to read.
 */
const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;

const libc = koffi.load('libc.so.6');
const SockaddrLl = koffi.struct('sockaddr_ll', {
  sll_family: 'uint16',
  sll_protocol: 'uint16',
  sll_ifindex: 'int',
  sll_hatype: 'uint16',
  sll_pkttype: 'uint8',
  sll_halen: 'uint8',
  sll_addr: koffi.array('uint8', 8),
});
const socket = libc.func('int socket(int domain, int type, int protocol)');
const bind = libc.func('int bind(int fd, const sockaddr_ll *addr, uint32_t len)');
const send = libc.func('long send(int fd, const void *buf, size_t len, int flags)');
const close = libc.func('int close(int fd)');
const ifNameToIndex = libc.func('unsigned int if_nametoindex(const char *name)');

export interface PacketSocket {
  readonly ifname: string;
  send(frame: Buffer): void;
  close(): void;
}

function fail(what: string): never {
  throw new Error(`${what}: errno ${koffi.errno()}`);
}

export function openPacketSocket(ifname: string): PacketSocket {
  const ifindex = ifNameToIndex(ifname) as number;
  if (!ifindex) fail(`no interface ${ifname}`);
  const fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) fail('socket(AF_PACKET)');
  const addr = {
    sll_family: AF_PACKET,
    sll_protocol: 0,
    sll_ifindex: ifindex,
    sll_hatype: 0,
    sll_pkttype: 0,
    sll_halen: 0,
    sll_addr: [0, 0, 0, 0, 0, 0, 0, 0],
  };
  if ((bind(fd, addr, koffi.sizeof(SockaddrLl)) as number) < 0) {
    close(fd);
    fail(`bind(${ifname})`);
  }
  return {
    ifname,
    send(frame: Buffer) {
      const n = send(fd, frame, frame.length, 0) as number;
      if (n !== frame.length) fail(`send on ${ifname}`);
    },
    close() {
      close(fd);
    },
  };
}
