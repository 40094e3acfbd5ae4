import { describe, expect } from 'vitest';
import { FIXED_LAN_LINK, LAN_VIP, POST_SCENARIOS, WAN_VIP } from '../../src/scenario/post.js';
import { masterDownMs, releaseFailover, TOLERANCE } from '../../src/timeline/expect.js';
import { canRunLabs } from '../support/lab.js';
import '../support/matchers.js';
import { expectHandoverTime, labIt } from '../support/noise.js';
import { describeHandover, POST_IMPLS, scenarioOn } from '../support/scenario.js';

describe.skipIf(!canRunLabs).each(POST_IMPLS)("the post's interface failures ($name)", ({ tag, impl }) => {
  labIt(
    "4. proxy1's WAN link down: FAULT, priority 0, takeover at Skew_Time; link back: proxy1 preempts after Master_Down_Interval",
    async () => {
      const r = await scenarioOn(
        'topologies/post.yaml',
        `sc4${tag}`,
        POST_SCENARIOS['proxy1-wan-link'],
        impl,
      );
      console.log(describeHandover(r));
      const [down, up] = r.faults;
      const away = r.handovers.find((h) => h.vrid === 3 && h.faultId === down?.id);
      const back = r.handovers.find((h) => h.vrid === 3 && h.faultId === up?.id);
      // The speaker leaves MASTER for FAULT with a priority-0 advert: the backup does not wait for MDI.
      expect(away?.from).toBe('proxy1');
      expect(away?.to).toBe('proxy2');
      expect(away?.oldReleased).toBe(true);
      expectHandoverTime(away, 'silence', releaseFailover(2, 80, 2000));
      // Link up: the speaker hears of it over netlink, goes BACKUP, and preempts when its timer runs out.
      const mdi = masterDownMs(2, 90, 2000);
      expect(back?.to).toBe('proxy1');
      expectHandoverTime(back, 'failover', {
        min: mdi - TOLERANCE.earlyMs,
        max: mdi + 500,
        why: `Master_Down_Interval(priority 90) = ${mdi.toFixed(1)} ms after the link is up; +500 ms for the speaker to learn it over netlink`,
      });
      expect(r.holders.get(WAN_VIP)).toEqual(['proxy1']);
      expect(r.holders.get(LAN_VIP)).toEqual(['proxy2']);
    },
  );

  labIt(
    "5. the post's open question, post's config: proxy1 keeps the WAN VIP and every client request fails",
    async () => {
      const r = await scenarioOn(
        'topologies/post.yaml',
        `sc5${tag}`,
        POST_SCENARIOS['proxy1-lan-link'],
        impl,
      );
      const fault = r.faults[0]?.atUs ?? 0;
      // WAN_1 tracks eth2 only: nothing tells it that its nginx can no longer reach the webs.
      expect(r.handovers.filter((h) => h.vrid === 3)).toEqual([]);
      expect(r.holders.get(WAN_VIP)).toEqual(['proxy1']);
      const after = r.probes.http?.filter((o) => o.t > fault + 100_000) ?? [];
      const served = after.filter((o) => o.ok).length;
      console.log(
        `after proxy1:eth1 down: ${served} of ${after.length} client requests served over ${r.faults.length ? 9 : 0} s (${after.find((o) => !o.ok)?.error})`,
      );
      expect(after.length).toBeGreaterThan(100);
      expect(served).toBe(0);
      // The webs' own database path (LAN VIP on proxy2) never noticed.
      expect(r.downtime.find((d) => d.probe === 'db')?.failed).toBe(0);
    },
  );

  labIt(
    '5. the same failure with the corrected configuration (WAN_1 also tracks eth1): clients served within a second',
    async () => {
      const r = await scenarioOn('topologies/post-fixed.yaml', `sc5f${tag}`, FIXED_LAN_LINK, impl);
      console.log(describeHandover(r));
      const wan = r.handovers.find((h) => h.vrid === 3);
      expect(wan?.from).toBe('proxy1');
      expect(wan?.to).toBe('proxy2');
      expect(wan?.oldReleased).toBe(true);
      expectHandoverTime(wan, 'silence', releaseFailover(2, 80, 2000));
      expect(r.holders.get(WAN_VIP)).toEqual(['proxy2']);
      const http = r.downtime.find((d) => d.probe === 'http');
      console.log(`client downtime ${http?.ms?.toFixed(0)} ms, ${http?.failed} failed requests`);
      // Skew_Time (0.69 s) + one probe timeout (0.5 s) for a request caught in flight to the old MAC.
      expect(http?.ms).toBeLessThan(2000);
      expect(r.probes.http?.at(-1)?.ok).toBe(true);
    },
  );
});
