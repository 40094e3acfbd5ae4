import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from './frame.js';
import { decodeIpv4, decodeIpv6, formatIpv6 } from './ip.js';
import { decodeTcp, decodeUdp, tcpFlagString } from './udp-tcp.js';

const hex = (s: string) => Buffer.from(s.replaceAll(/\s/g, ''), 'hex');

/** 16 bytes from eight 16-bit groups. */
function v6(...groups: number[]): Buffer {
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    b.writeUInt16BE(g, 2 * i);
  });
  return b;
}

describe('formatIpv6 (RFC 5952)', () => {
  it.each([
    [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), '2001:db8::1:0:0:1'], // tie: the first run is compressed
    [v6(0x2001, 0, 0, 1, 0, 0, 0, 1), '2001:0:0:1::1'], // the longest run
    [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), '2001:db8:0:1:1:1:1:1'], // a lone zero group stays
    [v6(0, 0, 0, 0, 0, 0, 0, 0), '::'],
    [v6(0, 0, 0, 0, 0, 0, 0, 1), '::1'],
    [v6(1, 0, 0, 0, 0, 0, 0, 0), '1::'],
    [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xaaaa), '2001:db8::aaaa'], // lower case
    [v6(0xfe80, 0, 0, 0, 0xde, 0xc0ff, 0xfe00, 0xa), 'fe80::de:c0ff:fe00:a'],
    [v6(0xff02, 0, 0, 0, 0, 1, 0xff00, 0x50), 'ff02::1:ff00:50'],
    [v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0280), '::ffff:192.0.2.128'], // IPv4-mapped, mixed notation
  ])('%#: %s', (bytes, text) => {
    expect(formatIpv6(bytes)).toBe(text);
  });

  it('agrees with the WHATWG URL serializer (which follows RFC 5952 but for mapped addresses)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        const b = Buffer.from(a);
        const s = formatIpv6(b);
        expect(isIPv6(s)).toBe(true);
        if (!s.startsWith('::ffff:')) expect(`[${s}]`).toBe(new URL(`http://[${s}]/`).hostname);
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeIpv4', () => {
  const header = hex('4500 001c 1234 4000 40 11 0000 c0000201 c0000202'); // 20 + 8 bytes UDP, DF
  const udp = hex('0035 d431 0008 0000');

  it('reads the header and cuts the payload at the total length', () => {
    const d = decodeIpv4(Buffer.concat([header, udp, Buffer.alloc(10)]));
    expect(d.error).toBeUndefined();
    expect(d.value).toEqual({
      family: 4,
      src: '192.0.2.1',
      dst: '192.0.2.2',
      ttl: 64,
      proto: 17,
      payload: udp,
    });
    expect(d.upperLen).toBe(8);
  });

  it('refuses a header it cannot read, and flags a short or lying one', () => {
    expect(decodeIpv4(header.subarray(0, 19)).error).toBe('ipv4: truncated header (19 of 20 bytes)');
    expect(decodeIpv4(Buffer.concat([hex('65'), header.subarray(1)])).error).toBe('ipv4: version field is 6');
    expect(decodeIpv4(Buffer.concat([hex('44'), header.subarray(1)])).error).toBe(
      'ipv4: header length 16 < 20',
    );
    expect(decodeIpv4(Buffer.concat([hex('4f'), header.subarray(1), udp])).error).toBe(
      'ipv4: truncated options (28 of 60 header bytes)',
    );
    const short = Buffer.from(header);
    short.writeUInt16BE(12, 2);
    expect(decodeIpv4(Buffer.concat([short, udp])).value?.error).toBe('total length 12 < header length 20');
    expect(decodeIpv4(Buffer.concat([header, udp.subarray(0, 3)])).value?.error).toBe(
      'truncated: total length 28, 23 bytes captured',
    );
  });
});

describe('decodeIpv6 extension headers', () => {
  const fixed = (payloadLen: number, nh: number) =>
    Buffer.concat([
      hex('6000 0000'),
      Buffer.from([payloadLen >> 8, payloadLen & 0xff, nh, 64]),
      v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1),
      v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2),
    ]);
  const hbh = hex('2b00 0104 0000 0000'); // next: routing, PadN
  // Next: destination options; (2 + 1) * 8 = 24 bytes; routing type 4, segments left 1.
  const routing24 = Buffer.concat([hex('3c02 0401 0000 0000'), Buffer.alloc(16)]);
  const dstopts = hex('3300 0104 0000 0000'); // next: AH
  const ah = Buffer.concat([hex('1104 0000 0000 0100 0000 0001'), Buffer.alloc(12)]); // next: UDP, (4+2)*4 = 24 bytes
  const udp = hex('1f90 0050 000c 0000 6869 2121'); // 8080 -> 80, 4 bytes "hi!!"

  it('skips hop-by-hop, routing, destination options and AH to UDP', () => {
    const upper = Buffer.concat([hbh, routing24, dstopts, ah, udp]);
    const pkt = Buffer.concat([fixed(upper.length, 0), upper]);
    const d = decodeIpv6(pkt);
    expect(d.error).toBeUndefined();
    expect(d.value?.proto).toBe(17);
    expect(d.value?.payload).toEqual(udp);
    expect(d.value?.error).toBeUndefined();
    const eth = hex('02de c000 000a 02de c000 000b 86dd');
    const f = decodeFrame({
      linkType: 1,
      tsUs: 1,
      caplen: 14 + pkt.length,
      len: 14 + pkt.length,
      data: Buffer.concat([eth, pkt]),
    });
    expect(f.l4).toEqual({ proto: 'udp', srcPort: 8080, dstPort: 80, payloadLen: 4 });
    expect(f.error).toBeUndefined();
  });

  it('stops with an error at a truncated extension header', () => {
    const upper = Buffer.concat([hbh, routing24.subarray(0, 16)]);
    const d = decodeIpv6(Buffer.concat([fixed(upper.length, 0), upper]));
    expect(d.value?.proto).toBe(43);
    expect(d.value?.error).toBe('routing extension header truncated (16 of 24 bytes)');
  });

  it('takes No Next Header (59) as the upper layer, with nothing after it', () => {
    const d = decodeIpv6(fixed(0, 59));
    expect(d.value).toMatchObject({ proto: 59, payload: Buffer.alloc(0) });
    expect(d.value?.error).toBeUndefined();
  });

  it('flags a payload length beyond the capture', () => {
    const d = decodeIpv6(Buffer.concat([fixed(40, 17), udp]));
    expect(d.value?.error).toBe('truncated: payload length 40, 12 bytes captured');
    expect(d.upperLen).toBe(40);
  });
});

describe('UDP and TCP', () => {
  it.each([
    [0x02, 'S'],
    [0x12, 'SA'],
    [0x11, 'FA'],
    [0x04, 'R'],
    [0x14, 'RA'],
    [0x18, 'PA'],
    [0x00, ''],
    [0xff, 'FSRPAUEC'],
  ])('flag bits %i are %s', (bits, s) => {
    expect(tcpFlagString(bits)).toBe(s);
  });

  it('computes TCP payload from the IP length and the data offset', () => {
    const tcp = Buffer.concat([
      hex('c350 0050 0000 0001 0000 0000 5018 0200 0000 0000'),
      Buffer.from('GET /'),
    ]);
    expect(decodeTcp(tcp, tcp.length).value).toEqual({
      proto: 'tcp',
      srcPort: 50000,
      dstPort: 80,
      tcpFlags: 'PA',
      payloadLen: 5,
    });
    // Snapped: only the header captured, but the IP header said 25 bytes.
    expect(decodeTcp(tcp.subarray(0, 20), 25).value?.payloadLen).toBe(5);
    expect(decodeTcp(tcp.subarray(0, 19), 25).error).toBe('tcp: truncated header (19 of 20 bytes)');
    const badOffset = Buffer.from(tcp);
    badOffset[12] = 0x40;
    expect(decodeTcp(badOffset, 25).error).toBe('tcp: data offset 16 < 20');
    badOffset[12] = 0xf0;
    expect(decodeTcp(badOffset, 25).error).toBe('tcp: data offset 60 exceeds the IP payload (25 bytes)');
  });

  it('checks the UDP length field against the IP payload, except in a first fragment', () => {
    const udp = hex('1f90 0050 0010 0000 6869 2121');
    expect(decodeUdp(udp, 12).error).toBe('udp: length field 16 exceeds the IP payload (12 bytes)');
    expect(decodeUdp(udp, 12, true)).toEqual({
      value: { proto: 'udp', srcPort: 8080, dstPort: 80, payloadLen: 8 },
    });
    expect(decodeUdp(hex('1f90 0050 0004 0000'), 8).error).toBe('udp: length field 4 < 8');
  });
});
