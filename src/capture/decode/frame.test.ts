import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type PcapRecord, readAll } from '../pcap.js';
import { decodeFrame, type Frame } from './frame.js';
import { encodeMarker } from './marker.js';

// Every frame here was captured on a real bridge (see ../fixtures/README.md). Each test pastes what
// `tcpdump -tt -e -v -n -r FIXTURE` printed for the frame it checks, and asserts the decoded fields
// against it: the Ethernet part mechanically (tcpdumpEth), the rest field by field.

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function load(name: string): Promise<{ recs: PcapRecord[]; frames: Frame[] }> {
  const recs = await readAll(fixture(name));
  return { recs, frames: recs.map(decodeFrame) };
}

function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no element ${i} (length ${xs.length})`);
  return x;
}

/** Timestamp, length and Ethernet header of a `tcpdump -tt -e -n` line. */
function tcpdumpEth(line: string): {
  tsUs: number;
  len: number;
  eth: { src: string; dst: string; type: number };
} {
  const m =
    /^(\d+)\.(\d{6}) ([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype .*?\((0x[0-9a-f]{4})\), length (\d+): /.exec(
      line,
    );
  if (!m) throw new Error(`not a tcpdump -e line: ${line}`);
  // Seconds and microseconds glued as digits: the exact integer, no floating point involved.
  return {
    tsUs: Number(`${m[1]}${m[2]}`),
    len: Number(m[6]),
    eth: { src: m[3] ?? '', dst: m[4] ?? '', type: Number(m[5]) },
  };
}

function expectEth(f: Frame, line: string): void {
  const t = tcpdumpEth(line);
  expect(f.tsUs).toBe(t.tsUs);
  expect(f.len).toBe(t.len);
  expect(f.eth).toEqual(t.eth);
}

describe('vrrp4-garp.pcap: keepalived VRRPv2 (vrid 51, use_vmac) and its gratuitous ARPs', async () => {
  const { recs, frames } = await load('vrrp4-garp.pcap');

  const ADVERT = `1795577976.100223 00:00:5e:00:01:33 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 54: (tos 0xc0, ttl 255, id 1, offset 0, flags [none], proto VRRP (112), length 40)
    198.51.100.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20, addrs: 198.51.100.50`;
  const GARP = `1795577976.100429 00:00:5e:00:01:33 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Request who-has 198.51.100.50 (ff:ff:ff:ff:ff:ff) tell 198.51.100.50, length 28`;
  const LAST = `1795577983.236694 00:00:5e:00:01:33 > 01:00:5e:00:00:12, ethertype IPv4 (0x0800), length 54: (tos 0xc0, ttl 255, id 9, offset 0, flags [none], proto VRRP (112), length 40)
    198.51.100.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 0, authtype none, intvl 1s, length 20, addrs: 198.51.100.50`;

  it('decodes the first advertisement down to the VRRP bytes (IP length 40 - 20)', () => {
    const f = at(frames, 0);
    expectEth(f, ADVERT);
    expect(f).toEqual({
      tsUs: 1795577976100223,
      len: 54,
      caplen: 54,
      eth: { dst: '01:00:5e:00:00:12', src: '00:00:5e:00:01:33', type: 0x0800 },
      ip: {
        family: 4,
        src: '198.51.100.1',
        dst: '224.0.0.18',
        ttl: 255,
        proto: 112,
        payload: at(recs, 0).data.subarray(34, 54),
      },
    });
    // Only to show the payload is exactly the VRRP message tcpdump read: version/type, vrid, priority.
    const vrrp = f.ip?.payload;
    expect([vrrp?.[0], vrrp?.[1], vrrp?.[2]]).toEqual([0x21, 51, 150]);
  });

  it('recognises the gratuitous ARP: sender IP = target IP = VIP, sender MAC = 00:00:5e:00:01:<vrid>', () => {
    const f = at(frames, 1);
    expectEth(f, GARP);
    expect(f).toEqual({
      tsUs: 1795577976100429,
      len: 42,
      caplen: 42,
      eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '00:00:5e:00:01:33', type: 0x0806 },
      arp: {
        op: 1,
        senderMac: '00:00:5e:00:01:33',
        senderIp: '198.51.100.50',
        targetMac: 'ff:ff:ff:ff:ff:ff',
        targetIp: '198.51.100.50',
        gratuitous: true,
      },
    });
    expect(f.arp?.senderMac).toBe(`00:00:5e:00:01:${(51).toString(16)}`);
  });

  it('sees keepalived send 5 GARPs at once on becoming master and 5 more 5 s later', () => {
    const garps = frames.filter((f) => f.arp?.gratuitous);
    expect(garps).toHaveLength(10);
    for (const g of garps) {
      expect(g.arp).toMatchObject({ op: 1, senderIp: '198.51.100.50', senderMac: '00:00:5e:00:01:33' });
    }
    const ts = garps.map((g) => g.tsUs);
    const first = ts.slice(0, 5);
    const second = ts.slice(5);
    expect(at(first, 4) - at(first, 0)).toBeLessThan(10_000); // one burst: within 10 ms
    expect(at(second, 4) - at(second, 0)).toBeLessThan(10_000);
    const gap = at(second, 0) - at(first, 0);
    expect(gap).toBeGreaterThan(4_990_000); // vrrp_garp_master_delay 5
    expect(gap).toBeLessThan(5_010_000);
  });

  it('keeps exact microsecond timestamps and sees the priority-0 advert at shutdown', () => {
    const f = at(frames, frames.length - 1);
    expectEth(f, LAST);
    expect(f.tsUs).toBe(1795577983236694);
    expect(f.ip?.payload[2]).toBe(0);
    const adverts = frames.filter((x) => x.ip?.proto === 112);
    expect(adverts.map((x) => x.ip?.payload[2])).toEqual([150, 150, 150, 150, 150, 150, 150, 150, 0]);
    for (const a of adverts) expect(a.ip?.ttl).toBe(255);
  });

  it('decodes every frame without error', () => {
    expect(frames.filter((f) => f.error)).toEqual([]);
  });
});

describe('vrrp6-na.pcap: keepalived VRRPv3 over IPv6 (vrid 52) and its unsolicited NAs', async () => {
  const { recs, frames } = await load('vrrp6-na.pcap');

  const ADVERT = `1795577976.100694 00:00:5e:00:02:34 > 33:33:00:00:00:12, ethertype IPv6 (0x86dd), length 78: (class 0xc0, flowlabel 0xf16fa, hlim 255, next-header VRRP (112) payload length: 24) fe80::de:c0ff:fe00:a > ff02::12: VRRPv3, Advertisement, vrid 52, prio 150, intvl 100cs, length 24, addrs: 2001:db8::50`;
  const NA = `1795577976.100925 00:00:5e:00:02:34 > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 86: (hlim 255, next-header ICMPv6 (58) payload length: 32) 2001:db8::50 > ff02::1: [icmp6 sum ok] ICMP6, neighbor advertisement, length 32, tgt is 2001:db8::50, Flags [router, override]
	  destination link-address option (2), length 8 (1): 00:00:5e:00:02:34`;

  it('decodes the VRRPv3 advertisement', () => {
    const f = at(frames, 0);
    expectEth(f, ADVERT);
    expect(f).toEqual({
      tsUs: 1795577976100694,
      len: 78,
      caplen: 78,
      eth: { dst: '33:33:00:00:00:12', src: '00:00:5e:00:02:34', type: 0x86dd },
      ip: {
        family: 6,
        src: 'fe80::de:c0ff:fe00:a',
        dst: 'ff02::12',
        ttl: 255,
        proto: 112,
        payload: at(recs, 0).data.subarray(54, 78),
      },
    });
    expect(f.ip?.payload.subarray(0, 2)).toEqual(Buffer.from([0x31, 52]));
  });

  it('decodes the unsolicited NA: flags R and O (dec-a forwards), not S; TLLA is the IPv6 VMAC', () => {
    const f = at(frames, 1);
    expectEth(f, NA);
    expect(f).toEqual({
      tsUs: 1795577976100925,
      len: 86,
      caplen: 86,
      eth: { dst: '33:33:00:00:00:01', src: '00:00:5e:00:02:34', type: 0x86dd },
      ip: {
        family: 6,
        src: '2001:db8::50',
        dst: 'ff02::1',
        ttl: 255,
        proto: 58,
        payload: at(recs, 1).data.subarray(54, 86),
      },
      icmpv6: {
        type: 136,
        code: 0,
        na: {
          target: '2001:db8::50',
          router: true,
          solicited: false,
          override: true,
          tlla: '00:00:5e:00:02:34',
        },
      },
    });
  });

  it('sees 5 + 5 unsolicited NAs, 5 s apart, all alike', () => {
    const nas = frames.filter((f) => f.icmpv6?.na);
    expect(nas).toHaveLength(10);
    for (const n of nas) expect(n.icmpv6).toEqual(at(frames, 1).icmpv6);
    const gap = at(nas, 5).tsUs - at(nas, 0).tsUs;
    expect(gap).toBeGreaterThan(4_990_000);
    expect(gap).toBeLessThan(5_010_000);
    expect(frames.filter((f) => f.error)).toEqual([]);
  });
});

describe('ping-nd.pcap: ARP, ICMP and IPv6 neighbour discovery between dec-a and dec-b', async () => {
  const { recs, frames } = await load('ping-nd.pcap');

  const ARP_REQUEST = `1795577976.634050 02:de:c0:00:00:0b > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Request who-has 198.51.100.1 tell 198.51.100.2, length 28`;
  const ARP_REPLY = `1795577976.634084 02:de:c0:00:00:0a > 02:de:c0:00:00:0b, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Reply 198.51.100.1 is-at 02:de:c0:00:00:0a, length 28`;
  const ECHO = `1795577976.634098 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 64, id 5869, offset 0, flags [DF], proto ICMP (1), length 84)
    198.51.100.2 > 198.51.100.1: ICMP echo request, id 11983, seq 1, length 64`;
  const VMAC6_ARP_REPLY = `1795577976.634423 00:00:5e:00:02:34 > 02:de:c0:00:00:0b, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Reply 198.51.100.1 is-at 00:00:5e:00:02:34, length 28`;
  const NS = `1795577976.844304 02:de:c0:00:00:0b > 33:33:ff:00:00:01, ethertype IPv6 (0x86dd), length 86: (hlim 255, next-header ICMPv6 (58) payload length: 32) 2001:db8::2 > ff02::1:ff00:1: [icmp6 sum ok] ICMP6, neighbor solicitation, length 32, who has 2001:db8::1
	  source link-address option (1), length 8 (1): 02:de:c0:00:00:0b`;
  const NA_RSO = `1795577976.844375 02:de:c0:00:00:0a > 02:de:c0:00:00:0b, ethertype IPv6 (0x86dd), length 86: (hlim 255, next-header ICMPv6 (58) payload length: 32) 2001:db8::1 > 2001:db8::2: [icmp6 sum ok] ICMP6, neighbor advertisement, length 32, tgt is 2001:db8::1, Flags [router, solicited, override]
	  destination link-address option (2), length 8 (1): 02:de:c0:00:00:0a`;
  const ECHO6 = `1795577976.844388 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv6 (0x86dd), length 118: (flowlabel 0xb4548, hlim 64, next-header ICMPv6 (58) payload length: 64) 2001:db8::2 > 2001:db8::1: [icmp6 sum ok] ICMP6, echo request, id 11985, seq 1`;
  const NA_S = `1795577981.911002 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv6 (0x86dd), length 78: (hlim 255, next-header ICMPv6 (58) payload length: 24) 2001:db8::2 > fe80::de:c0ff:fe00:a: [icmp6 sum ok] ICMP6, neighbor advertisement, length 24, tgt is 2001:db8::2, Flags [solicited]`;

  it('decodes an ARP request and its reply (not gratuitous)', () => {
    expectEth(at(frames, 0), ARP_REQUEST);
    expect(at(frames, 0).arp).toEqual({
      op: 1,
      senderMac: '02:de:c0:00:00:0b',
      senderIp: '198.51.100.2',
      targetMac: '00:00:00:00:00:00',
      targetIp: '198.51.100.1',
      gratuitous: false,
    });
    expectEth(at(frames, 1), ARP_REPLY);
    expect(at(frames, 1).arp).toEqual({
      op: 2,
      senderMac: '02:de:c0:00:00:0a',
      senderIp: '198.51.100.1',
      targetMac: '02:de:c0:00:00:0b',
      targetIp: '198.51.100.2',
      gratuitous: false,
    });
  });

  it("shows keepalived's IPv6 VMAC answering ARP for dec-a's IPv4 address (ARP flux)", () => {
    const f = at(frames, 4);
    expectEth(f, VMAC6_ARP_REPLY);
    expect(f.arp).toMatchObject({ op: 2, senderMac: '00:00:5e:00:02:34', senderIp: '198.51.100.1' });
  });

  it('decodes an ICMP echo request: IPv4 fields and the 64-byte ICMP payload', () => {
    const f = at(frames, 2);
    expectEth(f, ECHO);
    expect(f).toEqual({
      tsUs: 1795577976634098,
      len: 98,
      caplen: 98,
      eth: { dst: '02:de:c0:00:00:0a', src: '02:de:c0:00:00:0b', type: 0x0800 },
      ip: {
        family: 4,
        src: '198.51.100.2',
        dst: '198.51.100.1',
        ttl: 64,
        proto: 1,
        payload: at(recs, 2).data.subarray(34, 98),
      },
    });
    expect(f.ip?.payload[0]).toBe(8); // echo request
  });

  it('decodes a Neighbor Solicitation target', () => {
    const f = at(frames, 12);
    expectEth(f, NS);
    expect(f.ip).toMatchObject({ family: 6, src: '2001:db8::2', dst: 'ff02::1:ff00:1', ttl: 255, proto: 58 });
    expect(f.ip?.payload).toHaveLength(32);
    expect(f.icmpv6).toEqual({ type: 135, code: 0, ns: { target: '2001:db8::1' } });
  });

  it('decodes a solicited NA with R, S, O and the target link-layer address', () => {
    const f = at(frames, 13);
    expectEth(f, NA_RSO);
    expect(f.ip).toMatchObject({ family: 6, src: '2001:db8::1', dst: '2001:db8::2', ttl: 255, proto: 58 });
    expect(f.icmpv6).toEqual({
      type: 136,
      code: 0,
      na: { target: '2001:db8::1', router: true, solicited: true, override: true, tlla: '02:de:c0:00:00:0a' },
    });
  });

  it('decodes an NA answering a unicast NS: only S, and no TLLA option (length 24)', () => {
    const f = at(frames, 27);
    expectEth(f, NA_S);
    expect(f.ip).toMatchObject({ src: '2001:db8::2', dst: 'fe80::de:c0ff:fe00:a', ttl: 255 });
    expect(f.ip?.payload).toHaveLength(24);
    expect(f.icmpv6).toEqual({
      type: 136,
      code: 0,
      na: { target: '2001:db8::2', router: false, solicited: true, override: false },
    });
  });

  it('decodes an ICMPv6 echo request', () => {
    const f = at(frames, 14);
    expectEth(f, ECHO6);
    expect(f).toEqual({
      tsUs: 1795577976844388,
      len: 118,
      caplen: 118,
      eth: { dst: '02:de:c0:00:00:0a', src: '02:de:c0:00:00:0b', type: 0x86dd },
      ip: {
        family: 6,
        src: '2001:db8::2',
        dst: '2001:db8::1',
        ttl: 64,
        proto: 58,
        payload: at(recs, 14).data.subarray(54, 118),
      },
      icmpv6: { type: 128, code: 0 },
    });
    expect(frames.filter((x) => x.error)).toEqual([]);
  });
});

describe('tcp-refused.pcap: curl to a closed port', async () => {
  const { recs, frames } = await load('tcp-refused.pcap');
  const SYN = `1795577977.078404 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv4 (0x0800), length 74: (tos 0x0, ttl 64, id 37975, offset 0, flags [DF], proto TCP (6), length 60)
    198.51.100.2.47500 > 198.51.100.1.9: Flags [S], cksum 0x5499 (incorrect -> 0x7452), seq 4100793318, win 64240, options [mss 1460,sackOK,TS val 1207921254 ecr 0,nop,wscale 10], length 0`;
  const RST = `1795577977.078435 02:de:c0:00:00:0a > 02:de:c0:00:00:0b, ethertype IPv4 (0x0800), length 54: (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 40)
    198.51.100.1.9 > 198.51.100.2.47500: Flags [R.], cksum 0x897b (correct), seq 0, ack 4100793319, win 0, length 0`;

  it('decodes the SYN (40 bytes of TCP header with options, no data)', () => {
    const f = at(frames, 0);
    expectEth(f, SYN);
    expect(f.ip).toMatchObject({ family: 4, src: '198.51.100.2', dst: '198.51.100.1', ttl: 64, proto: 6 });
    expect(f.ip?.payload).toHaveLength(40);
    expect(f.l4).toEqual({ proto: 'tcp', srcPort: 47500, dstPort: 9, tcpFlags: 'S', payloadLen: 0 });
    expect(f.error).toBeUndefined(); // the bad checksum (offload, captured before the NIC) is not ours to judge
  });

  it('decodes the RST+ACK tcpdump prints as [R.]', () => {
    const f = at(frames, 1);
    expectEth(f, RST);
    expect(f.ip).toMatchObject({ family: 4, src: '198.51.100.1', dst: '198.51.100.2', ttl: 64, proto: 6 });
    expect(f.l4).toEqual({ proto: 'tcp', srcPort: 9, dstPort: 47500, tcpFlags: 'RA', payloadLen: 0 });
  });

  it('trims Ethernet padding: the 54-byte RST padded to 60 as a NIC would send it', () => {
    const rec = at(recs, 1);
    const f = decodeFrame({ ...rec, data: Buffer.concat([rec.data, Buffer.alloc(6)]), caplen: 60, len: 60 });
    expect(f.len).toBe(60);
    expect(f.ip?.payload).toEqual(rec.data.subarray(34, 54));
    expect(f.l4).toEqual(at(frames, 1).l4);
    expect(f.error).toBeUndefined();
  });

  it('reads a VLAN tag: the SYN with an 802.1Q tag (VID 7) inserted', () => {
    const rec = at(recs, 0);
    const tag = Buffer.from([0x81, 0x00, 0x20, 0x07]); // PCP 1, VID 7
    const data = Buffer.concat([rec.data.subarray(0, 12), tag, rec.data.subarray(12)]);
    const f = decodeFrame({ ...rec, data, caplen: data.length, len: data.length });
    expect(f.eth).toEqual({ ...at(frames, 0).eth, vlan: 7 });
    expect(f.ip).toEqual(at(frames, 0).ip);
    expect(f.l4).toEqual(at(frames, 0).l4);
  });
});

describe('udp.pcap: UDP to a closed port over IPv4 and IPv6, and the ICMP errors', async () => {
  const { recs, frames } = await load('udp.pcap');
  const UDP4 = `1795578464.509474 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv4 (0x0800), length 55: (tos 0x0, ttl 64, id 18547, offset 0, flags [DF], proto UDP (17), length 41)
    198.51.100.2.40001 > 198.51.100.1.9: UDP, length 13`;
  const UNREACH4 = `1795578464.509639 02:de:c0:00:00:0a > 02:de:c0:00:00:0b, ethertype IPv4 (0x0800), length 83: (tos 0xc0, ttl 64, id 29172, offset 0, flags [none], proto ICMP (1), length 69)
    198.51.100.1 > 198.51.100.2: ICMP 198.51.100.1 udp port 9 unreachable, length 49
	(tos 0x0, ttl 64, id 18547, offset 0, flags [DF], proto UDP (17), length 41)
    198.51.100.2.40001 > 198.51.100.1.9: UDP, length 13`;
  const UDP6 = `1795578464.711204 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv6 (0x86dd), length 75: (flowlabel 0x468a0, hlim 64, next-header UDP (17) payload length: 21) 2001:db8::2.40002 > 2001:db8::1.9: [bad udp cksum 0x5b9b -> 0x3901!] UDP, length 13`;
  const UNREACH6 = `1795578464.711232 02:de:c0:00:00:0a > 02:de:c0:00:00:0b, ethertype IPv6 (0x86dd), length 123: (flowlabel 0x9b6af, hlim 64, next-header ICMPv6 (58) payload length: 69) 2001:db8::1 > 2001:db8::2: [icmp6 sum ok] ICMP6, destination unreachable, unreachable port, 2001:db8::1 udp port 9`;

  it('decodes a UDP/IPv4 datagram', () => {
    const f = at(frames, 0);
    expectEth(f, UDP4);
    expect(f).toEqual({
      tsUs: 1795578464509474,
      len: 55,
      caplen: 55,
      eth: { dst: '02:de:c0:00:00:0a', src: '02:de:c0:00:00:0b', type: 0x0800 },
      ip: {
        family: 4,
        src: '198.51.100.2',
        dst: '198.51.100.1',
        ttl: 64,
        proto: 17,
        payload: at(recs, 0).data.subarray(34, 55),
      },
      l4: { proto: 'udp', srcPort: 40001, dstPort: 9, payloadLen: 13 },
    });
    expect(f.ip?.payload.subarray(8).toString()).toBe('harness-udp-4');
  });

  it('trims Ethernet padding: the 55-byte datagram padded to 60 keeps a 21-byte IP payload', () => {
    const rec = at(recs, 0);
    const f = decodeFrame({ ...rec, data: Buffer.concat([rec.data, Buffer.alloc(5)]), caplen: 60, len: 60 });
    expect(f.ip?.payload).toEqual(rec.data.subarray(34, 55));
    expect(f.l4).toEqual(at(frames, 0).l4);
    expect(f.error).toBeUndefined();
  });

  it('decodes the ICMP port unreachable (IPv4 layer only: ICMPv4 is not decoded further)', () => {
    const f = at(frames, 1);
    expectEth(f, UNREACH4);
    expect(f.ip).toMatchObject({ family: 4, src: '198.51.100.1', dst: '198.51.100.2', ttl: 64, proto: 1 });
    expect(f.ip?.payload).toHaveLength(49);
    expect([f.ip?.payload[0], f.ip?.payload[1]]).toEqual([3, 3]); // type 3 code 3
    expect(f.l4).toBeUndefined();
  });

  it('decodes a UDP/IPv6 datagram', () => {
    const f = at(frames, 2);
    expectEth(f, UDP6);
    expect(f.ip).toEqual({
      family: 6,
      src: '2001:db8::2',
      dst: '2001:db8::1',
      ttl: 64,
      proto: 17,
      payload: at(recs, 2).data.subarray(54, 75),
    });
    expect(f.l4).toEqual({ proto: 'udp', srcPort: 40002, dstPort: 9, payloadLen: 13 });
    expect(f.error).toBeUndefined(); // checksum left to offload: not checked
  });

  it('gives type and code of the ICMPv6 destination unreachable', () => {
    const f = at(frames, 3);
    expectEth(f, UNREACH6);
    expect(f.ip).toMatchObject({ family: 6, src: '2001:db8::1', dst: '2001:db8::2', ttl: 64, proto: 58 });
    expect(f.icmpv6).toEqual({ type: 1, code: 4 });
  });
});

describe('marker.pcap: fault markers sent by a Python AF_PACKET socket', async () => {
  const { recs, frames } = await load('marker.pcap');
  const SHORT = `1795577977.210098 02:de:c0:00:00:53 > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x88b5), length 60: `;
  const LONG = `1795577977.210218 02:de:c0:00:00:53 > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x88b5), length 117: `;

  it('decodes a padded marker (24 bytes of JSON in a 60-byte frame)', () => {
    const f = at(frames, 0);
    expectEth(f, SHORT);
    expect(f).toEqual({
      tsUs: 1795577977210098,
      len: 60,
      caplen: 60,
      eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '02:de:c0:00:00:53', type: 0x88b5 },
      marker: { id: 'm1', kind: 'cut' },
    });
  });

  it('decodes a marker with a target, extra fields and non-ASCII UTF-8', () => {
    const f = at(frames, 1);
    expectEth(f, LONG);
    expect(f.marker).toEqual({
      id: 'fault-0002',
      kind: 'link-down',
      target: 'dec-a:eth0',
      seq: 2,
      note: 'größe ✓',
    });
    expect(f.error).toBeUndefined();
  });

  it('encodeMarker produces byte for byte what the independent Python encoder sent', () => {
    for (const [i, rec] of recs.entries()) {
      const m = at(frames, i).marker;
      if (!m) throw new Error('no marker');
      expect(encodeMarker(m, '02:de:c0:00:00:53').toString('hex')).toBe(rec.data.toString('hex'));
    }
  });
});

describe('mld-rs-igmp.pcap: hop-by-hop options, router solicitation, IPv4 options', async () => {
  const { recs, frames } = await load('mld-rs-igmp.pcap');
  const MLD = `1795577972.683224 02:de:c0:00:00:0a > 33:33:00:00:00:16, ethertype IPv6 (0x86dd), length 150: (hlim 1, next-header Options (0) payload length: 96) fe80::de:c0ff:fe00:a > ff02::16: HBH (rtalert: 0x0000) (padn) [icmp6 sum ok] ICMP6, multicast listener report v2, 4 group record(s) [gaddr ff02::1:ff00:a to_ex, 0 source(s)] [gaddr ff02::1:ff00:0 to_ex, 0 source(s)] [gaddr ff02::1:ff00:1 to_ex, 0 source(s)] [gaddr ff02::2 to_ex, 0 source(s)]`;
  const IGMP = `1795577972.694926 02:de:c0:00:00:0a > 01:00:5e:00:00:16, ethertype IPv4 (0x0800), length 54: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40, options (RA))
    0.0.0.0 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 224.0.0.18 to_ex, 0 source(s)]`;
  const RS = `1795577975.254889 02:de:c0:00:00:0b > 33:33:00:00:00:02, ethertype IPv6 (0x86dd), length 70: (hlim 255, next-header ICMPv6 (58) payload length: 16) fe80::de:c0ff:fe00:b > ff02::2: [icmp6 sum ok] ICMP6, router solicitation, length 16
	  source link-address option (1), length 8 (1): 02:de:c0:00:00:0b`;

  it('skips the hop-by-hop header to reach the MLDv2 report (type 143)', () => {
    const f = at(frames, 0);
    expectEth(f, MLD);
    expect(f).toEqual({
      tsUs: 1795577972683224,
      len: 150,
      caplen: 150,
      eth: { dst: '33:33:00:00:00:16', src: '02:de:c0:00:00:0a', type: 0x86dd },
      ip: {
        family: 6,
        src: 'fe80::de:c0ff:fe00:a',
        dst: 'ff02::16',
        ttl: 1,
        proto: 58,
        payload: at(recs, 0).data.subarray(62, 150), // 96 - 8 bytes of hop-by-hop
      },
      icmpv6: { type: 143, code: 0 },
    });
  });

  it('skips IPv4 options (IHL 6, router alert)', () => {
    const f = at(frames, 2);
    expectEth(f, IGMP);
    expect(f.ip).toEqual({
      family: 4,
      src: '0.0.0.0',
      dst: '224.0.0.22',
      ttl: 1,
      proto: 2,
      payload: at(recs, 2).data.subarray(38, 54),
    });
  });

  it('gives type and code of a router solicitation', () => {
    const f = at(frames, 8);
    expectEth(f, RS);
    expect(f.icmpv6).toEqual({ type: 133, code: 0 });
    expect(f.ip).toMatchObject({ src: 'fe80::de:c0ff:fe00:b', dst: 'ff02::2', ttl: 255, proto: 58 });
    expect(frames.filter((x) => x.error)).toEqual([]);
  });
});

describe('frag-snap96.pcap: fragments captured with snap length 96', async () => {
  const { frames } = await load('frag-snap96.pcap');
  const V4_FIRST = `1795577977.059918 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv4 (0x0800), length 1514: (tos 0x0, ttl 64, id 5970, offset 0, flags [+], proto ICMP (1), length 1500)
    198.51.100.2 > 198.51.100.1: ICMP echo request, id 11988, seq 1, length 1480`;
  const V4_LAST = `1795577977.060013 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv4 (0x0800), length 162: (tos 0x0, ttl 64, id 5970, offset 1480, flags [none], proto ICMP (1), length 148)
    198.51.100.2 > 198.51.100.1: ip-proto-1`;
  const V6_FIRST = `1795577977.064100 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv6 (0x86dd), length 1510: (flowlabel 0xb4548, hlim 64, next-header Fragment (44) payload length: 1456) 2001:db8::2 > 2001:db8::1: frag (0xc1c541ef:0|1448) ICMP6, echo request, id 11989, seq 1`;
  const V6_LAST = `1795577977.064168 02:de:c0:00:00:0b > 02:de:c0:00:00:0a, ethertype IPv6 (0x86dd), length 222: (flowlabel 0xb4548, hlim 64, next-header Fragment (44) payload length: 168) 2001:db8::2 > 2001:db8::1: frag (0xc1c541ef:1448|160)`;

  it('reports a snapped IPv4 first fragment in ip.error, keeping the header fields', () => {
    const f = at(frames, 0);
    expectEth(f, V4_FIRST);
    expect(f.caplen).toBe(96);
    expect(f.ip).toMatchObject({
      family: 4,
      src: '198.51.100.2',
      dst: '198.51.100.1',
      ttl: 64,
      proto: 1,
      fragment: { offset: 0, more: true, id: 5970 },
      error: 'truncated: total length 1500, 82 bytes captured',
    });
    expect(f.ip?.payload).toHaveLength(62);
    expect(f.error).toBe(
      'ipv4: truncated: total length 1500, 82 bytes captured; frame snapped at 96 of 1514 bytes',
    );
  });

  it('marks the last IPv4 fragment (offset 1480, no MF)', () => {
    const f = at(frames, 1);
    expectEth(f, V4_LAST);
    expect(f.ip?.fragment).toEqual({ offset: 1480, more: false, id: 5970 });
  });

  it('walks the IPv6 fragment header: first fragment still shows the ICMPv6 type', () => {
    const f = at(frames, 4);
    expectEth(f, V6_FIRST);
    expect(f.ip).toMatchObject({
      family: 6,
      proto: 58,
      ttl: 64,
      fragment: { offset: 0, more: true, id: 0xc1c541ef },
    });
    expect(f.icmpv6).toEqual({ type: 128, code: 0 });
  });

  it('does not read an upper-layer header in a non-first IPv6 fragment', () => {
    const f = at(frames, 5);
    expectEth(f, V6_LAST);
    expect(f.ip).toMatchObject({
      family: 6,
      proto: 58,
      fragment: { offset: 1448, more: false, id: 0xc1c541ef },
    });
    expect(f.icmpv6).toBeUndefined();
    expect(f.l4).toBeUndefined();
  });
});

describe('sll-ping.pcap: Linux cooked capture (linktype 113) on "any" in dec-b', async () => {
  const { recs, frames } = await load('sll-ping.pcap');
  const GARP = `1795577976.100452   B 00:00:5e:00:01:33 ethertype ARP (0x0806), length 44: Ethernet (len 6), IPv4 (len 4), Request who-has 198.51.100.50 (ff:ff:ff:ff:ff:ff) tell 198.51.100.50, length 28`;
  const OUT = `1795577976.634089 Out 02:de:c0:00:00:0b ethertype IPv4 (0x0800), length 100: (tos 0x0, ttl 64, id 5869, offset 0, flags [DF], proto ICMP (1), length 84)
    198.51.100.2 > 198.51.100.1: ICMP echo request, id 11983, seq 1, length 64`;
  const IN = `1795577976.634258  In 02:de:c0:00:00:0a ethertype IPv4 (0x0800), length 100: (tos 0x0, ttl 64, id 19995, offset 0, flags [none], proto ICMP (1), length 84)
    198.51.100.1 > 198.51.100.2: ICMP echo reply, id 11983, seq 1, length 64`;
  const PKT_TYPE: Record<string, number> = { In: 0, B: 1, M: 2, P: 3, Out: 4 };

  function tcpdumpSll(line: string) {
    const m =
      /^(\d+)\.(\d{6}) +(In|B|M|P|Out) ([0-9a-f:]{17}) ethertype .*?\((0x[0-9a-f]{4})\), length (\d+): /.exec(
        line,
      );
    if (!m) throw new Error(`not a tcpdump SLL line: ${line}`);
    return {
      tsUs: Number(`${m[1]}${m[2]}`),
      len: Number(m[6]),
      sll: { pktType: PKT_TYPE[m[3] ?? ''], haType: 1, addr: m[4], type: Number(m[5]) },
    };
  }

  it.each([
    [0, GARP],
    [7, OUT],
    [8, IN],
  ])('frame %i: SLL header as tcpdump reads it', (i, line) => {
    const f = at(frames, i);
    const t = tcpdumpSll(line);
    expect(at(recs, i).linkType).toBe(113);
    expect({ tsUs: f.tsUs, len: f.len, sll: f.sll }).toEqual(t);
    expect(f.eth).toBeUndefined();
  });

  it('decodes the layers above the cooked header', () => {
    expect(at(frames, 0).arp).toMatchObject({ gratuitous: true, senderMac: '00:00:5e:00:01:33' });
    expect(at(frames, 7).ip).toMatchObject({ family: 4, src: '198.51.100.2', dst: '198.51.100.1', ttl: 64 });
    expect(at(frames, 7).ip?.payload).toHaveLength(64);
    expect(frames.filter((x) => x.error)).toEqual([]);
  });
});
