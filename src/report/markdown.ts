import type { HandoverReport, Report } from './model.js';

const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} ms`);
const rel = (at: number | null, from: number) => {
  if (at === null) return '–';
  const d = (at - from) / 1000;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)} ms`;
};

function handoverRow(h: HandoverReport): string {
  const exp = h.expectedMs ? `[${h.expectedMs.min}, ${h.expectedMs.max}] (${h.measured})` : '–';
  return `| ${h.vip} | ${h.from ?? '?'} → ${h.to} | ${h.faultKind ?? '–'} | ${rel(h.lastOldAdvertAt, h.faultAt)} | ${rel(h.newMasterFirstAdvertAt, h.faultAt)} | ${rel(h.firstGarpAt, h.faultAt)} | ${rel(h.firstClientOkAt, h.faultAt)} | ${ms(h.failoverMs)} | ${ms(h.silenceMs)}${h.oldReleased ? ' (prio 0)' : ''} | ${exp} | **${h.verdict.toUpperCase()}** |`;
}

export function reportMarkdown(r: Report): string {
  const out = [
    `# vrrp-harness report: ${r.lab.name}`,
    '',
    `${r.lab.topology}, ${r.lab.implementation}; generated ${r.generatedAt}. ${r.summary.passed} of ${r.summary.scenarios} scenarios pass.`,
    '',
    'Times are read from the segment captures (one clock for packets and fault markers). Columns after the',
    'fault are offsets from the fault marker.',
    '',
  ];
  for (const s of r.scenarios) {
    out.push(`## ${s.title} — ${s.verdict.toUpperCase()}`, '');
    for (const n of s.notes) out.push(`> ${n}`, '');
    out.push(
      `Faults: ${s.faults.map((f) => `${f.kind} ${f.target}`).join(', ')}.`,
      '',
      '| VIP | handover | after | old master last advert | new master first advert | first GARP | first client OK | failover | silence | expected (ms) | verdict |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...s.handovers.map(handoverRow),
      '',
    );
    if (s.handovers.length === 0) out.push('No VIP changed hands.', '');
    for (const h of s.handovers.filter((x) => x.expectedMs)) out.push(`- ${h.vip}: ${h.expectedMs?.why}`);
    out.push('', '| probe | fault | downtime | failed requests |', '|---|---|---|---|');
    for (const d of s.downtime) {
      const f = s.faults.find((x) => x.id === d.faultId);
      out.push(
        `| ${d.probe} | ${f?.kind ?? d.faultId} | ${d.ms === null ? 'not recovered' : `${d.ms.toFixed(0)} ms`} | ${d.failed} |`,
      );
    }
    out.push('', `Evidence: ${s.artifacts.pcaps.map((p) => `[${p}](${p})`).join(', ')}`, '');
  }
  return out.join('\n');
}
