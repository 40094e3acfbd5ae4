import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../capture/decode/frame.js';
import { LINKTYPE } from '../capture/pcap.js';
import { decodeVrrp, type EncodeInput } from '../vrrp/packet.js';
import { arpRequest, craftFrame, neighborSolicitation, virtualMac } from './craft.js';

const frame = (data: Buffer) =>
  decodeFrame({ linkType: LINKTYPE.ETHERNET, tsUs: 0, caplen: data.length, len: data.length, data });
const vrrpOf = (data: Buffer) => {
  const f = frame(data);
  if (!f.ip) throw new Error(f.error);
  return decodeVrrp(f.ip.payload, { family: f.ip.family, src: f.ip.src, dst: f.ip.dst, ttl: f.ip.ttl });
};

const HAVE_TCPDUMP = (await execa('tcpdump', ['--version'], { reject: false })).exitCode === 0;

const v3: EncodeInput = {
  version: 3,
  vrid: 52,
  priority: 200,
  addresses: ['198.51.100.50'],
  intervalMs: 100,
};

describe('crafted frames (the conformance tester)', () => {
  it('a valid v3 IPv4 advert: virtual MAC source, group MAC, TTL 255, pseudo-header checksum', () => {
    const f = frame(craftFrame({ family: 4, advert: v3, srcIp: '198.51.100.9' }));
    expect(f.error).toBeUndefined();
    expect(f.eth).toMatchObject({ src: '00:00:5e:00:01:34', dst: '01:00:5e:00:00:12' });
    expect(f.ip).toMatchObject({ src: '198.51.100.9', dst: '224.0.0.18', ttl: 255, proto: 112 });
    const d = vrrpOf(craftFrame({ family: 4, advert: v3, srcIp: '198.51.100.9' }));
    expect(d).toMatchObject({
      ok: true,
      checksumForm: 'pseudo',
      advert: { vrid: 52, priority: 200, intervalMs: 100 },
    });
  });

  it.each([
    ['TTL 254', { ttl: 254 }, 'bad_ttl'],
    ['version 4 in the header', { encode: { versionField: 4 } }, 'bad_version'],
    ['a wrong checksum', { encode: { checksum: 0x1234 } }, 'bad_checksum'],
    ['8 octets cut off', { truncate: 4 }, 'bad_length'],
  ] as const)('%s is what the codec rejects as %s', (_, mutation, reason) => {
    const d = vrrpOf(craftFrame({ family: 4, advert: v3, srcIp: '198.51.100.9', ...mutation }));
    expect(d).toMatchObject({ ok: false, reason });
  });

  it('the message-only v3 checksum form, IPv6 from a link-local address, padding after the datagram', () => {
    expect(
      vrrpOf(
        craftFrame({ family: 4, advert: v3, srcIp: '198.51.100.9', encode: { checksumForm: 'message' } }),
      ),
    ).toMatchObject({
      ok: true,
      checksumForm: 'message',
    });
    const six = craftFrame({
      family: 6,
      advert: { ...v3, addresses: ['fe80::5:56'] },
      srcIp: 'fe80::9',
      padding: 10,
    });
    const f = frame(six);
    expect(f.eth?.src).toBe(virtualMac(52, 6));
    expect(f.ip).toMatchObject({ family: 6, src: 'fe80::9', dst: 'ff02::12', ttl: 255 });
    expect(vrrpOf(six)).toMatchObject({ ok: true, advert: { addresses: ['fe80::5:56'] } });
  });

  it('ARP requests and neighbor solicitations for a VIP decode as such', () => {
    const arp = frame(arpRequest('02:00:00:00:00:99', '198.51.100.9', '198.51.100.50'));
    expect(arp.arp).toMatchObject({ op: 1, senderIp: '198.51.100.9', targetIp: '198.51.100.50' });
    const ns = frame(neighborSolicitation('02:00:00:00:00:99', 'fe80::9', '2001:db8:1::56'));
    expect(ns.error).toBeUndefined();
    expect(ns.ip?.dst).toBe('ff02::1:ff00:56');
  });

  it.skipIf(!HAVE_TCPDUMP)('tcpdump reads them the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'craft-'));
    try {
      const frames = [
        craftFrame({ family: 4, advert: v3, srcIp: '198.51.100.9' }),
        craftFrame({ family: 4, advert: v3, srcIp: '198.51.100.9', encode: { checksum: 0x1234 } }),
        craftFrame({
          family: 4,
          advert: {
            version: 2,
            vrid: 51,
            priority: 150,
            addresses: ['198.51.100.50'],
            intervalMs: 1000,
            password: 'pairv2',
          },
          srcIp: '198.51.100.9',
          ttl: 1,
        }),
        neighborSolicitation('02:00:00:00:00:99', 'fe80::9', '2001:db8:1::56'),
      ];
      const header = Buffer.alloc(24);
      header.writeUInt32LE(0xa1b2c3d4, 0);
      header.writeUInt16LE(2, 4);
      header.writeUInt16LE(4, 6);
      header.writeUInt32LE(65535, 16);
      header.writeUInt32LE(1, 20);
      const records = frames.map((f, i) => {
        const h = Buffer.alloc(16);
        h.writeUInt32LE(1_800_000_000 + i, 0);
        h.writeUInt32LE(f.length, 8);
        h.writeUInt32LE(f.length, 12);
        return Buffer.concat([h, f]);
      });
      const file = join(dir, 'crafted.pcap');
      await writeFile(file, Buffer.concat([header, ...records]));
      const out = (await execa('tcpdump', ['-n', '-v', '-e', '-r', file])).stdout;
      const lines = out.split('\n');
      console.log(out);
      expect(out).toMatch(
        /00:00:5e:00:01:34 > 01:00:5e:00:00:12.*ttl 255.*\n.*VRRPv3, Advertisement, vrid 52, prio 200, intvl 10cs/,
      );
      expect(out).toMatch(/bad vrrp cksum 1234/);
      // tcpdump flags the TTL itself: "(ttl 1)" in the VRRP line
      expect(out).toMatch(
        /ttl 1,.*\n.*VRRPv2, Advertisement, \(ttl 1\), vrid 51, prio 150, authtype simple, intvl 1s.*auth "pairv2"/,
      );
      expect(lines.some((l) => /neighbor solicitation, length 32, who has 2001:db8:1::56/.test(l))).toBe(
        true,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
