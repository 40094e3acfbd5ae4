// Does running conformance labs side by side widen the timing error? The timed cases (each measures an
// instant against an RFC formula, `errorMs` in its result) run with 1 lab at a time and with N, on both
// implementations; the error distributions are compared. Run as root:
//   npm run build && node bench/conformance-concurrency.mjs [--rounds 2] [--concurrency 3] [--variant v3-ipv4]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMatrix } from '../dist/src/conformance/run.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '3' },
    variant: { type: 'string', default: 'v3-ipv4' },
  },
});
const ONLY =
  '^(RX-TTL|RX-CHECKSUM|RX-VRID|RX-TYPE|SM-SILENCE|SM-PRIORITY-ZERO|SM-TWO-BACKUPS|PRE-PREEMPT|RX-INTERVAL-V3)$';
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : Number.NaN;
};

const out = mkdtempSync(join(tmpdir(), 'cf-concurrency-'));
const errors = {};
const walls = {};
try {
  for (const k of [1, Number(values.concurrency)]) {
    for (let round = 0; round < Number(values.rounds); round++) {
      const r = await runMatrix({
        impls: ['keepalived', 'tsvrrpd'],
        variants: [values.variant],
        only: ONLY,
        out: join(out, `${k}-${round}`),
        concurrency: k,
      });
      walls[k] = (walls[k] ?? 0) + r.wallTimeMs;
      for (const x of r.results) {
        if (typeof x.measured.errorMs !== 'number') continue;
        const key = `${x.impl} ×${k}`;
        errors[key] ??= [];
        errors[key].push(Math.abs(x.measured.errorMs));
      }
      console.log(
        `concurrency ${k}, round ${round + 1}: ${r.results.length} results in ${(r.wallTimeMs / 1000).toFixed(1)} s`,
      );
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log('\n| implementation × labs at a time | timed results | |error| median | p90 | max | wall time |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [key, xs] of Object.entries(errors)) {
  const k = Number(key.split('×')[1]);
  console.log(
    `| ${key} | ${xs.length} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 90).toFixed(2)} ms | ${Math.max(...xs).toFixed(2)} ms | ${(walls[k] / 1000).toFixed(0)} s |`,
  );
}
