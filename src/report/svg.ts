import type { LabEvent } from '../timeline/events.js';
import type { MasterSpan } from '../timeline/timeline.js';
import { esc } from './escape.js';

export interface TimelineInput {
  title: string;
  vrid: number;
  vips: string[];
  /** One lane per speaker, in this order. */
  nodes: string[];
  spans: MasterSpan[];
  faults: { atUs: number; label: string }[];
  events: LabEvent[];
  /** Runs of failed client requests (the probe watching this VIP). */
  probeFailures: { fromUs: number; toUs: number }[];
  fromUs: number;
  toUs: number;
}

/**
 * One VIP's story as an SVG: a lane per proxy, green where it advertised as MASTER (overlaps are dual
 * masters), grey where it did not (BACKUP, FAULT or down: the packets cannot tell them apart); red
 * fault lines, GARP/NA ticks, and the clients' failed requests shaded in their own lane.
 */
export function timelineSvg(t: TimelineInput): string {
  const left = 90;
  const width = 960;
  const lane = 30;
  const top = 46;
  const lanes = [...t.nodes, 'clients'];
  const height = top + lanes.length * lane + 34;
  const span = Math.max(1, t.toUs - t.fromUs);
  const x = (us: number) =>
    left + ((Math.min(Math.max(us, t.fromUs), t.toUs) - t.fromUs) / span) * (width - left - 10);
  const y = (i: number) => top + i * lane;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(t.title)}</title>`,
    `<text x="4" y="16" font-weight="bold">${esc(t.title)}</text>`,
  );
  lanes.forEach((name, i) => {
    out.push(
      `<rect class="lane" x="${left}" y="${y(i) + 4}" width="${width - left - 10}" height="${lane - 8}" fill="#eceff1"/>`,
      `<text x="4" y="${y(i) + lane / 2 + 4}">${esc(name)}</text>`,
    );
  });
  for (const s of t.spans) {
    const i = t.nodes.indexOf(s.node);
    if (i < 0) continue;
    out.push(
      `<rect class="master" data-node="${esc(s.node)}" x="${x(s.firstAdvertUs).toFixed(1)}" y="${y(i) + 4}" width="${Math.max(1, x(s.endUs) - x(s.firstAdvertUs)).toFixed(1)}" height="${lane - 8}" fill="#2e7d32"><title>${esc(s.node)} MASTER (priority ${s.priority})${s.released ? ', left with priority 0' : ''}</title></rect>`,
    );
  }
  const clients = lanes.length - 1;
  for (const f of t.probeFailures) {
    out.push(
      `<rect class="probe-failure" x="${x(f.fromUs).toFixed(1)}" y="${y(clients) + 4}" width="${Math.max(1, x(f.toUs) - x(f.fromUs)).toFixed(1)}" height="${lane - 8}" fill="#e53935" fill-opacity="0.6"><title>client requests failing</title></rect>`,
    );
  }
  for (const e of t.events) {
    const announces =
      (e.type === 'garp' && t.vips.includes(e.vip)) || (e.type === 'na' && t.vips.includes(e.target));
    if (!announces || e.node === undefined) continue;
    const i = t.nodes.indexOf(e.node);
    if (i < 0) continue;
    out.push(
      `<line class="garp" x1="${x(e.tUs).toFixed(1)}" x2="${x(e.tUs).toFixed(1)}" y1="${y(i) + lane - 10}" y2="${y(i) + lane}" stroke="#1565c0" stroke-width="1.5"/>`,
    );
  }
  for (const f of t.faults) {
    out.push(
      `<line class="fault" x1="${x(f.atUs).toFixed(1)}" x2="${x(f.atUs).toFixed(1)}" y1="${top - 10}" y2="${y(lanes.length)}" stroke="#c62828" stroke-dasharray="4 3" stroke-width="1.5"/>`,
      `<text x="${(x(f.atUs) + 3).toFixed(1)}" y="${top - 12}" fill="#c62828">${esc(f.label)}</text>`,
    );
  }
  // Time axis: a tick per second (per 5 s on long runs), labelled relative to the first fault.
  const zero = t.faults[0]?.atUs ?? t.fromUs;
  const step = span > 40e6 ? 5e6 : 1e6;
  const axisY = y(lanes.length) + 4;
  for (let us = zero - Math.floor((zero - t.fromUs) / step) * step; us <= t.toUs; us += step) {
    const label = `${((us - zero) / 1e6).toFixed(0)}s`;
    out.push(
      `<line x1="${x(us).toFixed(1)}" x2="${x(us).toFixed(1)}" y1="${axisY}" y2="${axisY + 5}" stroke="#555"/>`,
      `<text x="${(x(us) - 8).toFixed(1)}" y="${axisY + 18}" fill="#555">${label}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Runs of consecutive failed requests, as time ranges. */
export function failureRuns(
  outcomes: { t: number; ok: boolean; ms: number }[],
): { fromUs: number; toUs: number }[] {
  const runs: { fromUs: number; toUs: number }[] = [];
  let open: { fromUs: number; toUs: number } | undefined;
  for (const o of outcomes) {
    if (!o.ok) {
      open ??= { fromUs: o.t, toUs: o.t };
      open.toUs = o.t + o.ms * 1000;
    } else if (open) {
      open.toUs = o.t;
      runs.push(open);
      open = undefined;
    }
  }
  if (open) runs.push(open);
  return runs;
}
