import type { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

/** One captured frame of a classic (microsecond) pcap file. */
export interface PcapRecord {
  /** The file's link-layer header type (1 Ethernet, 113 Linux cooked, …). */
  linkType: number;
  /** Capture time in microseconds since the epoch: an exact integer (below 2^53 until the year 2255). */
  tsUs: number;
  /** Bytes saved in the file (`data.length`). */
  caplen: number;
  /** Bytes the frame had on the wire. */
  len: number;
  data: Buffer;
}

export const LINKTYPE = { ETHERNET: 1, LINUX_SLL: 113, LINUX_SLL2: 276 } as const;

/** A pcap file that cannot be read; the message starts with the file name. */
export class PcapError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'PcapError';
  }
}

export interface ReadPcapOptions {
  /** Records decoded ahead of the consumer before the file stream is paused (resumed at half). Default 256. */
  highWaterMark?: number;
}

// pcap-parser is CommonJS without types: load it through require and describe the part we use.
interface PcapParserEvents {
  on(event: 'globalHeader', fn: (h: { snapshotLength: number; linkLayerType: number }) => void): this;
  on(event: 'packetHeader', fn: (h: { capturedLength: number }) => void): this;
  on(event: 'packet', fn: (p: { header: RawPacketHeader; data: Buffer }) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'end', fn: () => void): this;
}
interface RawPacketHeader {
  timestampSeconds: number;
  timestampMicroseconds: number;
  capturedLength: number;
  originalLength: number;
}
type PcapParser = PcapParserEvents & EventEmitter;
const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(input: Readable): PcapParser };

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's own ceiling for a record (MAXIMUM_SNAPLEN); beyond it a file is corrupt, not merely big. */
const MAX_SNAPLEN = 262_144;

/** Records of a classic microsecond pcap file, read as a stream. Errors name the file. */
export async function* readPcap(
  file: string,
  opts: ReadPcapOptions = {},
): AsyncGenerator<PcapRecord, void, undefined> {
  // Opened on first next(), not at the call: an iterator never started holds no file descriptor.
  yield* readPcapStream(createReadStream(file), file, opts);
}

export async function readAll(file: string, opts: ReadPcapOptions = {}): Promise<PcapRecord[]> {
  const out: PcapRecord[] = [];
  for await (const rec of readPcap(file, opts)) out.push(rec);
  return out;
}

/**
 * pcap-parser's events as an async iterator. The stream is paused while `highWaterMark` records wait
 * for the consumer and destroyed when iteration ends (also on `break` or an error). Records read before
 * a problem (a truncated tail, say) are yielded first, then the iterator rejects with a `PcapError`.
 */
export async function* readPcapStream(
  input: Readable,
  name: string,
  opts: ReadPcapOptions = {},
): AsyncGenerator<PcapRecord, void, undefined> {
  const high = Math.max(1, opts.highWaterMark ?? 256);
  const low = Math.floor(high / 2);
  const queue: PcapRecord[] = [];
  let failure: PcapError | undefined;
  let ended = false;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (message: string, cause?: unknown) => {
    if (failure || ended) return;
    failure = new PcapError(name, message, cause === undefined ? undefined : { cause });
    input.destroy();
    notify();
  };

  // Byte accounting finds what pcap-parser lets pass silently: a file cut inside a record, or too short
  // for the file header, simply "ends" there.
  let bytesIn = 0;
  let bytesUsed = 0;
  let linkType = -1;
  let snaplen = 0;
  let records = 0;
  let pendingCaplen = -1;

  const parser = pcapParser.parse(input);
  input.on('data', (chunk: Buffer) => {
    bytesIn += chunk.length;
  });
  parser.on('globalHeader', (h) => {
    linkType = h.linkLayerType;
    snaplen = h.snapshotLength;
    bytesUsed = GLOBAL_HEADER;
  });
  parser.on('packetHeader', (h) => {
    pendingCaplen = h.capturedLength;
    if (h.capturedLength > Math.max(snaplen, MAX_SNAPLEN)) {
      fail(
        `record ${records + 1} at byte ${bytesUsed}: captured length ${h.capturedLength} exceeds ` +
          `the snapshot length ${snaplen} (corrupt file?)`,
      );
    }
  });
  parser.on('packet', ({ header: h, data }) => {
    if (failure) return;
    records++;
    bytesUsed += RECORD_HEADER + h.capturedLength;
    pendingCaplen = -1;
    queue.push({
      linkType,
      tsUs: h.timestampSeconds * 1_000_000 + h.timestampMicroseconds,
      caplen: h.capturedLength,
      len: h.originalLength,
      data,
    });
    if (!paused && queue.length >= high) {
      paused = true;
      input.pause();
    }
    notify();
  });
  parser.on('error', (err) => fail(explain(err), err));
  parser.on('end', () => {
    // pcap-parser also emits 'end' right after its own 'error' (bad magic): fail() ignores it then.
    if (failure) return;
    if (linkType < 0) {
      return fail(
        bytesIn === 0
          ? 'empty file, not a pcap capture'
          : `${bytesIn} bytes, too short for the ${GLOBAL_HEADER}-byte pcap file header`,
      );
    }
    const left = bytesIn - bytesUsed;
    if (left > 0 && pendingCaplen >= 0) {
      return fail(
        `truncated: record ${records + 1} at byte ${bytesUsed} declares ${pendingCaplen} bytes, ` +
          `the file ends after ${left - RECORD_HEADER}`,
      );
    }
    if (left > 0) {
      return fail(`truncated: ${left} bytes at the end are less than a ${RECORD_HEADER}-byte record header`);
    }
    ended = true;
    notify();
  });

  try {
    for (;;) {
      const rec = queue.shift();
      if (rec) {
        if (paused && queue.length <= low && !failure) {
          paused = false;
          input.resume();
        }
        yield rec;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    input.destroy();
  }
}

/** pcap-parser's messages, made actionable. */
function explain(err: Error & { code?: string }): string {
  const magic = /unknown magic number: ([0-9a-f]{8})/.exec(err.message)?.[1];
  if (magic === undefined) return err.code ? `cannot read: ${err.message}` : err.message;
  if (magic === '4d3cb2a1' || magic === 'a1b23c4d') {
    return (
      `nanosecond-resolution pcap (magic 0x${magic}) is not supported, only classic microsecond pcap; ` +
      'convert it with: tcpdump --time-stamp-precision=micro -r IN -w OUT'
    );
  }
  if (magic === '0a0d0d0a') {
    return 'pcapng is not supported, only classic microsecond pcap; convert it with: tcpdump -r IN -w OUT';
  }
  return `not a pcap file (magic 0x${magic})`;
}
