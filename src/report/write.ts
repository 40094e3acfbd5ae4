import { readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { probeWatches } from '../probes/probe.js';
import type { ScenarioResult, ScenarioSpec } from '../scenario/run.js';
import { reportHtml } from './html.js';
import { reportMarkdown } from './markdown.js';
import { type Report, report, type ScenarioReport, scenarioReport } from './model.js';
import { failureRuns, timelineSvg } from './svg.js';

export interface ScenarioRun {
  spec: ScenarioSpec;
  result: ScenarioResult;
  /** Speakers, in lane order. */
  nodes: string[];
  /** VIP → VRID, from the lab's configs. */
  vips: { address: string; vrid: number | undefined }[];
}

/**
 * Writes report.json, report.md, report.html and one SVG timeline per VIP and scenario into `outDir`,
 * next to each scenario's evidence (runScenario put pcaps, probes, faults and logs in outDir/<name>/).
 */
export async function writeReport(outDir: string, lab: Report['lab'], runs: ScenarioRun[]): Promise<Report> {
  const scenarios: ScenarioReport[] = [];
  const svgs: Record<string, string> = {};
  for (const { spec, result: r, nodes, vips } of runs) {
    const dir = relative(outDir, r.artifacts) || '.';
    const fromUs =
      Math.min(...r.spans.map((s) => s.firstAdvertUs), r.faults[0]?.atUs ?? Number.POSITIVE_INFINITY) - 1e6;
    const toUs = (r.events.at(-1)?.tUs ?? fromUs) + 0.5e6;
    const timelines: Record<string, string> = {};
    for (const v of vips) {
      if (v.vrid === undefined) continue;
      const probe = spec.probes.find((p) => probeWatches(p, v.address));
      const svg = timelineSvg({
        title: `${spec.title} — VIP ${v.address} (VRID ${v.vrid})`,
        vrid: v.vrid,
        vips: [v.address],
        nodes,
        spans: r.spans.filter((s) => s.vrid === v.vrid),
        faults: r.faults.flatMap((f) =>
          f.atUs === undefined ? [] : [{ atUs: f.atUs, label: `${f.kind} ${f.target}` }],
        ),
        events: r.events,
        probeFailures: probe ? failureRuns(r.probes[probe.name] ?? []) : [],
        fromUs,
        toUs,
      });
      const file = join(dir, `timeline-${v.address}.svg`);
      await writeFile(join(outDir, file), svg);
      timelines[v.address] = file;
      svgs[file] = svg;
    }
    const pcaps = (await readdir(join(r.artifacts, 'pcap'))).map((p) => join(dir, 'pcap', p));
    scenarios.push(scenarioReport(spec, r, dir, timelines, pcaps));
  }
  const rep = report(lab, scenarios);
  await writeFile(join(outDir, 'report.json'), `${JSON.stringify(rep, null, 2)}\n`);
  await writeFile(join(outDir, 'report.md'), reportMarkdown(rep));
  await writeFile(join(outDir, 'report.html'), reportHtml(rep, svgs));
  return rep;
}
