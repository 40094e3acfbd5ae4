import type { Decoded } from './ethernet.js';

export interface L4Header {
  proto: 'tcp' | 'udp';
  srcPort: number;
  dstPort: number;
  /** TCP only: the set flags in the order F S R P A U E C, e.g. `S`, `SA`, `FA`, `R`, `RA`, `PA`. */
  tcpFlags?: string;
  /** Bytes of application data the headers declare (also when the capture holds fewer). */
  payloadLen: number;
}

const TCP_FLAG_LETTERS = 'FSRPAUEC';

/** TCP flag byte (FIN = bit 0 … CWR = bit 7) as letters, FIN first: 0x12 is `SA`, 0x14 is `RA`. */
export function tcpFlagString(flags: number): string {
  let s = '';
  for (let bit = 0; bit < 8; bit++) if (flags & (1 << bit)) s += TCP_FLAG_LETTERS[bit];
  return s;
}

/**
 * `buf` is the IP payload as captured; `upperLen` is its length as the IP header declares it.
 * `firstFragment`: the datagram is fragmented and this is its first fragment, so the UDP length may
 * exceed what this packet carries.
 */
export function decodeUdp(buf: Buffer, upperLen: number, firstFragment = false): Decoded<L4Header> {
  if (buf.length < 8) return { error: `udp: truncated header (${buf.length} of 8 bytes)` };
  const length = buf.readUInt16BE(4);
  const value: L4Header = {
    proto: 'udp',
    srcPort: buf.readUInt16BE(0),
    dstPort: buf.readUInt16BE(2),
    payloadLen: Math.max(0, length - 8),
  };
  if (length < 8) return { value, error: `udp: length field ${length} < 8` };
  if (!firstFragment && length > upperLen) {
    return { value, error: `udp: length field ${length} exceeds the IP payload (${upperLen} bytes)` };
  }
  return { value };
}

/** For a first fragment, `payloadLen` counts the data in this fragment only. */
export function decodeTcp(buf: Buffer, upperLen: number): Decoded<L4Header> {
  if (buf.length < 20) return { error: `tcp: truncated header (${buf.length} of 20 bytes)` };
  const dataOffset = ((buf[12] as number) >> 4) * 4;
  const value: L4Header = {
    proto: 'tcp',
    srcPort: buf.readUInt16BE(0),
    dstPort: buf.readUInt16BE(2),
    tcpFlags: tcpFlagString(buf[13] as number),
    payloadLen: Math.max(0, upperLen - dataOffset),
  };
  if (dataOffset < 20) return { value, error: `tcp: data offset ${dataOffset} < 20` };
  if (dataOffset > upperLen) {
    return { value, error: `tcp: data offset ${dataOffset} exceeds the IP payload (${upperLen} bytes)` };
  }
  return { value };
}
