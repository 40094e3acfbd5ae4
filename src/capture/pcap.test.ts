import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcapError, type PcapRecord, readAll, readPcap, readPcapStream } from './pcap.js';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pcap-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tmpFile(name: string, bytes: Buffer): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}

/** Collects records until the iterator ends or fails; returns both. */
async function drain(it: AsyncIterable<PcapRecord>): Promise<{ recs: PcapRecord[]; error?: unknown }> {
  const recs: PcapRecord[] = [];
  try {
    for await (const r of it) recs.push(r);
    return { recs };
  } catch (error) {
    return { recs, error };
  }
}

/** A little-endian microsecond pcap of `n` Ethernet records of `size` bytes; record i starts with i. */
function synthPcap(n: number, size: number): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const parts = [header];
  for (let i = 0; i < n; i++) {
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(1_700_000_000 + i, 0);
    rh.writeUInt32LE(999_999, 4);
    rh.writeUInt32LE(size, 8);
    rh.writeUInt32LE(size, 12);
    const data = Buffer.alloc(size);
    data.writeUInt32BE(i, 0);
    parts.push(rh, data);
  }
  return Buffer.concat(parts);
}

describe('readAll on the fixtures', () => {
  it.each([
    ['vrrp4-garp.pcap', 19, 1],
    ['vrrp6-na.pcap', 19, 1],
    ['ping-nd.pcap', 30, 1],
    ['tcp-refused.pcap', 2, 1],
    ['marker.pcap', 2, 1],
    ['mld-rs-igmp.pcap', 18, 1],
    ['frag-snap96.pcap', 8, 1],
    ['sll-ping.pcap', 9, 113],
    ['udp.pcap', 4, 1],
  ])('%s: %i records, linktype %i', async (name, count, linkType) => {
    const recs = await readAll(fixture(name));
    expect(recs).toHaveLength(count);
    for (const r of recs) {
      expect(r.linkType).toBe(linkType);
      expect(r.caplen).toBe(r.data.length);
      expect(r.len).toBeGreaterThanOrEqual(r.caplen);
      expect(Number.isSafeInteger(r.tsUs)).toBe(true);
    }
  });

  it('gives exact microsecond timestamps (tcpdump -tt: 1795577977.078404, 1795577977.078435)', async () => {
    const recs = await readAll(fixture('tcp-refused.pcap'));
    expect(recs.map((r) => r.tsUs)).toEqual([1795577977078404, 1795577977078435]);
    expect(recs.map((r) => [r.caplen, r.len])).toEqual([
      [74, 74],
      [54, 54],
    ]);
  });

  it('keeps caplen and len apart for snapped frames', async () => {
    const recs = await readAll(fixture('frag-snap96.pcap'));
    expect(recs.map((r) => [r.caplen, r.len])).toEqual([
      [96, 1514],
      [96, 162],
      [96, 1514],
      [96, 162],
      [96, 1510],
      [96, 222],
      [96, 1510],
      [96, 222],
    ]);
  });

  it('reads a big-endian file the same as its little-endian original', async () => {
    const le = await readFile(fixture('tcp-refused.pcap'));
    const be = Buffer.from(le);
    be.writeUInt32BE(0xa1b2c3d4, 0);
    be.writeUInt16BE(le.readUInt16LE(4), 4);
    be.writeUInt16BE(le.readUInt16LE(6), 6);
    for (const off of [8, 12, 16, 20]) be.writeUInt32BE(le.readUInt32LE(off), off);
    for (let off = 24; off < le.length; ) {
      const caplen = le.readUInt32LE(off + 8);
      for (let k = 0; k < 16; k += 4) be.writeUInt32BE(le.readUInt32LE(off + k), off + k);
      off += 16 + caplen;
    }
    expect(await readAll(await tmpFile('be.pcap', be))).toEqual(await readAll(fixture('tcp-refused.pcap')));
  });
});

describe('readPcap on bad input', () => {
  it('reads a header-only (empty) capture as no records', async () => {
    const header = (await readFile(fixture('tcp-refused.pcap'))).subarray(0, 24);
    expect(await readAll(await tmpFile('header-only.pcap', header))).toEqual([]);
  });

  it('rejects a nanosecond pcap (magic 0xa1b23c4d) naming the file', async () => {
    const bytes = await readFile(fixture('tcp-refused.pcap'));
    bytes.writeUInt32LE(0xa1b23c4d, 0);
    const file = await tmpFile('nano.pcap', bytes);
    const err = await readAll(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcapError);
    expect((err as PcapError).file).toBe(file);
    expect((err as Error).message).toBe(
      `${file}: nanosecond-resolution pcap (magic 0x4d3cb2a1) is not supported, only classic microsecond pcap; ` +
        'convert it with: tcpdump --time-stamp-precision=micro -r IN -w OUT',
    );
  });

  it('rejects pcapng and files that are not pcap at all', async () => {
    const ng = Buffer.alloc(28);
    ng.writeUInt32BE(0x0a0d0d0a, 0);
    const ngFile = await tmpFile('x.pcapng', ng);
    await expect(readAll(ngFile)).rejects.toThrow(`${ngFile}: pcapng is not supported`);
    const text = await tmpFile('text.pcap', Buffer.from('this is not a capture file, honestly\n'));
    await expect(readAll(text)).rejects.toThrow(`${text}: not a pcap file (magic 0x74686973)`);
  });

  it('rejects empty and too-short files', async () => {
    const empty = await tmpFile('empty.pcap', Buffer.alloc(0));
    await expect(readAll(empty)).rejects.toThrow(`${empty}: empty file, not a pcap capture`);
    const short = await tmpFile('short.pcap', (await readFile(fixture('tcp-refused.pcap'))).subarray(0, 10));
    await expect(readAll(short)).rejects.toThrow(
      `${short}: 10 bytes, too short for the 24-byte pcap file header`,
    );
  });

  it('yields the whole records of a file cut inside a record, then rejects', async () => {
    const whole = await readFile(fixture('tcp-refused.pcap')); // 24 + (16 + 74) + (16 + 54) = 184 bytes
    expect(whole).toHaveLength(184);
    const file = await tmpFile('cut-data.pcap', whole.subarray(0, 150));
    const { recs, error } = await drain(readPcap(file));
    expect(recs).toHaveLength(1);
    expect(error).toBeInstanceOf(PcapError);
    expect((error as Error).message).toBe(
      `${file}: truncated: record 2 at byte 114 declares 54 bytes, the file ends after 20`,
    );
  });

  it('rejects a file cut inside a record header', async () => {
    const whole = await readFile(fixture('tcp-refused.pcap'));
    const file = await tmpFile('cut-header.pcap', whole.subarray(0, 124));
    const { recs, error } = await drain(readPcap(file));
    expect(recs).toHaveLength(1);
    expect((error as Error).message).toBe(
      `${file}: truncated: 10 bytes at the end are less than a 16-byte record header`,
    );
  });

  it('rejects an absurd captured length at once instead of buffering the rest of the file', async () => {
    const bytes = await readFile(fixture('tcp-refused.pcap'));
    bytes.writeUInt32LE(0x7fffffff, 24 + 8);
    const file = await tmpFile('corrupt.pcap', bytes);
    await expect(readAll(file)).rejects.toThrow(
      `${file}: record 1 at byte 24: captured length 2147483647 exceeds the snapshot length 262144 (corrupt file?)`,
    );
  });

  it('rejects a missing file', async () => {
    const file = join(dir, 'nope.pcap');
    await expect(readAll(file)).rejects.toThrow(`${file}: cannot read: ENOENT`);
  });

  it('opens nothing until iterated', async () => {
    const it = readPcap(join(dir, 'never-read.pcap'));
    await it.return(undefined); // no ENOENT: the file was never opened
  });
});

describe('readPcapStream backpressure', () => {
  it('pauses the file stream while the consumer is slow, and yields every record in order', async () => {
    const n = 4000;
    const bytes = synthPcap(n, 1000); // ~4 MB
    const file = await tmpFile('big.pcap', bytes);
    const stream = createReadStream(file, { highWaterMark: 16 * 1024 });
    const it = readPcapStream(stream, file, { highWaterMark: 8 })[Symbol.asyncIterator]();

    const first = await it.next();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 100)); // a slow consumer
    expect(stream.isPaused()).toBe(true);
    expect(stream.bytesRead).toBeLessThan(bytes.length / 10);

    let count = 1;
    let last = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      const seq = r.value.data.readUInt32BE(0);
      expect(seq).toBe(last + 1);
      last = seq;
      count++;
    }
    expect(count).toBe(n);
    expect(stream.bytesRead).toBe(bytes.length);
    expect(stream.destroyed).toBe(true);
  });

  it('converts timestamps exactly (999999 µs does not round)', async () => {
    const recs = await readAll(await tmpFile('ts.pcap', synthPcap(2, 60)));
    expect(recs.map((r) => r.tsUs)).toEqual([1_700_000_000_999_999, 1_700_000_001_999_999]);
  });

  it('releases the file when the consumer breaks early', async () => {
    const file = await tmpFile('break.pcap', synthPcap(1000, 100));
    const stream = createReadStream(file);
    let seen = 0;
    for await (const _ of readPcapStream(stream, file)) {
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    expect(stream.destroyed).toBe(true);
  });
});
