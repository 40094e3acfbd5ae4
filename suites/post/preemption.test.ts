import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { LAN_VIP, POST_SCENARIOS, WAN_VIP } from '../../src/scenario/post.js';
import { masterDownMs, silentFailover, TOLERANCE } from '../../src/timeline/expect.js';
import { canRunLabs } from '../support/lab.js';
import '../support/matchers.js';
import { expectHandoverTime, labIt } from '../support/noise.js';
import { describeHandover, POST_IMPLS, scenarioOn } from '../support/scenario.js';

describe.skipIf(!canRunLabs).each(POST_IMPLS)("the post's preempt_delay ($name)", ({ tag, impl, proxy1 }) => {
  labIt(
    '2. proxy1 returns: it takes the WAN VIP back after Master_Down_Interval, not after preempt_delay 30',
    async () => {
      const r = await scenarioOn('topologies/post.yaml', `sc2${tag}`, POST_SCENARIOS['proxy1-returns'], impl);
      console.log(describeHandover(r));
      const [crash, recover] = r.faults;
      const away = r.handovers.find((h) => h.vrid === 3 && h.faultId === crash?.id);
      const back = r.handovers.find((h) => h.vrid === 3 && h.faultId === recover?.id);
      expect(away?.to).toBe('proxy2');
      expectHandoverTime(away, 'silence', silentFailover(2, 80, 2000).fromLastAdvert);

      // What the packets say: proxy1 (priority 90) starts as BACKUP, hears proxy2 (80) and preempts when its
      // own master-down timer runs out. Its speaker logged why preempt_delay played no part: WAN_1 has
      // `state MASTER`, and keepalived clears preempt_delay for such instances (tsvrrpd does as keepalived,
      // and logs keepalived's words).
      expect(back?.from).toBe('proxy2');
      expect(back?.to).toBe('proxy1');
      const log = await readFile(join(r.artifacts, `proxy1-${proxy1}.log`), 'utf8');
      expect(log).toMatch(
        /\(WAN_1\) Warning - preempt delay will not work with initial state MASTER - clearing/,
      );
      const mdi = masterDownMs(2, 90, 2000);
      // From the recovery marker: links up and the speaker started (keepalived ~50 ms, tsvrrpd ~250 ms) before its timer runs.
      expectHandoverTime(back, 'failover', {
        min: mdi - TOLERANCE.earlyMs,
        max: mdi + 1000,
        why: `Master_Down_Interval(priority 90) = ${mdi.toFixed(1)} ms after ${proxy1} starts; +1000 ms for the host to come up and ${proxy1} to start; the post expected preempt_delay 30 s`,
      });
      expect(back?.failoverMs).toBeLessThan(30_000);
      expect(r.holders.get(WAN_VIP)).toEqual(['proxy1']);
      expect(r.holders.get(LAN_VIP)).toEqual(['proxy2']);
    },
  );
});
