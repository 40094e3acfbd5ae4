import { describe, expect } from 'vitest';
import { LAN_VIP, POST_SCENARIOS, WAN_VIP } from '../../src/scenario/post.js';
import { silentFailover } from '../../src/timeline/expect.js';
import { canRunLabs } from '../support/lab.js';
import '../support/matchers.js';
import { expectHandoverTime, labIt } from '../support/noise.js';
import { describeHandover, POST_IMPLS, scenarioOn } from '../support/scenario.js';

describe.skipIf(!canRunLabs).each(POST_IMPLS)('a frozen master ($name)', ({ tag, impl }) => {
  labIt(
    '7. proxy1 frozen then thawed: dual master while frozen, resolved by its first advert, GARPs re-announce the VIP',
    async () => {
      const r = await scenarioOn('topologies/post.yaml', `sc7${tag}`, POST_SCENARIOS['proxy1-freeze'], impl);
      console.log(describeHandover(r));
      const [freeze, thaw] = r.faults;
      const away = r.handovers.find((h) => h.vrid === 3 && h.faultId === freeze?.id);
      const back = r.handovers.find((h) => h.vrid === 3 && h.faultId === thaw?.id);
      // Frozen: proxy1 sends nothing, proxy2 takes over after Master_Down_Interval.
      expect(away?.to).toBe('proxy2');
      expectHandoverTime(away, 'silence', silentFailover(2, 80, 2000).fromLastAdvert);
      // Yet proxy1's kernel still holds the VIP on a link that is up: two masters until proxy1 speaks again.
      expect(back?.from).toBe('proxy2');
      expect(back?.to).toBe('proxy1');
      const dualMs = ((back?.newMasterFirstAdvertUs ?? 0) - (away?.newMasterFirstAdvertUs ?? 0)) / 1000;
      console.log(
        `dual master: ${dualMs.toFixed(0)} ms; proxy1 advertised ${back?.failoverMs.toFixed(1)} ms after the thaw`,
      );
      expect(dualMs).toBeGreaterThan(0);
      // Thawed, proxy1's overdue advert timer fires at once (well within one interval), and proxy2 (80 < 90) yields.
      expect(back?.failoverMs).toBeLessThan(2000);
      // Re-announcement: proxy1 sends gratuitous ARPs for the VIP right after the thaw.
      const garp = back?.firstGarpUs;
      expect(garp).toBeDefined();
      console.log(
        `first GARP from proxy1 ${(((garp ?? 0) - (thaw?.atUs ?? 0)) / 1000).toFixed(1)} ms after the thaw`,
      );
      expect(((garp ?? 0) - (thaw?.atUs ?? 0)) / 1000).toBeLessThan(2000);
      expect(r.holders.get(WAN_VIP)).toEqual(['proxy1']);
      expect(r.holders.get(LAN_VIP)).toEqual(['proxy2']);
    },
  );
});
