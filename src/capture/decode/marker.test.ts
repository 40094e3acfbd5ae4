import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from './frame.js';
import {
  decodeMarker,
  encodeMarker,
  isMarkerPayload,
  MARKER_DEFAULT_SRC,
  MARKER_MAX_JSON,
  type Marker,
} from './marker.js';

const asRecord = (data: Buffer) => ({ linkType: 1, tsUs: 42, caplen: data.length, len: data.length, data });

describe('encodeMarker', () => {
  it('builds broadcast + 0x88B5 + magic + length + JSON, padded to 60 bytes', () => {
    const frame = encodeMarker({ id: 'm1', kind: 'cut' });
    expect(frame.toString('hex')).toBe(
      'ffffffffffff' +
        MARKER_DEFAULT_SRC.replaceAll(':', '') +
        '88b5' +
        Buffer.from('VRRPHARNESS1').toString('hex') +
        '0018' +
        Buffer.from('{"id":"m1","kind":"cut"}').toString('hex') +
        '00'.repeat(8),
    );
    expect(frame).toHaveLength(60);
  });

  it('round-trips through decodeFrame, with the given source MAC', () => {
    const m: Marker = {
      id: 'f-7',
      kind: 'partition',
      target: 'sw:pa',
      at: 1.5,
      tags: ['a', 'b'],
      nested: { x: null },
    };
    const f = decodeFrame(asRecord(encodeMarker(m, '02:AA:bb:cc:dd:ee')));
    expect(f).toEqual({
      tsUs: 42,
      len: f.caplen,
      caplen: f.caplen,
      eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '02:aa:bb:cc:dd:ee', type: 0x88b5 },
      marker: m,
    });
  });

  it('round-trips any marker that fits one frame (property)', () => {
    const key = fc
      .string({ unit: 'binary', maxLength: 8 })
      .filter((k) => !['id', 'kind', 'target', '__proto__'].includes(k));
    const arbMarker = fc
      .record({
        id: fc.string({ unit: 'binary' }),
        kind: fc.string({ unit: 'binary' }),
        target: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
        extra: fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      })
      .map(
        ({ id, kind, target, extra }): Marker => ({
          ...extra,
          id,
          kind,
          ...(target === undefined ? {} : { target }),
        }),
      );
    fc.assert(
      fc.property(arbMarker, (m) => {
        const expected = JSON.parse(JSON.stringify(m)) as unknown;
        if (Buffer.byteLength(JSON.stringify(m)) > MARKER_MAX_JSON) {
          expect(() => encodeMarker(m)).toThrow(RangeError);
          return;
        }
        const f = decodeFrame(asRecord(encodeMarker(m)));
        expect(f.error).toBeUndefined();
        expect(f.marker).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what it cannot encode', () => {
    expect(() => encodeMarker({ kind: 'x' } as unknown as Marker)).toThrow(
      'invalid marker: "id" is not a string',
    );
    expect(() => encodeMarker({ id: 'a', kind: 'b', target: 3 } as unknown as Marker)).toThrow(
      'invalid marker: "target" is not a string',
    );
    expect(() => encodeMarker({ id: 'a', kind: 'b', blob: 'x'.repeat(MARKER_MAX_JSON) })).toThrow(
      /at most 1486 fit in one frame/,
    );
    expect(() => encodeMarker({ id: 'a', kind: 'b' }, '02:00:00:00:00')).toThrow(
      'not a MAC address: "02:00:00:00:00"',
    );
    // The largest marker that fits is exactly a 1514-byte frame.
    const pad = MARKER_MAX_JSON - JSON.stringify({ id: 'a', kind: 'b', p: '' }).length;
    expect(encodeMarker({ id: 'a', kind: 'b', p: 'x'.repeat(pad) })).toHaveLength(1514);
  });
});

describe('decodeMarker', () => {
  const payload = (json: Buffer | string, declared?: number) => {
    const body = typeof json === 'string' ? Buffer.from(json) : json;
    const len = Buffer.alloc(2);
    len.writeUInt16BE(declared ?? body.length);
    return Buffer.concat([Buffer.from('VRRPHARNESS1'), len, body]);
  };

  it('names what is wrong', () => {
    expect(decodeMarker(Buffer.from('VRRPHARNESS1\x00'))).toEqual({
      error: 'marker: truncated length field (13 bytes)',
    });
    expect(decodeMarker(payload('{"id":"a"}', 40))).toEqual({
      error: 'marker: truncated JSON (40 bytes declared, 10 present)',
    });
    expect(decodeMarker(payload('{"id":')).error).toMatch(/^marker: bad JSON: /);
    expect(decodeMarker(payload(Buffer.from([0x7b, 0xff, 0x7d])))).toEqual({
      error: 'marker: JSON text is not valid UTF-8',
    });
    expect(decodeMarker(payload('[1,2]'))).toEqual({ error: 'marker: not a JSON object' });
    expect(decodeMarker(payload('{"kind":"x"}'))).toEqual({ error: 'marker: "id" is not a string' });
    expect(decodeMarker(payload('{"id":"x","kind":1}'))).toEqual({ error: 'marker: "kind" is not a string' });
  });

  it('leaves other users of EtherType 0x88B5 alone', () => {
    const frame = encodeMarker({ id: 'a', kind: 'b' });
    frame.write('SOMEONEELSE!', 14, 'ascii');
    expect(isMarkerPayload(frame.subarray(14))).toBe(false);
    const f = decodeFrame(asRecord(frame));
    expect(f.marker).toBeUndefined();
    expect(f.error).toBeUndefined();
  });

  it('reports a damaged marker frame in error, without throwing', () => {
    const frame = encodeMarker({ id: 'fault-1', kind: 'link-down' });
    frame[14 + 12 + 2 + 5] = 0x00; // inside the JSON text
    const f = decodeFrame(asRecord(frame));
    expect(f.marker).toBeUndefined();
    expect(f.error).toMatch(/^marker: bad JSON: /);
  });
});
