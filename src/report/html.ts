import { esc } from './escape.js';
import type { Report } from './model.js';

const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} ms`);
const rel = (at: number | null, from: number) => {
  if (at === null) return '–';
  const d = (at - from) / 1000;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)} ms`;
};

/** report.html: one self-contained page, the SVG timelines inlined (no script, no external asset). */
export function reportHtml(r: Report, svgs: Record<string, string>): string {
  const sections = r.scenarios.map((s) => {
    const rows = s.handovers
      .map(
        (
          h,
        ) => `<tr class="${h.verdict}"><td>${esc(h.vip)}</td><td>${esc(h.from ?? '?')} → ${esc(h.to)}</td><td>${esc(h.faultKind ?? '–')}</td>
<td>${rel(h.lastOldAdvertAt, h.faultAt)}</td><td>${rel(h.newMasterFirstAdvertAt, h.faultAt)}</td><td>${rel(h.firstGarpAt, h.faultAt)}</td><td>${rel(h.firstClientOkAt, h.faultAt)}</td>
<td>${ms(h.failoverMs)}</td><td>${ms(h.silenceMs)}${h.oldReleased ? ' (prio 0)' : ''}</td>
<td title="${esc(h.expectedMs?.why ?? '')}">${h.expectedMs ? `[${h.expectedMs.min}, ${h.expectedMs.max}] ${h.measured}` : '–'}</td><td class="verdict">${h.verdict.toUpperCase()}</td></tr>`,
      )
      .join('\n');
    const downtime = s.downtime
      .map((d) => {
        const f = s.faults.find((x) => x.id === d.faultId);
        return `<tr><td>${esc(d.probe)}</td><td>${esc(f ? `${f.kind} ${f.target}` : d.faultId)}</td><td>${d.ms === null ? 'not recovered' : `${d.ms.toFixed(0)} ms`}</td><td>${d.failed}</td></tr>`;
      })
      .join('\n');
    const timelines = Object.entries(s.artifacts.timelines)
      .map(
        ([vip, file]) =>
          `<figure><div class="svg">${svgs[file] ?? ''}</div><figcaption>${esc(vip)} — <a href="${esc(file)}">${esc(file)}</a></figcaption></figure>`,
      )
      .join('\n');
    return `<section id="${esc(s.name)}" class="scenario ${s.verdict}">
<h2>${esc(s.title)} <span class="badge">${s.verdict.toUpperCase()}</span></h2>
${s.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
<p>Faults: ${s.faults.map((f) => `<code>${esc(f.kind)} ${esc(f.target)}</code>`).join(', ')}</p>
${timelines}
<table><thead><tr><th>VIP</th><th>handover</th><th>after</th><th>old master last advert</th><th>new master first advert</th><th>first GARP</th><th>first client OK</th><th>failover</th><th>silence</th><th>expected</th><th>verdict</th></tr></thead>
<tbody>${rows || '<tr><td colspan="11">No VIP changed hands.</td></tr>'}</tbody></table>
<table><thead><tr><th>probe</th><th>fault</th><th>downtime</th><th>failed requests</th></tr></thead><tbody>${downtime}</tbody></table>
<p class="evidence">Evidence: ${s.artifacts.pcaps.map((p) => `<a href="${esc(p)}">${esc(p)}</a>`).join(' · ')}</p>
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vrrp-harness report: ${esc(r.lab.name)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}td,th{border:1px solid #ccc;padding:.25rem .45rem;text-align:left}
tr.pass .verdict,.pass>h2 .badge{color:#2e7d32}tr.fail .verdict,.fail>h2 .badge{color:#c62828}
.badge{font-size:.8rem;border:1px solid currentColor;border-radius:4px;padding:0 .3rem}
.note{background:#fff8e1;border-left:4px solid #ffb300;padding:.4rem .6rem}figure{margin:.5rem 0}.svg{overflow-x:auto}
</style></head><body>
<h1>vrrp-harness report: ${esc(r.lab.name)}</h1>
<p>${esc(r.lab.topology)}, ${esc(r.lab.implementation)}, generated ${esc(r.generatedAt)}: <strong>${r.summary.passed} of ${r.summary.scenarios}</strong> scenarios pass.
Times come from the segment captures; offsets are from each fault's marker frame.</p>
<ul>${r.scenarios.map((s) => `<li><a href="#${esc(s.name)}">${esc(s.title)}</a> — ${s.verdict.toUpperCase()}</li>`).join('')}</ul>
${sections.join('\n')}
</body></html>
`;
}
