import type { LabView } from '../src/lab/inspect.js';

/** A plain text table: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatLab(v: LabView): string {
  const rows = v.nodes.flatMap((n) =>
    n.interfaces.map((i, idx) => [
      idx === 0 ? n.name : '',
      idx === 0 ? n.ns : '',
      i.name,
      i.state,
      i.addresses.join(' '),
      i.vips.join(' '),
    ]),
  );
  const vipRows = v.vips.map((x) => [
    x.address,
    x.instance,
    String(x.vrid ?? ''),
    x.holders.join(', ') || '(nobody)',
    x.expected,
  ]);
  const procRows = v.processes.map((p) => [
    p.node,
    p.service,
    String(p.pid),
    p.alive ? 'running' : 'DEAD',
    p.log,
  ]);
  return [
    `lab ${v.lab} (${v.status}, run ${v.runId}, ${v.runDir})`,
    '',
    table(['node', 'namespace', 'iface', 'state', 'addresses', 'VIPs held'], rows),
    '',
    table(['VIP', 'instance', 'VRID', 'held by', 'expected'], vipRows),
    '',
    table(['node', 'service', 'pid', 'state', 'log'], procRows),
  ].join('\n');
}
