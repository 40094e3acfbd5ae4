import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeFailure } from '../errors.js';
import { type FaultRecord, faultLog } from '../faults/fault.js';
import { type FaultStep, faultSequence } from '../faults/sequence.js';
import { signalAndWait } from '../lab/daemon.js';
import type { LabState } from '../lab/state.js';
import { type Holders, waitForVips } from '../lab/vips.js';
import {
  downtime,
  type Outcome,
  type ProbeSpec,
  type RunningProbe,
  startProbe,
  stopProbe,
} from '../probes/probe.js';
import { isSpeaker } from '../speakers/speaker.js';
import { type LabEvent, readLabEvents } from '../timeline/events.js';
import { type Handover, handoverAfter, type MasterSpan, masterSpans } from '../timeline/timeline.js';
import { waitForLine } from '../util/wait.js';

export interface ScenarioSpec {
  name: string;
  title: string;
  probes: ProbeSpec[];
  steps: FaultStep[];
  /** Where each VIP must end up: the scenario waits for it (netlink events), with a deadline. */
  expectHolders: { address: string; node: string }[];
  deadlineMs: number;
  /**
   * How long to keep observing after the VIPs settled: the evidence (GARP repeats, a late preemption)
   * keeps arriving for a while. This is an observation window, not a synchronisation.
   */
  observeMs: number;
  /** What the report should say beside the numbers (e.g. what the post expected). */
  notes?: string[];
}

export interface ScenarioResult {
  name: string;
  title: string;
  faults: (FaultRecord & { atUs: number | undefined })[];
  handovers: Handover[];
  spans: MasterSpan[];
  downtime: { probe: string; faultId: string; ms: number | undefined; failed: number }[];
  probes: Record<string, Outcome[]>;
  holders: Holders;
  events: LabEvent[];
  artifacts: string;
}

/** SIGINT to the captures: tcpdump closes its file (--immediate-mode: it holds no packet back). */
export async function stopCaptures(state: LabState): Promise<void> {
  await signalAndWait(
    state.processes.filter((p) => p.service.startsWith('tcpdump-')),
    'SIGINT',
    5000,
  );
}

/**
 * The one runner behind `harness demo`, the post suites and (later) the conformance cases: probes on,
 * faults in, wait for the expected outcome, observe, then read the captures into a timeline and measure
 * every handover against the faults' markers. Captures are stopped at the end: one scenario per lab run.
 */
export async function runScenario(
  state: LabState,
  spec: ScenarioSpec,
  outDir: string,
): Promise<ScenarioResult> {
  const probes: RunningProbe[] = [];
  for (const p of spec.probes) probes.push(await startProbe(state, p));
  // Baseline: every probe has answered once before anything breaks.
  await Promise.all(probes.map((p) => waitForLine(p.file, /"ok":true/, 15_000)));

  const speakers = state.nodes.filter((n) => state.vips.some((v) => v.candidates.includes(n.name)));
  const artifacts = join(outDir, spec.name);
  let records: FaultRecord[];
  let holders: Holders;
  try {
    records = await faultSequence(state.lab, spec.steps, async (want) => {
      await waitForVips(
        speakers,
        want.map((h) => ({ address: h.address, expected: h.node })),
        spec.deadlineMs,
      );
    });
    ({ holders } = await waitForVips(
      speakers,
      spec.expectHolders.map((h) => ({ address: h.address, expected: h.node })),
      spec.deadlineMs,
    ));
  } catch (err) {
    // What the packets say about a scenario that did not turn out as expected is the most useful evidence.
    for (const p of probes) await stopProbe(p).catch(() => {});
    await stopCaptures(state);
    await saveEvidence(state, artifacts);
    throw new RuntimeFailure(`${spec.name}: ${(err as Error).message} (evidence in ${artifacts})`);
  }
  await new Promise((r) => setTimeout(r, spec.observeMs));

  const outcomes: Record<string, Outcome[]> = {};
  for (const p of probes) outcomes[p.spec.name] = await stopProbe(p);
  await stopCaptures(state);

  const events = await readLabEvents(state);
  const captureEndUs = events.at(-1)?.tUs ?? 0;
  const faults = records.map((r) => ({
    ...r,
    atUs: events.find((e) => e.type === 'marker' && e.id === r.id)?.tUs,
  }));
  // Each virtual router is a (segment, VRID) pair seen in the adverts, for the VRIDs the configs name.
  const configured = new Set(state.vips.map((v) => v.vrid));
  const routers = [
    ...new Map(
      events.flatMap((e) =>
        e.type === 'advert' && configured.has(e.vrid) ? [[`${e.segment}/${e.vrid}`, e]] : [],
      ),
    ).values(),
  ].map((e) => ({ segment: e.segment, vrid: e.vrid }));
  const spans = routers.flatMap((r) => masterSpans(events, r.vrid, captureEndUs, r.segment));
  const handovers: Handover[] = [];
  for (const f of faults) {
    if (f.atUs === undefined) continue;
    for (const r of routers) {
      const vips = state.vips.filter((v) => v.vrid === r.vrid).map((v) => v.address);
      const h = handoverAfter(events, spans, r.vrid, vips, f.atUs, f.id, r.segment);
      if (
        h &&
        !handovers.some((x) => x.vrid === h.vrid && x.newMasterFirstAdvertUs === h.newMasterFirstAdvertUs)
      ) {
        handovers.push(h);
      }
    }
  }
  const dt = faults.flatMap((f) =>
    f.atUs === undefined
      ? []
      : Object.entries(outcomes).map(([probe, o]) => ({ probe, faultId: f.id, ...downtime(o, f.atUs ?? 0) })),
  );

  await saveEvidence(state, artifacts);
  await writeFile(join(artifacts, 'timeline.json'), JSON.stringify({ spans, handovers, events }, null, 1));
  return {
    name: spec.name,
    title: spec.title,
    faults,
    handovers,
    spans,
    downtime: dt.map((d) => ({ probe: d.probe, faultId: d.faultId, ms: d.ms, failed: d.failed })),
    probes: outcomes,
    holders,
    events,
    artifacts,
  };
}

/** Evidence next to the verdicts: pcaps, faults, probe outcomes, speaker logs (before `down` removes them). */
async function saveEvidence(state: LabState, artifacts: string): Promise<void> {
  await mkdir(artifacts, { recursive: true });
  await cp(join(state.runDir, 'pcap'), join(artifacts, 'pcap'), { recursive: true }).catch(() => {});
  // A scenario without probes has no probe directory.
  await cp(join(state.runDir, 'probes'), join(artifacts, 'probes'), { recursive: true }).catch(() => {});
  await cp(faultLog(state.runDir), join(artifacts, 'faults.jsonl')).catch(() => {});
  for (const p of state.processes.filter(isSpeaker)) {
    await cp(p.log, join(artifacts, `${p.node}-${p.service}.log`)).catch(() => {});
  }
}
