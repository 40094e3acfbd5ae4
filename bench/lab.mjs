// Benchmark: the post's lab, median of N runs (default 5), each figure beside a plain shell baseline
// measured in the same run.
//   network plane  createNetwork() vs bench/baseline.sh (one `ip` process per step)
//   up-to-ready    up() total, and without the VRRP election wait the configs impose
//   down           teardown of a lab that is up (library call and `harness down` wall time)
// Run as root: npm run bench [-- --runs 5 --topology topologies/post.yaml]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { down } from '../dist/src/lab/down.js';
import { createNetwork } from '../dist/src/lab/network.js';
import { up } from '../dist/src/lab/up.js';
import { ipBatch } from '../dist/src/netns/ip.js';
import { loadTopology } from '../dist/src/topology/load.js';
import { planLab } from '../dist/src/topology/plan.js';
import { validateTopology } from '../dist/src/topology/validate.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    topology: { type: 'string', default: 'topologies/post.yaml' },
  },
});
const runs = Number(values.runs);
const LAB = 'bench';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;

const plan = planLab(await validateTopology(await loadTopology(values.topology)), LAB);
const deleteAll = () => ipBatch(plan.namespaces.map((ns) => `netns del ${ns}`));

// The baseline's step files, from the same plan.
const steps = mkdtempSync(join(tmpdir(), 'vrrp-harness-bench-'));
writeFileSync(join(steps, 'root.txt'), `${plan.createBatch.join('\n')}\n`);
for (const n of plan.nodes) {
  const kv = Object.entries(n.sysctls).map(([k, v]) => `${k}=${v}`);
  if (kv.length) writeFileSync(join(steps, `sysctl-${n.ns}.txt`), `${kv.join('\n')}\n`);
}
for (const [ns, lines] of plan.configBatches) {
  writeFileSync(join(steps, `ns-${ns}.txt`), `${[`link set lo alias bench`, ...lines].join('\n')}\n`);
}
const stepCount =
  plan.createBatch.length + [...plan.configBatches.values()].reduce((n, l) => n + l.length + 1, 0);

try {
  const ours = [];
  const shell = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order so neither side always runs on a warmer machine.
    for (const side of i % 2 ? ['shell', 'ours'] : ['ours', 'shell']) {
      const t = performance.now();
      if (side === 'ours') await createNetwork(plan, `vrrp-harness lab=${LAB} run=bench`);
      else execFileSync('bash', ['bench/baseline.sh', steps]);
      (side === 'ours' ? ours : shell).push(performance.now() - t);
      await deleteAll();
    }
  }

  const upTotal = [];
  const services = [];
  const upNoElection = [];
  const election = [];
  const downLib = [];
  const downCli = [];
  for (let i = 0; i < runs; i++) {
    const r = await up({ file: values.topology, name: LAB });
    upTotal.push(r.timings.totalMs);
    services.push(r.timings.networkMs + r.timings.servicesMs);
    election.push(r.timings.electionMs);
    upNoElection.push(r.timings.totalMs - r.timings.electionMs);
    if (i % 2 === 0) {
      const t = performance.now();
      await down(LAB);
      downLib.push(performance.now() - t);
    } else {
      const t = performance.now();
      execFileSync('node', ['dist/harness/cli.js', 'down', LAB], { stdio: 'ignore' });
      downCli.push(performance.now() - t);
    }
  }

  const net = median(ours);
  const base = median(shell);
  console.log(
    `vrrp-harness bench: ${values.topology}, ${plan.namespaces.length} namespaces, ${stepCount} ip steps, median of ${runs}`,
  );
  console.log(
    `network plane     ${ms(net).padStart(10)}   shell baseline ${ms(base)} (${(base / net).toFixed(1)}x faster)`,
  );
  console.log(
    `up to ready       ${ms(median(upTotal)).padStart(10)}   of which VRRP election ${ms(median(election))}`,
  );
  console.log(
    `up w/o election   ${ms(median(upNoElection)).padStart(10)}   harness's own time; every daemon ready after ${ms(median(services))}`,
  );
  console.log(`down (library)    ${ms(median(downLib)).padStart(10)}   n=${downLib.length}`);
  console.log(
    `down (CLI, wall)  ${ms(median(downCli)).padStart(10)}   n=${downCli.length}, includes Node start-up`,
  );
  console.log(
    JSON.stringify({ runs, networkMs: ours, shellMs: shell, upTotal, services, election, downLib, downCli }),
  );
} finally {
  rmSync(steps, { recursive: true, force: true });
  await down(LAB).catch(() => {});
  await deleteAll().catch(() => {});
}
