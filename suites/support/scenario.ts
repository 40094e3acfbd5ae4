import { join, resolve } from 'node:path';
import { down } from '../../src/lab/down.js';
import { up } from '../../src/lab/up.js';
import { runScenario, type ScenarioResult, type ScenarioSpec } from '../../src/scenario/run.js';
import type { ImplChoice } from '../../src/topology/impl.js';
import { ROOT } from './lab.js';
import { watchNoise } from './noise.js';

export const SCENARIO_OUT = join(ROOT, 'reports', 'scenarios');

/**
 * Brings a lab up, runs one scenario, always tears the lab down. The scenario's evidence (pcaps, faults,
 * probe outcomes, keepalived logs) is copied to reports/scenarios/<name>/ first, and its path printed.
 */
export async function scenarioOn(
  topology: string,
  lab: string,
  spec: ScenarioSpec,
  impl?: ImplChoice,
): Promise<ScenarioResult> {
  watchNoise();
  await down(lab).catch(() => {});
  const { state } = await up({ file: resolve(ROOT, topology), name: lab, runsDir: join(ROOT, 'runs'), impl });
  try {
    const r = await runScenario(state, spec, SCENARIO_OUT);
    console.log(`${spec.name}: evidence in ${r.artifacts}`);
    return r;
  } finally {
    await down(lab);
  }
}

export function describeHandover(r: ScenarioResult): string {
  return r.handovers
    .map(
      (h) =>
        `VRID ${h.vrid} ${h.from ?? '?'} → ${h.to}: fault→new master ${h.failoverMs.toFixed(1)} ms, last old advert→new master ${h.silenceMs?.toFixed(1) ?? '?'} ms${h.oldReleased ? ' (priority 0)' : ''}, first GARP ${h.firstGarpUs ? `${((h.firstGarpUs - h.newMasterFirstAdvertUs) / 1000).toFixed(1)} ms after` : 'none'}`,
    )
    .join('\n');
}

/**
 * The post's scenarios run three times: with keepalived on both proxies (the post's own setup), with
 * tsvrrpd on both, and mixed. Same configs, same expectations: tsvrrpd must be a drop-in.
 */
export const POST_IMPLS: { tag: string; name: string; impl: ImplChoice | undefined; proxy1: string }[] = [
  { tag: '', name: 'keepalived', impl: undefined, proxy1: 'keepalived' },
  { tag: '-ts', name: 'tsvrrpd', impl: { all: 'tsvrrpd' }, proxy1: 'tsvrrpd' },
  {
    tag: '-mx',
    name: 'keepalived on proxy1, tsvrrpd on proxy2',
    impl: { nodes: { proxy1: 'keepalived', proxy2: 'tsvrrpd' } },
    proxy1: 'keepalived',
  },
];
