import { describe, expect, it } from 'vitest';
import { LAN_VIP, POST_SCENARIOS, WAN_VIP } from '../../src/scenario/post.js';
import { releaseFailover, silentFailover } from '../../src/timeline/expect.js';
import { canRunLabs } from '../support/lab.js';
import '../support/matchers.js';
import { describeHandover, POST_IMPLS, scenarioOn } from '../support/scenario.js';

const WAN_VRID = 3;
const LAN_VRID = 4;

describe.skipIf(!canRunLabs).each(POST_IMPLS)(
  "the post's failures, measured from the captures ($name)",
  ({ tag, impl }) => {
    it('1. proxy1 host crash: WAN VIP to proxy2 within the RFC bound, both VIPs on proxy2', async () => {
      const r = await scenarioOn('topologies/post.yaml', `sc1${tag}`, POST_SCENARIOS['proxy1-crash'], impl);
      console.log(describeHandover(r));
      const wan = r.handovers.find((h) => h.vrid === WAN_VRID);
      expect(wan?.from).toBe('proxy1');
      expect(wan?.to).toBe('proxy2');
      // proxy2's WAN_1 priority is 80, v2, advert_int 2 s.
      const w = silentFailover(2, 80, 2000);
      expect(wan?.silenceMs).toBeWithin(w.fromLastAdvert);
      expect(wan?.failoverMs).toBeWithin(w.fromFault);
      expect(wan?.firstGarpUs).toBeDefined();
      // keepalived's GARP semantics with the post's garp_master_delay 1 (garp_master_repeat defaults to 5):
      // a burst of 5 on becoming master, and 5 more one second later.
      const garps = r.events
        .filter(
          (e) =>
            e.type === 'garp' &&
            e.vip === WAN_VIP &&
            e.node === 'proxy2' &&
            e.tUs >= (wan?.newMasterFirstAdvertUs ?? 0),
        )
        .map((e) => (e.tUs - (wan?.newMasterFirstAdvertUs ?? 0)) / 1000);
      console.log(`GARPs after takeover (ms): ${garps.map((g) => g.toFixed(1)).join(' ')}`);
      expect(garps.filter((g) => g < 25)).toHaveLength(5);
      expect(garps.filter((g) => g >= 1000 - 5 && g <= 1000 + 25)).toHaveLength(5);
      expect(r.holders.get(WAN_VIP)).toEqual(['proxy2']);
      expect(r.holders.get(LAN_VIP)).toEqual(['proxy2']);
      const http = r.downtime.find((d) => d.probe === 'http');
      console.log(
        `client downtime ${http?.ms?.toFixed(0)} ms (${http?.failed} failed requests); db ${r.downtime.find((d) => d.probe === 'db')?.ms} ms`,
      );
      expect(http?.ms).toBeGreaterThan(0);
    });

    it('3. proxy2 host crash: LAN VIP to proxy1', async () => {
      const r = await scenarioOn('topologies/post.yaml', `sc3${tag}`, POST_SCENARIOS['proxy2-crash'], impl);
      console.log(describeHandover(r));
      const lan = r.handovers.find((h) => h.vrid === LAN_VRID);
      expect(lan?.from).toBe('proxy2');
      expect(lan?.to).toBe('proxy1');
      const w = silentFailover(2, 80, 2000);
      expect(lan?.silenceMs).toBeWithin(w.fromLastAdvert);
      expect(lan?.failoverMs).toBeWithin(w.fromFault);
      expect(r.holders.get(LAN_VIP)).toEqual(['proxy1']);
      expect(r.holders.get(WAN_VIP)).toEqual(['proxy1']);
    });

    it('6. the speaker on proxy1 stopped cleanly: priority 0, takeover at Skew_Time, not Master_Down_Interval', async () => {
      const r = await scenarioOn(
        'topologies/post.yaml',
        `sc6${tag}`,
        POST_SCENARIOS['proxy1-graceful-stop'],
        impl,
      );
      console.log(describeHandover(r));
      const wan = r.handovers.find((h) => h.vrid === WAN_VRID);
      expect(wan?.oldReleased).toBe(true);
      expect(wan?.to).toBe('proxy2');
      expect(wan?.silenceMs).toBeWithin(releaseFailover(2, 80, 2000));
    });
  },
);
