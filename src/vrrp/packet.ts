/**
 * VRRP advertisement codec: VRRPv2 (RFC 3768, IPv4) and VRRPv3 (RFC 5798 / RFC 9568, IPv4 and IPv6).
 *
 * Pure: bytes in, values out. The IP layer is not parsed here; callers pass what it said (family,
 * source, destination, TTL/hop limit) as an {@link IpContext}.
 *
 *   v2:  | ver=2 | type | VRID | priority | count | auth type | adver int (s) | checksum |
 *        | IPv4 address * count | authentication data (8 octets, always present) |
 *        checksum: over the VRRP message only.
 *   v3:  | ver=3 | type | VRID | priority | count | rsvd(4) max adver int (12, cs) | checksum |
 *        | IPv4 (4 octets) or IPv6 (16 octets) address * count |
 *        checksum: over an IP pseudo-header + the VRRP message. For IPv4 some implementations leave the
 *        pseudo-header out; decode accepts both forms and says which one matched.
 */
import { formatIPv4, formatIPv6, type IpFamily, parseIp } from './addr.js';

export type Family = IpFamily;

export const VRRP_PROTOCOL = 112;
export const VRRP_TTL = 255;
export const VRRP_MULTICAST_V4 = '224.0.0.18';
export const VRRP_MULTICAST_V6 = 'ff02::12';
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** Fixed header: version/type, VRID, priority, count, v2 auth type + interval | v3 rsvd + interval, checksum. */
export const VRRP_HEADER_LEN = 8;
/** v2 authentication data, present in every v2 packet whatever the auth type. */
export const VRRP_V2_AUTH_LEN = 8;

export const AUTH_NONE = 0;
export const AUTH_SIMPLE = 1;
export const AUTH_AH = 2;

export interface VrrpAdvert {
  version: 2 | 3;
  type: number;
  vrid: number;
  priority: number;
  /** addresses as text (IPv4 dotted / IPv6 compressed lower-case, RFC 5952) */
  addresses: string[];
  /** advertisement interval in MILLISECONDS for both versions (v2 seconds*1000, v3 centiseconds*10) */
  intervalMs: number;
  /** v2 only */
  authType?: number;
  /** v2 only, the 8 octets as sent */
  authData?: Buffer;
  /** v2 auth type 1: authData up to the first NUL (UTF-8) */
  password?: string;
  /** as found in the packet */
  checksum: number;
  /** v3 reserved bits as found */
  reserved?: number;
  /** the count field as found */
  count: number;
}

export interface IpContext {
  family: Family;
  src: string;
  dst: string;
  /** IPv4 TTL / IPv6 hop limit */
  ttl: number;
}

export type ChecksumForm = 'v2' | 'pseudo' | 'message';

export type DropReason =
  /** the IP context is unusable: family not 4/6, or (v3) a source/destination that does not parse */
  | 'bad_ip_context'
  | 'bad_ttl'
  /** fewer than the 8 octets of the fixed header */
  | 'too_short'
  /** version not 2 or 3, or version 2 over IPv6 */
  | 'bad_version'
  | 'bad_type'
  /** count 0: the address list holds one or more addresses (RFC 3768 §5.3.9, RFC 5798 §5.2.9) */
  | 'bad_count'
  /** the payload does not hold the header, `count` addresses and (v2) the 8 octets of auth data */
  | 'bad_length'
  | 'bad_checksum'
  | 'bad_vrid'
  | 'bad_interval'
  /** v2 auth type other than 0, 1, 2 (RFC 3768 §5.3.6: unknown type MUST be discarded) */
  | 'bad_auth'
  /** v3 reserved bits set; only with `{ strictReserved: true }` (RFC 5798 §5.2.6 says ignore them) */
  | 'bad_reserved'
  /** the decoder itself failed on this input (not expected to happen; decodeVrrp never throws) */
  | 'malformed';

export type DecodeResult =
  | {
      ok: true;
      advert: VrrpAdvert;
      checksumForm: ChecksumForm;
      /** octets after the VRRP message (Ethernet padding), ignored */
      padding: number;
      /** things worth logging that are not drops (e.g. v3 reserved bits set) */
      notes: string[];
    }
  | { ok: false; reason: DropReason; detail: string; advert?: Partial<VrrpAdvert> };

export interface DecodeOptions {
  /** drop v3 packets whose reserved bits are not zero (default false: RFC 5798 §5.2.6 ignores them) */
  strictReserved?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Checksum

/** One's complement sum (not yet complemented) of `data` as 16-bit big-endian words, odd octet padded. */
function onesSum(data: Uint8Array, start = 0, end = data.length, acc = 0): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
  if (i < end) sum += (data[i] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function pseudoHeader(family: Family, src: Uint8Array, dst: Uint8Array, length: number): Uint8Array {
  if (family === 4) {
    const ph = new Uint8Array(12);
    ph.set(src, 0);
    ph.set(dst, 4);
    ph[9] = VRRP_PROTOCOL;
    ph[10] = (length >> 8) & 0xff;
    ph[11] = length & 0xff;
    return ph;
  }
  const ph = new Uint8Array(40);
  ph.set(src, 0);
  ph.set(dst, 16);
  ph[32] = (length >>> 24) & 0xff;
  ph[33] = (length >> 16) & 0xff;
  ph[34] = (length >> 8) & 0xff;
  ph[35] = length & 0xff;
  ph[39] = VRRP_PROTOCOL;
  return ph;
}

interface RawPseudo {
  family: Family;
  src: Uint8Array;
  dst: Uint8Array;
}

/** Sum over (pseudo-header +) message with the checksum field (octets 6-7) counted as zero. */
function sumWithoutChecksum(message: Uint8Array, pseudo?: RawPseudo): number {
  let acc = pseudo ? onesSum(pseudoHeader(pseudo.family, pseudo.src, pseudo.dst, message.length)) : 0;
  acc = onesSum(message, 0, Math.min(6, message.length), acc);
  if (message.length > 8) acc = onesSum(message, 8, message.length, acc);
  return acc;
}

/**
 * The VRRP checksum of `message` (the whole VRRP message, header to last address or auth octet), with
 * the checksum field taken as zero whatever it holds. With `ip`, the IPv4/IPv6 pseudo-header (protocol
 * 112, length = message length) is included: VRRPv3's RFC form. Without it: VRRPv2, or the v3/IPv4
 * "message only" form. Throws a RangeError when `ip` holds addresses that do not parse for its family.
 */
export function vrrpChecksum(message: Uint8Array, ip?: { family: Family; src: string; dst: string }): number {
  let pseudo: RawPseudo | undefined;
  if (ip) {
    const src = parseIp(ip.src, ip.family);
    const dst = parseIp(ip.dst, ip.family);
    if (!src || !dst)
      throw new RangeError(`pseudo-header needs IPv${ip.family} addresses: ${ip.src} > ${ip.dst}`);
    pseudo = { family: ip.family, src: src.bytes, dst: dst.bytes };
  }
  return vrrpChecksumRaw(message, pseudo);
}

function vrrpChecksumRaw(message: Uint8Array, pseudo?: RawPseudo): number {
  return ~sumWithoutChecksum(message, pseudo) & 0xffff;
}

/**
 * Receive-side check: the one's complement sum over (pseudo-header +) message, checksum field included,
 * is all ones. Like keepalived's `in_csum(...) == 0`, this also accepts 0xffff where 0x0000 was computed.
 */
function checksumHolds(message: Uint8Array, pseudo?: RawPseudo): boolean {
  const acc = pseudo ? onesSum(pseudoHeader(pseudo.family, pseudo.src, pseudo.dst, message.length)) : 0;
  return onesSum(message, 0, message.length, acc) === 0xffff;
}

// ---------------------------------------------------------------------------------------------------
// Decode

const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

function contextAddress(text: unknown, family: Family): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  // A zone id (fe80::1%eth0) names the interface, not part of the address.
  const bare = family === 6 ? (text.split('%')[0] ?? '') : text;
  return parseIp(bare, family)?.bytes;
}

/** Octets of the VRRP message: header, `count` addresses, and for v2 the 8 octets of auth data. */
function messageLength(family: Family, version: number, count: number): number {
  return VRRP_HEADER_LEN + count * (family === 4 ? 4 : 16) + (version === 2 ? VRRP_V2_AUTH_LEN : 0);
}

function readAddresses(bytes: Uint8Array, family: Family, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = VRRP_HEADER_LEN + i * (family === 4 ? 4 : 16);
    out.push(family === 4 ? formatIPv4(bytes, at) : formatIPv6(bytes, at));
  }
  return out;
}

function passwordOf(authData: Uint8Array): string {
  const nul = authData.indexOf(0);
  return Buffer.from(authData.subarray(0, nul < 0 ? authData.length : nul)).toString('utf8');
}

/** Whether `dst` is the VRRP multicast group of `family` (224.0.0.18, ff02::12), in any textual form. */
export function isVrrpGroup(family: Family, dst: string): boolean {
  // the group's own spelling, as every received packet to it carries: no parse
  if (dst === (family === 4 ? VRRP_MULTICAST_V4 : VRRP_MULTICAST_V6)) return true;
  const got = parseIp(dst.replace(/%.*$/, ''), family);
  return !!got && sameOctets(got.bytes, family === 4 ? GROUP_V4 : GROUP_V6);
}
const GROUP_V4 = parseIp(VRRP_MULTICAST_V4, 4)?.bytes ?? new Uint8Array(4);
const GROUP_V6 = parseIp(VRRP_MULTICAST_V6, 6)?.bytes ?? new Uint8Array(16);

/**
 * Decodes a VRRP message (the IP payload; trailing octets such as Ethernet padding are allowed and
 * ignored) and applies the receive checks that need no configuration (RFC 3768 §7.1, RFC 5798 §7.1),
 * in this order: IP context, TTL 255 (for packets to the VRRP group), fixed header present, version 2|3 (2 only over IPv4), type 1,
 * count >= 1, length, checksum (v3/IPv4: pseudo-header form, else message-only form), VRID != 0,
 * interval != 0, (v2) known auth type, (strict) v3 reserved bits zero. Never throws.
 */
export function decodeVrrp(
  payload: Buffer | Uint8Array,
  ip: IpContext,
  opts: DecodeOptions = {},
): DecodeResult {
  try {
    return decodeUnchecked(payload, ip, opts);
  } catch (err) {
    // Not reached for any input we know of; the promise is "never throws", so keep it.
    return { ok: false, reason: 'malformed', detail: `decoder error: ${String(err)}` };
  }
}

function decodeUnchecked(payload: Uint8Array, ip: IpContext, opts: DecodeOptions): DecodeResult {
  const bytes = payload instanceof Uint8Array ? payload : new Uint8Array(0);
  const family = ip?.family;
  if (family !== 4 && family !== 6) {
    return { ok: false, reason: 'bad_ip_context', detail: `IP family ${String(family)} is neither 4 nor 6` };
  }

  const partial: Partial<VrrpAdvert> = {};
  if (bytes.length >= VRRP_HEADER_LEN) {
    const b0 = bytes[0] ?? 0;
    const v = b0 >> 4;
    partial.type = b0 & 0x0f;
    partial.vrid = bytes[1] ?? 0;
    partial.priority = bytes[2] ?? 0;
    partial.count = bytes[3] ?? 0;
    partial.checksum = ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0);
    if (v === 2) {
      partial.version = 2;
      partial.authType = bytes[4] ?? 0;
      partial.intervalMs = (bytes[5] ?? 0) * 1000;
    } else if (v === 3) {
      partial.version = 3;
      partial.reserved = (bytes[4] ?? 0) >> 4;
      partial.intervalMs = ((((bytes[4] ?? 0) & 0x0f) << 8) | (bytes[5] ?? 0)) * 10;
    }
    // Addresses and auth data too, when they are there: a drop (bad TTL, bad checksum...) still says what
    // the packet claimed.
    if ((v === 2 && family === 4) || v === 3) {
      const len = messageLength(family, v, partial.count);
      if (partial.count > 0 && bytes.length >= len) {
        partial.addresses = readAddresses(bytes, family, partial.count);
        if (v === 2) {
          partial.authData = Buffer.from(bytes.subarray(len - VRRP_V2_AUTH_LEN, len));
          if (partial.authType === AUTH_SIMPLE) partial.password = passwordOf(partial.authData);
        }
      }
    }
  }
  const drop = (reason: DropReason, detail: string): DecodeResult => ({
    ok: false,
    reason,
    detail,
    ...(Object.keys(partial).length > 0 ? { advert: partial } : {}),
  });

  // RFC 3768/5798 §7.1's TTL rule is for the multicast group. A packet addressed to a unicast address is
  // keepalived's unicast_peer extension, which may cross routers: keepalived 2.2.7 (vrrp.c) skips the
  // check then, and sends IPv6 unicast at the kernel's default hop limit (64) unless unicast_ttl is set.
  const ttl = ip.ttl;
  if (ttl !== VRRP_TTL && isVrrpGroup(family, ip.dst)) {
    return drop('bad_ttl', `IP ${family === 4 ? 'TTL' : 'hop limit'} is ${String(ttl)}, must be ${VRRP_TTL}`);
  }
  if (bytes.length < VRRP_HEADER_LEN) {
    return drop('too_short', `${bytes.length} octets, the VRRP header alone is ${VRRP_HEADER_LEN}`);
  }
  const version = (bytes[0] ?? 0) >> 4;
  if (version !== 2 && version !== 3) return drop('bad_version', `version ${version}, expected 2 or 3`);
  if (version === 2 && family === 6) return drop('bad_version', 'VRRPv2 is IPv4 only, received over IPv6');
  const type = (bytes[0] ?? 0) & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) {
    return drop('bad_type', `type ${type}, only ${VRRP_TYPE_ADVERTISEMENT} (ADVERTISEMENT) is defined`);
  }
  const count = bytes[3] ?? 0;
  if (count === 0) return drop('bad_count', 'count of addresses is 0, an advertisement carries one or more');

  const addrLen = family === 4 ? 4 : 16;
  const authLen = version === 2 ? VRRP_V2_AUTH_LEN : 0;
  const messageLen = messageLength(family, version, count);
  if (bytes.length < messageLen) {
    return drop(
      'bad_length',
      `${bytes.length} octets, count ${count} needs ${messageLen} (${VRRP_HEADER_LEN} header + ${count}x${addrLen} addresses${
        authLen ? ` + ${authLen} auth data` : ''
      })`,
    );
  }
  const addresses = partial.addresses ?? readAddresses(bytes, family, count);

  const message = bytes.subarray(0, messageLen);
  let checksumForm: ChecksumForm;
  if (version === 2) {
    if (!checksumHolds(message)) {
      return drop(
        'bad_checksum',
        `checksum ${hex4(partial.checksum ?? 0)}, computed ${hex4(vrrpChecksumRaw(message))} (VRRPv2, no pseudo-header)`,
      );
    }
    checksumForm = 'v2';
  } else {
    const src = contextAddress(ip.src, family);
    const dst = contextAddress(ip.dst, family);
    if (!src || !dst) {
      return drop(
        'bad_ip_context',
        `VRRPv3 checksum needs the IPv${family} source and destination, got ${String(ip.src)} > ${String(ip.dst)}`,
      );
    }
    const pseudo: RawPseudo = { family, src, dst };
    if (checksumHolds(message, pseudo)) {
      checksumForm = 'pseudo';
    } else if (family === 4 && checksumHolds(message)) {
      checksumForm = 'message';
    } else {
      const computed = `pseudo-header form ${hex4(vrrpChecksumRaw(message, pseudo))}${
        family === 4 ? `, message-only form ${hex4(vrrpChecksumRaw(message))}` : ''
      }`;
      return drop('bad_checksum', `checksum ${hex4(partial.checksum ?? 0)}, computed ${computed}`);
    }
  }

  if ((partial.vrid ?? 0) === 0) return drop('bad_vrid', 'VRID 0 is not a valid virtual router id (1..255)');
  if ((partial.intervalMs ?? 0) === 0) {
    return drop('bad_interval', `advertisement interval 0 ${version === 2 ? 's' : 'cs'}`);
  }
  if (version === 2 && (partial.authType ?? 0) > AUTH_AH) {
    return drop('bad_auth', `unknown auth type ${partial.authType}, expected 0 (none), 1 (simple) or 2 (AH)`);
  }
  const notes: string[] = [];
  if (version === 3 && (partial.reserved ?? 0) !== 0) {
    const text = `reserved bits ${hex2(partial.reserved ?? 0)} are not zero`;
    if (opts.strictReserved) return drop('bad_reserved', text);
    notes.push(`${text} (ignored, RFC 5798 §5.2.6)`);
  }

  const advert: VrrpAdvert = {
    version,
    type,
    vrid: partial.vrid ?? 0,
    priority: partial.priority ?? 0,
    addresses,
    intervalMs: partial.intervalMs ?? 0,
    checksum: partial.checksum ?? 0,
    count,
  };
  if (version === 2) {
    advert.authType = partial.authType ?? 0;
    advert.authData = partial.authData ?? Buffer.alloc(VRRP_V2_AUTH_LEN);
    if (partial.password !== undefined) advert.password = partial.password;
  } else {
    advert.reserved = partial.reserved ?? 0;
  }
  return { ok: true, advert, checksumForm, padding: bytes.length - messageLen, notes };
}

// ---------------------------------------------------------------------------------------------------
// Encode

export interface EncodeInput {
  version: 2 | 3;
  /** default 1 (ADVERTISEMENT); anything else crafts a 'bad_type' packet */
  type?: number;
  /** 0..255 (0 crafts 'bad_vrid') */
  vrid: number;
  /** 0..255 */
  priority: number;
  /** IPv4 addresses for family 4, IPv6 for family 6 */
  addresses: string[];
  /** v2: a multiple of 1000 up to 255000; v3: a multiple of 10 up to 40950 (0 crafts 'bad_interval') */
  intervalMs: number;
  /** count field override (default addresses.length), to craft 'bad_count' / 'bad_length' */
  count?: number;
  /** v2 auth type (0..255); default 1 (simple) when `password` or `authData` is given, else 0 (none) */
  authType?: number;
  /** v2 auth type 1 password, at most 8 octets in UTF-8, zero padded on the wire */
  password?: string;
  /** v2 raw authentication data (exactly 8 octets); wins over `password` */
  authData?: Uint8Array;
  /** v3 reserved bits, 0..15 (default 0; anything else crafts a reserved-bits packet) */
  reserved?: number;
}

export interface EncodeOptions {
  /** v3 checksum form (default 'pseudo', the RFC one). Ignored for v2, which has no pseudo-header. */
  checksumForm?: 'pseudo' | 'message';
  /** write this checksum instead of the computed one, to craft a 'bad_checksum' packet */
  checksum?: number;
  /** overwrite the version nibble after the checksum is computed, to craft a 'bad_version' packet */
  versionField?: number;
}

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..${max}, got ${value}`);
  }
}

/**
 * Builds a VRRP message (the IP payload). v2 auth type defaults to 1 when a password or auth data is
 * given, else 0. Throws a RangeError on values that do not fit their wire fields, addresses that do not
 * parse for `ip.family`, or v2 over IPv6; everything that fits is encoded, so bad packets can be crafted.
 */
export function encodeVrrp(
  advert: EncodeInput,
  ip: { family: Family; src: string; dst: string },
  opts: EncodeOptions = {},
): Buffer {
  const version = advert.version;
  const family = ip.family;
  if (family !== 4 && family !== 6) throw new RangeError(`IP family must be 4 or 6, got ${String(family)}`);
  if (version !== 2 && version !== 3) throw new RangeError(`version must be 2 or 3, got ${String(version)}`);
  if (version === 2 && family === 6) throw new RangeError('VRRPv2 is IPv4 only');
  const type = advert.type ?? VRRP_TYPE_ADVERTISEMENT;
  checkUint('type', type, 15);
  checkUint('vrid', advert.vrid, 255);
  checkUint('priority', advert.priority, 255);
  const count = advert.count ?? advert.addresses.length;
  checkUint('count', count, 255);

  const addrLen = family === 4 ? 4 : 16;
  const authLen = version === 2 ? VRRP_V2_AUTH_LEN : 0;
  const buf = Buffer.alloc(VRRP_HEADER_LEN + advert.addresses.length * addrLen + authLen);
  buf[0] = (version << 4) | type;
  buf[1] = advert.vrid;
  buf[2] = advert.priority;
  buf[3] = count;

  if (version === 2) {
    if (advert.intervalMs % 1000 !== 0) {
      throw new RangeError(`VRRPv2 interval is whole seconds, got ${advert.intervalMs} ms`);
    }
    const seconds = advert.intervalMs / 1000;
    checkUint('VRRPv2 interval (s)', seconds, 255);
    let authData: Uint8Array = new Uint8Array(VRRP_V2_AUTH_LEN);
    if (advert.authData !== undefined) {
      if (advert.authData.length !== VRRP_V2_AUTH_LEN) {
        throw new RangeError(`authData must be ${VRRP_V2_AUTH_LEN} octets, got ${advert.authData.length}`);
      }
      authData = advert.authData;
    } else if (advert.password !== undefined) {
      const pw = Buffer.from(advert.password, 'utf8');
      if (pw.length > VRRP_V2_AUTH_LEN) {
        throw new RangeError(`password is ${pw.length} octets, at most ${VRRP_V2_AUTH_LEN} fit`);
      }
      authData.set(pw);
    }
    const authType =
      advert.authType ??
      (advert.password !== undefined || advert.authData !== undefined ? AUTH_SIMPLE : AUTH_NONE);
    checkUint('authType', authType, 255);
    buf[4] = authType;
    buf[5] = seconds;
    buf.set(authData, buf.length - VRRP_V2_AUTH_LEN);
  } else {
    if (advert.intervalMs % 10 !== 0) {
      throw new RangeError(`VRRPv3 interval is whole centiseconds, got ${advert.intervalMs} ms`);
    }
    const cs = advert.intervalMs / 10;
    checkUint('VRRPv3 interval (cs)', cs, 0xfff);
    const reserved = advert.reserved ?? 0;
    checkUint('reserved', reserved, 15);
    buf[4] = (reserved << 4) | (cs >> 8);
    buf[5] = cs & 0xff;
  }

  advert.addresses.forEach((text, i) => {
    const parsed = parseIp(text, family);
    if (!parsed) throw new RangeError(`${text} is not an IPv${family} address`);
    buf.set(parsed.bytes, VRRP_HEADER_LEN + i * addrLen);
  });

  let checksum: number;
  if (opts.checksum !== undefined) {
    checkUint('checksum', opts.checksum, 0xffff);
    checksum = opts.checksum;
  } else if (version === 3 && (opts.checksumForm ?? 'pseudo') === 'pseudo') {
    checksum = vrrpChecksum(buf, ip);
  } else {
    checksum = vrrpChecksum(buf);
  }
  buf.writeUInt16BE(checksum, 6);
  if (opts.versionField !== undefined) {
    checkUint('versionField', opts.versionField, 15);
    buf[0] = (opts.versionField << 4) | type;
  }
  return buf;
}

// ---------------------------------------------------------------------------------------------------
// Configuration-dependent receive checks

export interface InstanceConfig {
  vrid: number;
  version: 2 | 3;
  /** v2: configured auth type (default 0, none) */
  authType?: number;
  /** v2 auth type 1 password as configured; compared like keepalived: first 8 octets, zero padded */
  password?: string;
  /** configured advertisement interval; a v2 mismatch drops, a v3 one is adopted by a backup */
  intervalMs?: number;
  /** configured virtual addresses, any textual form */
  addresses?: string[];
  /** local priority; 255 means this router owns the addresses and must not accept adverts for them */
  priority?: number;
  /**
   * keepalived's unicast_peer: non-empty puts the instance in unicast mode, where an advert must come to
   * a unicast address (and in multicast mode to the group), as keepalived 2.2.7 checks
   */
  unicastPeers?: string[];
  /** keepalived's check_unicast_src: in unicast mode, the sender must be one of `unicastPeers` */
  checkUnicastSrc?: boolean;
  /** with checkUnicastSrc: a peer's accepted TTL / hop limit range (its min_ttl / max_ttl) */
  unicastPeerTtl?: { address: string; min: number; max: number }[];
}

export type InstanceDropReason =
  | 'version_mismatch'
  | 'unconfigured_vrid'
  | 'local_owner'
  | 'auth_type_mismatch'
  | 'bad_password'
  | 'interval_mismatch'
  | 'address_mismatch'
  /** a unicast instance got an advert sent to the VRRP group, or a multicast one an advert sent to it */
  | 'unexpected_multicast'
  | 'unexpected_unicast'
  /** check_unicast_src: the sender is not a configured unicast peer */
  | 'unknown_unicast_peer'
  /** check_unicast_src: the TTL / hop limit is outside the peer's min_ttl..max_ttl */
  | 'unicast_ttl_range';

export type InstanceCheck =
  | { ok: true; note?: string; notes: string[] }
  | { ok: false; reason: InstanceDropReason; detail: string };

function sameOctets(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The 8 octets a configured password puts on the wire (truncated, zero padded), as keepalived does. */
export function passwordAuthData(password: string): Buffer {
  const out = Buffer.alloc(VRRP_V2_AUTH_LEN);
  Buffer.from(password, 'utf8').copy(out, 0, 0, VRRP_V2_AUTH_LEN);
  return out;
}

/** Address text → a key equal for every spelling of one address; remembered (a router sees few). */
const addressKeys = new Map<string, string>();
function addressKey(text: string): string {
  let key = addressKeys.get(text);
  if (key === undefined) {
    const parsed = parseIp(text);
    key = parsed ? `${parsed.family}:${Buffer.from(parsed.bytes).toString('hex')}` : `?:${text}`;
    // bounded: crafted or fuzzed input must not grow it without end
    if (addressKeys.size >= 4096) addressKeys.clear();
    addressKeys.set(text, key);
  }
  return key;
}

/**
 * The RFC 3768 / RFC 5798 §7.1 receive checks that depend on the local configuration, for an advert
 * that passed {@link decodeVrrp}. Order: version, VRID configured, local router not the address owner,
 * (with `ip`) multicast vs unicast destination and check_unicast_src, (v2) auth type and password,
 * interval, address list.
 * - v2 interval mismatch drops; v3 interval mismatch does not (a backup adopts the master's interval).
 * - address list mismatch: v3 logs and accepts (RFC 5798 §7.1); v2 drops it unless the sender is the
 *   address owner, priority 255 (RFC 3768 §7.1: "If the packet was not generated by the address owner
 *   ... the receiver MUST drop the packet").
 */
export function validateForInstance(advert: VrrpAdvert, cfg: InstanceConfig, ip?: IpContext): InstanceCheck {
  const notes: string[] = [];
  const fail = (reason: InstanceDropReason, detail: string): InstanceCheck => ({ ok: false, reason, detail });

  if (advert.version !== cfg.version) {
    return fail('version_mismatch', `VRRPv${advert.version} advert, instance runs VRRPv${cfg.version}`);
  }
  if (advert.vrid !== cfg.vrid)
    return fail('unconfigured_vrid', `VRID ${advert.vrid} is not configured here`);
  if (cfg.priority === 255) {
    return fail('local_owner', `this router owns the addresses of VRID ${cfg.vrid} (priority 255)`);
  }

  if (ip) {
    const unicast = (cfg.unicastPeers?.length ?? 0) > 0;
    const toGroup = isVrrpGroup(ip.family, ip.dst);
    if (unicast && toGroup) {
      return fail('unexpected_multicast', `advert to ${ip.dst}, the instance runs unicast_peer`);
    }
    if (!unicast && !toGroup) {
      return fail('unexpected_unicast', `advert to ${ip.dst}, the instance runs multicast (no unicast_peer)`);
    }
    if (unicast && cfg.checkUnicastSrc) {
      const from = addressKey(ip.src.replace(/%.*$/, ''));
      if (!cfg.unicastPeers?.some((peer) => addressKey(peer) === from)) {
        return fail('unknown_unicast_peer', `advert from ${ip.src}, not a unicast_peer (check_unicast_src)`);
      }
      const range = cfg.unicastPeerTtl?.find((r) => addressKey(r.address) === from);
      if (range && (ip.ttl < range.min || ip.ttl > range.max)) {
        return fail(
          'unicast_ttl_range',
          `TTL/hop limit ${ip.ttl} from ${ip.src}, not in ${range.min}-${range.max}`,
        );
      }
    }
  }

  if (advert.version === 2) {
    const want = cfg.authType ?? AUTH_NONE;
    const got = advert.authType ?? AUTH_NONE;
    if (got !== want) return fail('auth_type_mismatch', `auth type ${got}, configured ${want}`);
    if (want === AUTH_SIMPLE) {
      const expected = passwordAuthData(cfg.password ?? '');
      if (!advert.authData || !sameOctets(advert.authData, expected)) {
        return fail('bad_password', 'authentication data does not match the configured password');
      }
    }
  }

  if (cfg.intervalMs !== undefined && advert.intervalMs !== cfg.intervalMs) {
    if (advert.version === 2) {
      return fail('interval_mismatch', `interval ${advert.intervalMs} ms, configured ${cfg.intervalMs} ms`);
    }
    notes.push(
      `interval ${advert.intervalMs} ms differs from configured ${cfg.intervalMs} ms (adopted as master's)`,
    );
  }

  const configured = cfg.addresses;
  // the usual case first: the same addresses in the configured order
  const inOrder =
    configured !== undefined &&
    advert.count === configured.length &&
    advert.addresses.length === configured.length &&
    advert.addresses.every((a, i) => addressKey(a) === addressKey(configured[i] as string));
  if (cfg.addresses !== undefined && !inOrder) {
    const got = new Set(advert.addresses.map(addressKey));
    const want = new Set(cfg.addresses.map(addressKey));
    const missing = cfg.addresses.filter((a) => !got.has(addressKey(a)));
    const extra = advert.addresses.filter((a) => !want.has(addressKey(a)));
    if (advert.count !== cfg.addresses.length || missing.length > 0 || extra.length > 0) {
      const parts = [`count ${advert.count} (configured ${cfg.addresses.length})`];
      if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
      if (extra.length > 0) parts.push(`unexpected ${extra.join(', ')}`);
      const text = `address list differs from configuration: ${parts.join('; ')}`;
      if (advert.version === 2 && advert.priority !== 255) return fail('address_mismatch', text);
      notes.push(text);
    }
  }

  return notes.length > 0 ? { ok: true, note: notes.join('; '), notes } : { ok: true, notes };
}
