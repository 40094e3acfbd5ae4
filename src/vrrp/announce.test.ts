import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAll } from '../capture/pcap.js';
import { gratuitousArp, unsolicitedNa } from './announce.js';

const fixture = (name: string) => fileURLToPath(new URL(`../capture/fixtures/${name}`, import.meta.url));

describe('GARP and unsolicited NA frames', () => {
  it("are byte for byte keepalived 2.2.7's (fixtures captured from it)", async () => {
    const arps = (await readAll(fixture('vrrp4-garp.pcap'))).filter(
      (r) => r.data.readUInt16BE(12) === 0x0806,
    );
    expect(arps).toHaveLength(10);
    expect(gratuitousArp('00:00:5e:00:01:33', '198.51.100.50')).toEqual(arps[0]?.data);
    const nas = (await readAll(fixture('vrrp6-na.pcap'))).filter(
      (r) => r.data.readUInt16BE(12) === 0x86dd && r.data[54] === 136,
    );
    expect(nas).toHaveLength(10);
    expect(unsolicitedNa('00:00:5e:00:02:34', '2001:db8::50')).toEqual(nas[0]?.data);
  });

  it('NA flags can be cleared; bad input is a RangeError', () => {
    expect(unsolicitedNa('02:00:00:00:00:01', '2001:db8::1', { router: false })[58]).toBe(0x20);
    expect(() => gratuitousArp('02:00:00:00:00:01', '2001:db8::1')).toThrow(RangeError);
    expect(() => unsolicitedNa('nope', '2001:db8::1')).toThrow(RangeError);
  });
});
