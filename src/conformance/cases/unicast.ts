/**
 * keepalived's unicast_peer (an extension: the RFCs only multicast), as keepalived 2.2.7's vrrp.c does it:
 * adverts go to each peer and not to the group; a unicast advert counts whatever its TTL (a peer may be
 * routed); an advert to the group does not count for a unicast instance. One run: the DUT (100) is master
 * with the tester as its one peer; the tester takes over with unicast adverts at 200, keeps it with
 * unicast ones at TTL 64, then speaks only to the group, which the DUT must not hear.
 */
import { adverts, type Case, check, mark, mdiOf, ms, span, windowed } from '../case.js';
import type { Scenario } from '../engine.js';

const UNICAST: Scenario = {
  id: 'UNICAST',
  start: 'dut-master',
  dut: (v) => ({ instances: [{ priority: 100, unicastPeers: [v.testerIp] }] }),
  async run(c) {
    const I = c.v.intervalMs;
    await c.observeFor(3 * I);
    await c.mark('unicast');
    await c.tester.start('m', [c.advert({ priority: 200, toDut: true })], I);
    if (!(await c.until((h) => !h.includes('dut'), c.mdiMs(100) + 3 * I))) return;
    await c.mark('ttl64');
    await c.tester.swap('m', [c.advert({ priority: 199, toDut: true, ttl: 64 })]);
    await c.observeFor(2 * c.mdiMs(100));
    await c.mark('group');
    await c.tester.swap('m', [c.advert({ priority: 198 })]);
    await c.until((h) => h.includes('dut'), c.mdiMs(100) + 2000);
    await c.tester.stop('m');
  },
};

export const UNICAST_CASES: Case[] = [
  {
    id: 'KA-UNICAST-TX',
    group: 'transmit',
    title: 'unicast_peer: a master sends its adverts to the peer, none to the VRRP group',
    rfc: 'keepalived.conf(5) unicast_peer',
    level: 'keepalived',
    scenario: UNICAST,
    judge(o) {
      const own = adverts(o, 'dut', 0, mark(o, 'unicast'));
      const dsts = [...new Set(own.map((a) => a.dst))];
      const ttls = [...new Set(own.map((a) => a.ttl))];
      return check(
        own.length >= 2 && dsts.length === 1 && dsts[0] === o.v.testerIp,
        { adverts: own.length, destinations: dsts.join(' '), ttls: ttls.join(' ') },
        `every advert to ${o.v.testerIp}, none to the group`,
        `${own.length} adverts to ${dsts.join(', ') || 'nowhere'}, TTL/hop limit ${ttls.join(', ')}`,
      );
    },
  },
  {
    id: 'KA-UNICAST-RX',
    group: 'receive',
    title: 'unicast_peer: a higher priority advert sent to the DUT makes it step down',
    rfc: 'keepalived.conf(5) unicast_peer',
    level: 'keepalived',
    scenario: UNICAST,
    judge(o) {
      const from = mark(o, 'unicast');
      const first = adverts(o, 'tester', from)[0];
      const after = first
        ? adverts(o, 'dut', first.tUs + o.v.intervalMs * 1000 + 50_000, mark(o, 'ttl64'))
        : [];
      return check(
        first !== undefined && after.length === 0,
        { dutAdvertsAfter: after.length },
        'no DUT advert from one interval after the first unicast advert at 200 until the next phase',
        first ? `${after.length} DUT adverts after it` : 'the tester sent nothing',
      );
    },
  },
  {
    id: 'KA-UNICAST-TTL',
    group: 'receive',
    title: 'unicast_peer: a unicast advert counts whatever its TTL / hop limit (64 here)',
    rfc: 'keepalived 2.2.7 vrrp.c: "MUST verify that the IPv4 TTL/IPv6 HL is 255 (but not if unicast)"',
    level: 'keepalived',
    scenario: UNICAST,
    judge(o) {
      const [from, to] = [mark(o, 'ttl64'), mark(o, 'group')];
      const dut = adverts(o, 'dut', from, to);
      return check(
        dut.length === 0,
        { dutAdverts: dut.length, windowMs: ms(to - from) },
        `the DUT stays backup for two Master_Down_Intervals of adverts at TTL 64 (${ms(to - from)} ms)`,
        dut.length ? `the DUT advertised ${dut.length} times: it dropped them` : 'it stayed backup',
      );
    },
  },
  {
    id: 'KA-UNICAST-GROUP',
    group: 'receive',
    title:
      'unicast_peer: an advert to the VRRP group does not count; take-over at MDI after the last unicast one',
    rfc: 'keepalived 2.2.7 vrrp.c: "Expected unicast packet but received multicast packet"',
    level: 'keepalived',
    scenario: UNICAST,
    judge(o) {
      const swap = mark(o, 'group');
      const lastUnicast = adverts(o, 'tester', 0, swap + o.v.intervalMs * 1000)
        .filter((a) => a.dst === o.v.dutPrimary)
        .at(-1);
      const took = adverts(o, 'dut', swap)[0];
      const want = mdiOf(o, 100);
      return windowed(
        'takeover',
        span(lastUnicast, took),
        want,
        `Master_Down_Interval(100) = ${want.toFixed(1)} ms after the last unicast advert`,
      );
    },
  },
];
