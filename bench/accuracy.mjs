// Measurement accuracy: N proxy1 crashes on the post's lab (keepalived). For each, the pcap-derived
// silence (proxy1's last advert → proxy2's first) against the RFC Master_Down_Interval for proxy2
// (v2, priority 80, advert_int 2: 3 × 2000 + 687.5 = 6687.5 ms). The error is keepalived's own lateness
// plus the harness's measurement error; the median is the systematic part.
// Run as root: npm run build && node bench/accuracy.mjs [--runs 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { down } from '../dist/src/lab/down.js';
import { up } from '../dist/src/lab/up.js';
import { POST_SCENARIOS } from '../dist/src/scenario/post.js';
import { runScenario } from '../dist/src/scenario/run.js';
import { masterDownMs } from '../dist/src/timeline/expect.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const mdi = masterDownMs(2, 80, 2000);
const spec = { ...POST_SCENARIOS['proxy1-crash'], observeMs: 500 };
const out = mkdtempSync(join(tmpdir(), 'vrrp-harness-accuracy-'));
const errors = [];
const failovers = [];
try {
  for (let i = 0; i < runs; i++) {
    const { state } = await up({ file: 'topologies/post.yaml', name: 'accuracy' });
    try {
      const r = await runScenario(state, spec, out);
      const h = r.handovers.find((x) => x.vrid === 3);
      if (!h?.silenceMs) throw new Error('no handover measured');
      errors.push(h.silenceMs - mdi);
      failovers.push(h.failoverMs);
      console.log(
        `run ${i + 1}: silence ${h.silenceMs.toFixed(3)} ms, error ${(h.silenceMs - mdi).toFixed(3)} ms, fault→new master ${h.failoverMs.toFixed(1)} ms`,
      );
    } finally {
      await down('accuracy');
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
const sorted = [...errors].sort((a, b) => a - b);
const median =
  sorted.length % 2
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
const maxAbs = Math.max(...errors.map(Math.abs));
console.log(
  `\n${runs} crashes: Master_Down_Interval ${mdi} ms; error vs MDI median ${median.toFixed(3)} ms, min ${sorted[0].toFixed(3)} ms, max ${sorted.at(-1).toFixed(3)} ms (max |error| ${maxAbs.toFixed(3)} ms)`,
);
console.log(JSON.stringify({ mdi, errors, failovers }));
