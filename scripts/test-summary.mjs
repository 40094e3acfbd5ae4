// Reads vitest's JSON report and prints the closing line CI reads: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const file = process.argv[2] ?? 'reports/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`tests: no report at ${file} (${err.code ?? err.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that failed without any failing test (it did not load, or a hook threw) counts as one failure.
const brokenFiles = (report.testResults ?? []).filter(
  (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// Timings the machine's own noise made INCONCLUSIVE (suites/support/noise.ts, the conformance matrix):
// each was run again once, and that run decided. Listed so that how often it happens is seen.
const log = join(dirname(file), 'inconclusive.jsonl');
if (existsSync(log)) {
  const lines = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const decided = lines.filter((l) => l.attempt === 2);
  console.log(`INCONCLUSIVE, run again: ${decided.length}`);
  for (const l of decided)
    console.log(`  ${l.test}: second run ${l.outcome}${l.detail ? ` (first: ${l.detail})` : ''}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
