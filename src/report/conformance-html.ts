/**
 * conformance.html: the matrix (cases × implementations × variants, colour-coded, the key measurement
 * in each cell), each cell linked to its details (measured beside expected, the why of a deviation, the
 * evidence files) and to its scenario's timeline SVG (what each node sent, on the capture clock).
 */
import type { ConformanceReport, Verdict } from './conformance.js';
import { esc } from './escape.js';

export interface TimelineEvent {
  tUs: number;
  /** advert (priority shown), zero (priority 0), invalid (a packet a receiver must discard), arp, na, join */
  kind: 'advert' | 'zero' | 'invalid' | 'arp' | 'na' | 'join';
  label: string;
}

export interface TimelineTrack {
  name: string;
  events: TimelineEvent[];
}

const COLOR: Record<TimelineEvent['kind'], string> = {
  advert: '#2a7',
  zero: '#d62',
  invalid: '#c2c',
  arp: '#27c',
  na: '#27c',
  join: '#888',
};

/** One scenario run: a lane per sender, a tick per frame, a dashed line per marker. */
export function timelineSvg(
  title: string,
  tracks: TimelineTrack[],
  markers: { tUs: number; label: string }[],
): string {
  const all = [...tracks.flatMap((t) => t.events.map((e) => e.tUs)), ...markers.map((m) => m.tUs)];
  const t0 = Math.min(...all);
  const t1 = Math.max(...all, t0 + 1);
  const left = 90;
  const width = 1000;
  const lane = 34;
  const top = 40;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * width;
  const h = top + tracks.length * lane + 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 20}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<text x="4" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const [i, t] of tracks.entries()) {
    const y = top + i * lane;
    parts.push(
      `<text x="4" y="${y + 16}">${esc(t.name)}</text>`,
      `<line x1="${left}" x2="${left + width}" y1="${y + 12}" y2="${y + 12}" stroke="#ddd"/>`,
    );
    for (const e of t.events) {
      const hgt = e.kind === 'advert' ? 16 : 10;
      parts.push(
        `<rect x="${x(e.tUs).toFixed(1)}" y="${y + 12 - hgt / 2}" width="2" height="${hgt}" fill="${COLOR[e.kind]}"><title>${esc(`${((e.tUs - t0) / 1000).toFixed(1)} ms: ${e.label}`)}</title></rect>`,
      );
    }
  }
  for (const m of markers) {
    const mx = x(m.tUs).toFixed(1);
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${top - 6}" y2="${h - 30}" stroke="#999" stroke-dasharray="3,3"/>`,
      `<text x="${mx}" y="${top - 9}" fill="#555">${esc(m.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${left}" y="${h - 10}" fill="#555">0 ms</text>`,
    `<text x="${left + width - 60}" y="${h - 10}" fill="#555">${((t1 - t0) / 1000).toFixed(0)} ms</text>`,
    `<text x="${left + 200}" y="${h - 10}" fill="#555">green: advert · orange: priority 0 · purple: invalid · blue: ARP/NA · grey: group join</text>`,
    '</svg>',
  );
  return parts.join('\n');
}

const BG: Record<Verdict, string> = {
  PASS: '#cfc',
  FAIL: '#f99',
  DEVIATION: '#fd8',
  INCONCLUSIVE: '#ddd',
  ERROR: '#d7d',
};

export function conformanceHtml(r: ConformanceReport): string {
  const cols = r.implementations.flatMap((i) => r.variants.map((v) => ({ impl: i.id, variant: v.id })));
  const anchor = (c: string, i: string, v: string) => `r-${c}-${i}-${v}`.replace(/[^A-Za-z0-9-]/g, '_');
  const key = (m: Record<string, unknown>) => {
    const [k, v] = Object.entries(m)[0] ?? [];
    return k === undefined ? '' : `${k} ${typeof v === 'number' ? v : String(v)}`;
  };
  const rows = r.cases.map((c) => {
    const cells = cols.map((x) => {
      const res = r.results.find((y) => y.case === c.id && y.impl === x.impl && y.variant === x.variant);
      if (!res) return '<td class="na">–</td>';
      return `<td style="background:${BG[res.verdict]}"><a href="#${anchor(c.id, x.impl, x.variant)}">${res.verdict}</a><br><small>${esc(key(res.measured))}</small></td>`;
    });
    return `<tr><th title="${esc(c.title)}">${esc(c.id)}</th><td>${esc(c.level)}</td><td class="t">${esc(c.title)}<br><small>${esc(c.rfc)}</small></td>${cells.join('')}</tr>`;
  });
  const details = r.results.map(
    (x) => `<section id="${anchor(x.case, x.impl, x.variant)}">
<h3>${esc(x.case)} · ${esc(x.impl)} · ${esc(x.variant)}: <span style="background:${BG[x.verdict]}">${x.verdict}</span></h3>
<p>${esc(r.cases.find((c) => c.id === x.case)?.title ?? '')} (${esc(r.cases.find((c) => c.id === x.case)?.rfc ?? '')})</p>
<p><b>Expected:</b> ${esc(x.expected)}<br><b>Observed:</b> ${esc(x.detail)}${x.deviation ? `<br><b>Deviation:</b> ${esc(x.deviation)}` : ''}${x.noise ? `<br><b>The machine's own noise in that window</b> (canary): worst ${x.noise.worstMs} ms late, p99 ${x.noise.p99Ms} ms, ${x.noise.samples} samples` : ''}${x.rerun ? `<br><b>Re-run:</b> the first run was ${x.rerun.firstVerdict} (${esc(x.rerun.firstDetail)}; <a href="${esc(x.rerun.firstEvidence.timeline)}">its timeline</a>)` : ''}</p>
<pre>${esc(JSON.stringify(x.measured, null, 1))}</pre>
<p>Scenario ${esc(x.scenario)} (${(x.durationMs / 1000).toFixed(1)} s): <a href="${esc(x.evidence.timeline)}">timeline</a> · ${x.evidence.pcaps.map((p) => `<a href="${esc(p)}">${esc(p.split('/').at(-1) ?? p)}</a>`).join(' · ')} · ${x.evidence.logs.map((p) => `<a href="${esc(p)}">${esc(p.split('/').at(-1) ?? p)}</a>`).join(' · ')}</p>
<img src="${esc(x.evidence.timeline)}" alt="timeline of ${esc(x.scenario)}" style="max-width:100%">
</section>`,
  );
  const summary = r.implementations.map((i) => {
    const s = r.summary[i.id];
    return `<li><b>${esc(i.id)}</b> (${esc(i.version)}): ${s?.PASS ?? 0} PASS, ${s?.DEVIATION ?? 0} DEVIATION, ${s?.FAIL ?? 0} FAIL, ${s?.INCONCLUSIVE ?? 0} INCONCLUSIVE, ${s?.ERROR ?? 0} ERROR; RFC MUST failures: ${s?.mustFailures ?? 0}; decided by a re-run: ${s?.reruns ?? 0}</li>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VRRP conformance</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; font-size: 12px; }
td, th { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; text-align: center; }
td.t { text-align: left; max-width: 28em; }
th { text-align: left; }
td a { color: #000; font-weight: bold; text-decoration: none; }
section { border-top: 1px solid #ccc; margin-top: 1em; }
</style></head><body>
<h1>VRRP conformance</h1>
<p>Generated ${esc(r.generatedAt)} in ${(r.wallTimeMs / 1000).toFixed(0)} s, ${r.concurrency} labs at a time. Variants: ${r.variants.map((v) => `${esc(v.id)} (advert_int ${v.intervalMs} ms)`).join(', ')}.</p>
<ul>${summary.join('')}</ul>
<table>
<tr><th>case</th><th>level</th><th>what</th>${cols.map((c) => `<th>${esc(c.impl)}<br>${esc(c.variant)}</th>`).join('')}</tr>
${rows.join('\n')}
</table>
<h2>Details</h2>
${details.join('\n')}
</body></html>
`;
}
