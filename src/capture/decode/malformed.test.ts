import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PcapRecord, readAll } from '../pcap.js';
import { decodeFrame, type Frame } from './frame.js';

// decodeFrame must never throw, whatever the bytes: damage shows up as `error` fields.

const FIXTURES = [
  'vrrp4-garp.pcap',
  'vrrp6-na.pcap',
  'ping-nd.pcap',
  'tcp-refused.pcap',
  'marker.pcap',
  'mld-rs-igmp.pcap',
  'frag-snap96.pcap',
  'sll-ping.pcap',
  'udp.pcap',
];
const real: PcapRecord[] = [];
for (const name of FIXTURES)
  real.push(...(await readAll(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)))));

const rec = (data: Buffer, linkType = 1): PcapRecord => ({
  linkType,
  tsUs: 7,
  caplen: data.length,
  len: data.length,
  data,
});
const hex = (s: string) => Buffer.from(s.replaceAll(/\s/g, ''), 'hex');

/** No exception, the fixed fields copied, and no problem left to the last-resort catch. */
function checkSane(f: Frame, r: PcapRecord): void {
  expect(f.tsUs).toBe(r.tsUs);
  expect(f.caplen).toBe(r.caplen);
  expect(f.len).toBe(r.len);
  expect(f.error ?? '').not.toContain('internal:');
  if (f.ip) expect(f.ip.payload.length).toBeLessThanOrEqual(r.data.length);
}

describe('decodeFrame on damaged input', () => {
  it('never throws on random bytes, under any linktype (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(1, 113, 276, 0, 101, 228),
        (bytes, linkType) => {
          const r = rec(Buffer.from(bytes), linkType);
          const f = decodeFrame(r);
          checkSane(f, r);
          if (![1, 113, 276].includes(linkType)) expect(f.error).toMatch(/^unsupported linktype \d+/);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('never throws on real frames with bytes changed and cut (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: real.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (i, edits, cut) => {
          const orig = real[i] as PcapRecord;
          const data = Buffer.from(orig.data);
          for (const [pos, val] of edits) data[pos % data.length] = val;
          const r = { ...orig, data: data.subarray(0, data.length - (cut % (data.length + 1))) };
          checkSane(decodeFrame(r), r);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('reports every cut of a real ARP or IP frame as an error', () => {
    let checked = 0;
    for (const r of real) {
      const whole = decodeFrame(r);
      if (whole.error || !(whole.arp || whole.ip)) continue;
      for (let n = 0; n < r.data.length; n++) {
        const cut = { ...r, data: r.data.subarray(0, n) };
        const f = decodeFrame(cut);
        checkSane(f, cut);
        expect(f.error, `${r.tsUs} cut at ${n}`).toBeDefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it.each([
    ['a runt', rec(hex('ffff ffff ffff 0200 0000 01')), 'ethernet: truncated header (11 of 14 bytes)'],
    [
      'a cut VLAN tag',
      rec(hex('ffff ffff ffff 0200 0000 0001 8100 00')),
      'ethernet: vlan tag truncated (1 of 4 bytes)',
    ],
    [
      'ARP for another hardware type',
      rec(hex('ffff ffff ffff 0200 0000 0001 0806 0006 0800 0604 0001')),
      'arp: not IPv4 over Ethernet (htype 6, ptype 0x0800, hlen 6, plen 4)',
    ],
    ['a short SLL header', rec(hex('0000 0001 0006'), 113), 'sll: truncated header (6 of 16 bytes)'],
    ['a short SLL2 header', rec(hex('0800 0000'), 276), 'sll2: truncated header (4 of 20 bytes)'],
    [
      'a DLT it does not know',
      rec(hex('00'), 228),
      'unsupported linktype 228 (only 1 Ethernet, 113 and 276 Linux cooked)',
    ],
  ])('names the problem in %s', (_what, r, error) => {
    const f = decodeFrame(r);
    expect(f.error).toBe(error);
  });

  it('keeps what it could read of an NA whose option is broken', () => {
    const na = real.map(decodeFrame).find((f) => f.icmpv6?.na?.tlla);
    const r = real.find((x) => x.tsUs === na?.tsUs) as PcapRecord;
    const data = Buffer.from(r.data);
    data[14 + 40 + 24 + 1] = 0; // option length 0: invalid (RFC 4861 4.6)
    const f = decodeFrame({ ...r, data });
    expect(f.icmpv6?.na).toEqual({ ...na?.icmpv6?.na, tlla: undefined });
    expect(f.icmpv6?.na?.tlla).toBeUndefined();
    expect(f.error).toBe('icmpv6: option type 2 at byte 24 has length 0');
  });

  it('reports an IPv4 header with a bad version but keeps the Ethernet header', () => {
    const r = real.find((x) => decodeFrame(x).ip?.family === 4) as PcapRecord;
    const data = Buffer.from(r.data);
    data[14] = 0x55;
    const f = decodeFrame({ ...r, data });
    expect(f.eth?.type).toBe(0x0800);
    expect(f.ip).toBeUndefined();
    expect(f.error).toBe('ipv4: version field is 5');
  });
});
