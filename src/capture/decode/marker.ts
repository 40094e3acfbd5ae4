import { type Decoded, ETHERTYPE, parseMac } from './ethernet.js';

/**
 * Fault markers: frames the harness injects into every segment just before a fault, so a capture shows
 * where each fault began. Layout after the Ethernet header (dst ff:ff:ff:ff:ff:ff, EtherType 0x88B5):
 *
 *   "VRRPHARNESS1" (12 ASCII bytes) | N (uint16, big endian) | N bytes of UTF-8 JSON (an object)
 *
 * then zero padding up to the 60-byte Ethernet minimum.
 */
export interface Marker {
  id: string;
  kind: string;
  target?: string;
  [k: string]: unknown;
}

export const MARKER_ETHERTYPE = ETHERTYPE.LOCAL_EXPERIMENTAL_1;
export const MARKER_MAGIC = 'VRRPHARNESS1';
/** Source MAC used when the caller gives none (locally administered, unicast). */
export const MARKER_DEFAULT_SRC = '02:76:72:72:70:00';
/** JSON bytes that fit one standard frame: 1500-byte payload less magic and length. */
export const MARKER_MAX_JSON = 1500 - MARKER_MAGIC.length - 2;

const MAGIC = Buffer.from(MARKER_MAGIC, 'ascii');
const BROADCAST = Buffer.alloc(6, 0xff);
const MIN_FRAME = 60;

/** The complete Ethernet frame for `m` (no FCS), padded to 60 bytes. Throws if `m` is not a valid marker. */
export function encodeMarker(m: Marker, srcMac: string = MARKER_DEFAULT_SRC): Buffer {
  const problem = markerProblem(m);
  if (problem) throw new TypeError(`invalid marker: ${problem}`);
  const json = Buffer.from(JSON.stringify(m), 'utf8');
  if (json.length > MARKER_MAX_JSON) {
    throw new RangeError(`marker JSON is ${json.length} bytes; at most ${MARKER_MAX_JSON} fit in one frame`);
  }
  const header = Buffer.alloc(14 + MAGIC.length + 2);
  BROADCAST.copy(header, 0);
  parseMac(srcMac).copy(header, 6);
  header.writeUInt16BE(MARKER_ETHERTYPE, 12);
  MAGIC.copy(header, 14);
  header.writeUInt16BE(json.length, 14 + MAGIC.length);
  const frame = Buffer.concat([header, json]);
  return frame.length >= MIN_FRAME ? frame : Buffer.concat([frame, Buffer.alloc(MIN_FRAME - frame.length)]);
}

/** True when an EtherType 0x88B5 payload starts with our magic (other experiments may share the type). */
export function isMarkerPayload(payload: Buffer): boolean {
  return payload.length >= MAGIC.length && payload.subarray(0, MAGIC.length).equals(MAGIC);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes the payload after the Ethernet header. Call it only when `isMarkerPayload` holds. */
export function decodeMarker(payload: Buffer): Decoded<Marker> {
  const start = MAGIC.length + 2;
  if (payload.length < start) return { error: `marker: truncated length field (${payload.length} bytes)` };
  const n = payload.readUInt16BE(MAGIC.length);
  if (payload.length < start + n) {
    return { error: `marker: truncated JSON (${n} bytes declared, ${payload.length - start} present)` };
  }
  let text: string;
  try {
    text = utf8.decode(payload.subarray(start, start + n));
  } catch {
    return { error: 'marker: JSON text is not valid UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: `marker: bad JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const problem = markerProblem(parsed);
  if (problem) return { error: `marker: ${problem}` };
  return { value: parsed as Marker };
}

function markerProblem(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'not a JSON object';
  const o = m as Record<string, unknown>;
  if (typeof o.id !== 'string') return '"id" is not a string';
  if (typeof o.kind !== 'string') return '"kind" is not a string';
  if (o.target !== undefined && typeof o.target !== 'string') return '"target" is not a string';
  return undefined;
}
