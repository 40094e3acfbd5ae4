/**
 * Link layer: Ethernet II (linktype 1), with 802.1Q / 802.1ad tags skipped, and the helpers every
 * decoder shares. Decoders never throw on bad bytes: they return what they could read and an error.
 */

/** What a layer decoder returns: `value` when the layer could be read (maybe partly), `error` when not all is well. */
export interface Decoded<T> {
  value?: T;
  error?: string;
}

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  /** IEEE 802 local experimental EtherType 1: our fault markers. */
  LOCAL_EXPERIMENTAL_1: 0x88b5,
  /** Pre-standard QinQ tag, still seen on some switches. */
  QINQ_OLD: 0x9100,
} as const;

const TAG_TYPES: ReadonlySet<number> = new Set([ETHERTYPE.VLAN, ETHERTYPE.QINQ, ETHERTYPE.QINQ_OLD]);

export interface EthernetHeader {
  /** Lower-case colon form, e.g. `00:00:5e:00:01:33`. */
  dst: string;
  src: string;
  /** EtherType after any VLAN tags (a value <= 1500 is an 802.3 length: no upper layer is decoded). */
  type: number;
  /** VLAN id of the outermost tag, when the frame is tagged. */
  vlan?: number;
}

export interface EthernetDecoded extends Decoded<EthernetHeader> {
  /** The bytes after the header and tags (still with any Ethernet padding). */
  payload?: Buffer;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `len` bytes from `off` as lower-case colon-separated hex (a MAC address when len is 6). */
export function formatMac(buf: Buffer, off = 0, len = 6): string {
  const parts: string[] = [];
  for (let i = off; i < off + len; i++) parts.push(HEX[buf[i] ?? 0] as string);
  return parts.join(':');
}

const MAC_RE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;

/** `aa:bb:cc:dd:ee:ff` (or with `-`) to 6 bytes; throws on anything else. */
export function parseMac(mac: string): Buffer {
  const norm = mac.replaceAll('-', ':');
  if (!MAC_RE.test(norm)) throw new Error(`not a MAC address: ${JSON.stringify(mac)}`);
  return Buffer.from(norm.replaceAll(':', ''), 'hex');
}

export interface TagWalk {
  type: number;
  offset: number;
  vlan?: number;
  error?: string;
}

/**
 * Skips VLAN tags starting at `off`, where `type` is the EtherType just read. Returns the inner
 * EtherType, the offset of the payload and the outer VLAN id. Used by Ethernet and Linux cooked headers.
 */
export function skipVlanTags(buf: Buffer, type: number, off: number): TagWalk {
  let vlan: number | undefined;
  let t = type;
  let o = off;
  while (TAG_TYPES.has(t)) {
    if (buf.length < o + 4) {
      return { type: t, offset: o, vlan, error: `vlan tag truncated (${buf.length - o} of 4 bytes)` };
    }
    vlan ??= buf.readUInt16BE(o) & 0x0fff;
    t = buf.readUInt16BE(o + 2);
    o += 4;
  }
  return vlan === undefined ? { type: t, offset: o } : { type: t, offset: o, vlan };
}

export function decodeEthernet(buf: Buffer): EthernetDecoded {
  if (buf.length < 14) return { error: `ethernet: truncated header (${buf.length} of 14 bytes)` };
  const walk = skipVlanTags(buf, buf.readUInt16BE(12), 14);
  const value: EthernetHeader = { dst: formatMac(buf, 0), src: formatMac(buf, 6), type: walk.type };
  if (walk.vlan !== undefined) value.vlan = walk.vlan;
  if (walk.error) return { value, error: `ethernet: ${walk.error}` };
  return { value, payload: buf.subarray(walk.offset) };
}
