/**
 * The judges' own reading of a VRRP message's bytes, for the cases that rule on what tsvrrpd's codec
 * produced (TX-CHECKSUM, TX-FIELDS, TX-SOURCE-MAC): written from the RFC text, sharing nothing with
 * src/vrrp/, so an encoder bug cannot hide behind the decoder that shares its code.
 */

/** RFC 5798 §7.3 / RFC 3768 §7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6. */
export function rfcVirtualRouterMac(vrid: number, family: 4 | 6): string {
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return ['00', '00', '5e', '00', family === 4 ? '01' : '02', hex(vrid)].join(':');
}

/** RFC 1071: the 16-bit one's complement of the one's complement sum; 0 over data that holds its checksum. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) sum += ((p[i] ?? 0) << 8) | (p[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipv4Bytes(text: string): Uint8Array {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) {
    throw new RangeError(`not an IPv4 address: ${text}`);
  }
  return Uint8Array.from(parts);
}

function ipv6Bytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  // A trailing dotted quad (::192.0.2.1) is two 16-bit groups.
  const s = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (q) => {
    const v4 = ipv4Bytes(q);
    const w = (i: number) => (((v4[i] ?? 0) << 8) | (v4[i + 1] ?? 0)).toString(16);
    return `${w(0)}:${w(2)}`;
  });
  const halves = s.split('::');
  if (halves.length > 2) throw new RangeError(`not an IPv6 address: ${text}`);
  const group = (h: string | undefined) => (h ? h.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const head = group(halves[0]);
  const rest = group(halves[1]);
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) throw new RangeError(`not an IPv6 address: ${text}`);
  const words = [...head, ...new Array<number>(fill).fill(0), ...rest];
  words.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 0 || w > 0xffff) throw new RangeError(`not an IPv6 address: ${text}`);
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** An address's octets (4 or 16), from its text. */
export function addressBytes(text: string): Uint8Array {
  return text.includes(':') ? ipv6Bytes(text) : ipv4Bytes(text);
}

/** An address's octets as hex, so that text forms (::c000:201, ::192.0.2.1) compare equal. */
export function addressHex(text: string): string {
  return Buffer.from(addressBytes(text)).toString('hex');
}

/**
 * The pseudo-header RFC 5798 §5.2.8 and RFC 9568 §5.2.8 add for v3: RFC 8200 §8.1 for IPv6 (source,
 * destination, 32-bit upper-layer length, three zero octets, next header 112); RFC 768's form for IPv4
 * (source, destination, zero, protocol 112, 16-bit length).
 */
function pseudoHeader(family: 4 | 6, src: string, dst: string, length: number): Uint8Array {
  if (family === 4) {
    return Uint8Array.from([...ipv4Bytes(src), ...ipv4Bytes(dst), 0, 112, length >> 8, length & 0xff]);
  }
  const len = [(length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff];
  return Uint8Array.from([...ipv6Bytes(src), ...ipv6Bytes(dst), ...len, 0, 0, 0, 112]);
}

/**
 * Which checksum the message holds: v2 covers the VRRP message alone (RFC 3768 §5.3.8); v3 adds the
 * pseudo-header (RFC 5798 §5.2.8). `message` is a v3 message whose checksum covers only itself (what
 * some v3-over-IPv4 speakers send; recorded, and not accepted as the RFC's form).
 */
export type WireChecksum = 'v2' | 'pseudo' | 'message' | 'bad';

export function checksumOf(message: Uint8Array, family: 4 | 6, src: string, dst: string): WireChecksum {
  const version = (message[0] ?? 0) >> 4;
  const alone = internetChecksum(message) === 0;
  if (version === 2) return alone ? 'v2' : 'bad';
  if (internetChecksum(pseudoHeader(family, src, dst, message.length), message) === 0) return 'pseudo';
  return alone ? 'message' : 'bad';
}

/** The fixed header fields as octets on the wire (RFC 3768 §5.1, RFC 5798 §5.1). */
export interface WireFields {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  count: number;
  /** v2: Auth Type (octet 4); v3: the 4 reserved bits */
  authTypeOrReserved: number;
  /** v2: Adver Int in seconds; v3: Max Adver Int in centiseconds; both as ms */
  intervalMs: number;
  /** the address list as hex octets (compare with addressHex of the configured text) */
  addresses: string[];
  /** v2: the 8 octets of authentication data, as latin1 text with trailing NULs removed */
  authData?: string;
}

export function wireFields(message: Uint8Array, family: 4 | 6): WireFields {
  const b = (i: number) => message[i] ?? 0;
  const version = b(0) >> 4;
  const count = b(3);
  const alen = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = message.subarray(8 + i * alen, 8 + (i + 1) * alen);
    addresses.push(Buffer.from(a).toString('hex'));
  }
  const fields: WireFields = {
    version,
    type: b(0) & 0x0f,
    vrid: b(1),
    priority: b(2),
    count,
    authTypeOrReserved: version === 2 ? b(4) : b(4) >> 4,
    intervalMs: version === 2 ? b(5) * 1000 : (((b(4) & 0x0f) << 8) | b(5)) * 10,
    addresses,
  };
  if (version === 2) {
    const at = 8 + count * alen;
    fields.authData = Buffer.from(message.subarray(at, at + 8))
      .toString('latin1')
      .replace(/\0+$/, '');
  }
  return fields;
}
