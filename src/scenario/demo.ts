import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { down } from '../lab/down.js';
import { up } from '../lab/up.js';
import type { Report } from '../report/model.js';
import { type ScenarioRun, writeReport } from '../report/write.js';
import { projectRoot } from '../util/program.js';
import { FIXED_LAN_LINK, POST_SCENARIOS } from './post.js';
import { runScenario, type ScenarioSpec } from './run.js';

const ROOT = projectRoot(import.meta.url);

/** The demo: the post's lab through scenarios 1, 2 and 5 (and 5 on the corrected lab), then the report. */
export const DEMO: [string, ScenarioSpec][] = [
  ['topologies/post.yaml', POST_SCENARIOS['proxy1-crash']],
  ['topologies/post.yaml', POST_SCENARIOS['proxy1-returns']],
  ['topologies/post.yaml', POST_SCENARIOS['proxy1-lan-link']],
  ['topologies/post-fixed.yaml', FIXED_LAN_LINK],
];

export async function keepalivedVersion(): Promise<string> {
  const r = await execa('keepalived', ['--version'], { reject: false, all: true });
  return r.all?.split('\n')[0]?.trim() || 'keepalived';
}

/** Each scenario on a fresh lab (its captures end with it); every lab is torn down, passing or not. */
export async function runScenarios(
  plan: [string, ScenarioSpec][],
  outDir: string,
  progress: (m: string) => void = () => {},
  // Not 'demo': a lab's run directory is runs/<lab>, and runs/demo is where the demo's report goes.
  lab = 'demo-lab',
): Promise<Report> {
  const runs: ScenarioRun[] = [];
  for (const [topology, spec] of plan) {
    progress(`${spec.name}: ${spec.title}`);
    await down(lab).catch(() => {});
    const { state } = await up({ file: join(ROOT, topology), name: lab, runsDir: join(ROOT, 'runs') });
    try {
      const result = await runScenario(state, spec, resolve(outDir));
      const nodes = state.nodes
        .filter((n) => state.vips.some((v) => v.candidates.includes(n.name)))
        .map((n) => n.name);
      runs.push({ spec, result, nodes, vips: state.vips.map((v) => ({ address: v.address, vrid: v.vrid })) });
    } finally {
      await down(lab);
    }
  }
  return writeReport(
    resolve(outDir),
    { name: 'post', topology: 'topologies/post.yaml', implementation: await keepalivedVersion() },
    runs,
  );
}
