import { describe, expect, it } from 'vitest';
import type { Outcome } from '../probes/probe.js';
import type { ScenarioResult, ScenarioSpec } from '../scenario/run.js';
import type { LabEvent } from '../timeline/events.js';
import type { Handover, MasterSpan } from '../timeline/timeline.js';
import { reportHtml } from './html.js';
import { reportMarkdown } from './markdown.js';
import { type Report, report, type ScenarioReport, scenarioReport } from './model.js';
import { failureRuns, type TimelineInput, timelineSvg } from './svg.js';

const T0 = 1_795_577_976_000_000;
const at = (ms: number) => T0 + Math.round(ms * 1000);
const VIP = '198.51.100.50';
const VIP2 = '198.51.100.60';

/** A probe every 50 ms from `fromMs`: '.' a success, 'x' a failure (a 500 ms timeout). */
function probe(fromMs: number, pattern: string, who = 'b'): Outcome[] {
  return [...pattern].map((c, i) =>
    c === '.'
      ? { t: at(fromMs + i * 50), ok: true, ms: 1.5, who }
      : { t: at(fromMs + i * 50), ok: false, ms: 500, error: 'timeout' },
  );
}

/**
 * A minimal XML well-formedness check, enough for what timelineSvg writes: every tag is
 * `<name attr="value" …>`, `</name>` or `<name …/>`, tags nest, there is one root, and text and
 * attribute values hold no raw `<`, `>` or `&` other than the five predefined entities.
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const entity = /&(?:amp|lt|gt|quot|apos);/g;
  const stack: string[] = [];
  let roots = 0;
  let pos = 0;
  for (const m of xml.matchAll(/<[^<>]*>/g)) {
    const text = xml.slice(pos, m.index);
    if (/[<>]/.test(text) || /&/.test(text.replace(entity, ''))) problems.push(`bad text at ${pos}: ${text}`);
    if (stack.length === 0 && text.trim()) problems.push(`text outside the root at ${pos}`);
    pos = m.index + m[0].length;
    const tag = /^<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>$/.exec(m[0]);
    if (!tag) {
      problems.push(`malformed tag ${m[0]}`);
      continue;
    }
    const [, close, name = '', attrs = '', selfClose] = tag;
    if (/&/.test(attrs.replace(entity, ''))) problems.push(`raw & in ${m[0]}`);
    if (close) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(name);
    }
  }
  if (xml.slice(pos).trim()) problems.push('text after the last tag');
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

const count = (s: string, re: RegExp) => [...s.matchAll(re)].length;

describe('xmlProblems (the checker itself)', () => {
  it('accepts well-formed XML and rejects the usual breakages', () => {
    expect(xmlProblems('<svg a="1"><title>x &amp; y</title><rect b="2"/></svg>')).toEqual([]);
    expect(xmlProblems('<svg><title>x & y</title></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><title>x <b> y</title></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><g></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg/><svg/>')).not.toEqual([]);
    expect(xmlProblems('<svg><rect a="x"y"/></svg>')).not.toEqual([]);
  });
});

describe('failureRuns', () => {
  it('no outcomes, or no failure: no run', () => {
    expect(failureRuns([])).toEqual([]);
    expect(failureRuns(probe(0, '.....'))).toEqual([]);
  });

  it('a run closed by a success ends when that success was sent', () => {
    expect(failureRuns(probe(0, '..xxx..'))).toEqual([{ fromUs: at(100), toUs: at(250) }]);
  });

  it('a run still failing at the end lasts until its last request timed out', () => {
    expect(failureRuns(probe(0, '..xx'))).toEqual([{ fromUs: at(100), toUs: at(150 + 500) }]);
  });

  it('separate runs stay separate, a single failure is a run', () => {
    expect(failureRuns(probe(0, 'x.xx...x.'))).toEqual([
      { fromUs: at(0), toUs: at(50) },
      { fromUs: at(100), toUs: at(200) },
      { fromUs: at(350), toUs: at(400) },
    ]);
  });
});

describe('timelineSvg', () => {
  const span = (node: string, fromMs: number, toMs: number, released = false): MasterSpan => ({
    vrid: 51,
    segment: 'lan',
    node,
    priority: node === 'a' ? 100 : 80,
    firstAdvertUs: at(fromMs),
    lastAdvertUs: at(toMs - 2000),
    endUs: at(toMs),
    released,
    open: false,
    intervalMs: 2000,
  });
  const garp = (node: string | undefined, ms: number, vip = VIP): LabEvent => ({
    type: 'garp',
    tUs: at(ms),
    segment: 'lan',
    vip,
    mac: '00:00:5e:00:01:33',
    node,
  });
  const input = (over: Partial<TimelineInput> = {}): TimelineInput => ({
    title: 'Crash <a> & "recover" b',
    vrid: 51,
    vips: [VIP],
    nodes: ['a', 'b'],
    spans: [span('a', 0, 10_000), span('b', 14_687.5, 30_000), span('a', 30_000, 40_000, true)],
    faults: [
      { atUs: at(9000), label: 'host-crash a' },
      { atUs: at(25_000), label: 'host-recover <a> & co' },
    ],
    events: [
      garp('a', 0.2),
      garp('b', 14_687.7),
      garp('b', 14_687.9),
      garp('b', 14_700, '198.51.100.99'), // another VIP: no tick
      garp(undefined, 14_800), // unknown sender: no lane to put it in
      garp('z', 14_900), // not a speaker of this chart
      { type: 'marker', tUs: at(9000), segment: 'lan', id: 'f1', kind: 'host-crash', target: 'a' },
    ],
    probeFailures: failureRuns(probe(9000, '..xxxx..xxx.')),
    fromUs: at(-1000),
    toUs: at(41_000),
    ...over,
  });

  it('is one well-formed <svg> element', () => {
    const svg = timelineSvg(input());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(xmlProblems(svg)).toEqual([]);
  });

  it('draws a master rect per span, a fault line per fault, a failure rect per run, a tick per GARP', () => {
    const t = input();
    const svg = timelineSvg(t);
    expect(t.probeFailures).toHaveLength(2);
    expect(count(svg, /class="master"/g)).toBe(3);
    expect(count(svg, /class="fault"/g)).toBe(2);
    expect(count(svg, /class="probe-failure"/g)).toBe(2);
    expect(count(svg, /class="garp"/g)).toBe(3);
    expect(count(svg, /class="master" data-node="a"/g)).toBe(2);
    expect(svg).toContain('left with priority 0');
  });

  it('skips spans of nodes that have no lane', () => {
    const svg = timelineSvg(input({ spans: [span('a', 0, 10_000), span('z', 10_000, 20_000)] }));
    expect(count(svg, /class="master"/g)).toBe(1);
    expect(svg).not.toContain('data-node="z"');
  });

  it('escapes the title, the fault labels and the node names', () => {
    const svg = timelineSvg(input({ nodes: ['a', 'b&c'], spans: [span('b&c', 0, 10_000)] }));
    expect(svg).toContain('<title>Crash &lt;a&gt; &amp; &quot;recover&quot; b</title>');
    expect(svg).toContain('host-recover &lt;a&gt; &amp; co');
    expect(svg).toContain('data-node="b&amp;c"');
    expect(svg).not.toContain('<a>');
    expect(xmlProblems(svg)).toEqual([]);
  });

  it('keeps every shape inside the chart, even for spans and faults outside the window', () => {
    const svg = timelineSvg(
      input({
        spans: [span('a', -50_000, 100_000)],
        faults: [{ atUs: at(-90_000), label: 'before' }],
        probeFailures: [{ fromUs: at(-5000), toUs: at(500_000) }],
      }),
    );
    expect(xmlProblems(svg)).toEqual([]);
    for (const m of svg.matchAll(/ x="(-?[\d.]+)"(?: y="[\d.]+")? width="(-?[\d.]+)"/g)) {
      const x = Number(m[1]);
      const w = Number(m[2]);
      expect(x).toBeGreaterThanOrEqual(90);
      expect(x + w).toBeLessThanOrEqual(950.05);
    }
    for (const m of svg.matchAll(/<line class="fault" x1="(-?[\d.]+)"/g)) expect(Number(m[1])).toBe(90);
  });

  it('labels the time axis in seconds from the first fault', () => {
    const svg = timelineSvg(input());
    // 42 s shown: a tick every 5 s, counted from the first fault at 9 s
    const labels = [...svg.matchAll(/>(-?\d+)s<\/text>/g)].map((m) => Number(m[1]));
    expect(labels).toEqual([-10, -5, 0, 5, 10, 15, 20, 25, 30]);
    expect(svg).not.toContain('>-0s<');
    // a shorter window: a tick a second
    const short = timelineSvg(input({ fromUs: at(7000), toUs: at(12_500) }));
    expect([...short.matchAll(/>(-?\d+)s<\/text>/g)].map((m) => Number(m[1]))).toEqual([-2, -1, 0, 1, 2, 3]);
  });

  it('an empty chart is still well-formed', () => {
    const svg = timelineSvg(
      input({ spans: [], faults: [], events: [], probeFailures: [], fromUs: at(0), toUs: at(0) }),
    );
    expect(xmlProblems(svg)).toEqual([]);
    expect(count(svg, /class="lane"/g)).toBe(3); // a, b and the clients
  });
});

// ------------------------------------------------------------------------------------------------
// scenarioReport / report / markdown / html

const FAULT_AT = at(10_000);

function handover(over: Partial<Handover>): Handover {
  return {
    vrid: 51,
    vips: [VIP],
    from: 'a',
    to: 'b',
    faultId: 'f1',
    faultAtUs: FAULT_AT,
    lastOldAdvertUs: FAULT_AT - 209_900,
    oldReleased: false,
    newMasterFirstAdvertUs: FAULT_AT + 6_480_300,
    newPriority: 80,
    intervalMs: 2000,
    version: 2,
    firstGarpUs: FAULT_AT + 6_480_500,
    failoverMs: 6480.3,
    silenceMs: 6690.2,
    ...over,
  };
}

function fault(id: string, kind: string, target: string, atUs: number | undefined) {
  return {
    id,
    kind,
    target,
    options: {},
    markedAt: '2026-11-25T03:39:36.000Z',
    doneAt: '2026-11-25T03:39:36.050Z',
    detail: `${kind} ${target}`,
    atUs,
  };
}

function spec(over: Partial<ScenarioSpec> & Pick<ScenarioSpec, 'name' | 'title'>): ScenarioSpec {
  return {
    probes: [
      { name: 'db', node: 'client', kind: 'db', host: VIP2 },
      { name: 'web', node: 'client', kind: 'http', url: `http://${VIP}:8080/health` },
    ],
    steps: [],
    expectHolders: [],
    deadlineMs: 30_000,
    observeMs: 6000,
    ...over,
  };
}

function result(s: ScenarioSpec, over: Partial<ScenarioResult>): ScenarioResult {
  return {
    name: s.name,
    title: s.title,
    faults: [],
    handovers: [],
    spans: [],
    downtime: [],
    probes: {},
    holders: new Map(),
    events: [],
    artifacts: `/tmp/out/${s.name}`,
    ...over,
  };
}

// A silent crash of a: web (VIP) fails from +100 ms, back at +6 550 ms; db (VIP2) never fails.
const crashSpec = spec({
  name: 'crash',
  title: 'Master crash <a> & recovery',
  notes: ['the post expected about 7 s'],
});
const crashResult = result(crashSpec, {
  faults: [fault('f1', 'host-crash', 'a', FAULT_AT), fault('f2', 'link-flap', 'b:eth0', FAULT_AT + 20e6)],
  handovers: [
    handover({}),
    // VRID 52 changed hands after the link flap: no RFC window for that kind
    handover({
      vrid: 52,
      vips: [VIP2],
      faultId: 'f2',
      faultAtUs: FAULT_AT + 20e6,
      lastOldAdvertUs: FAULT_AT + 20e6 + 300_000,
      newMasterFirstAdvertUs: FAULT_AT + 20e6 + 7_000_000,
      firstGarpUs: undefined,
      failoverMs: 7000,
      silenceMs: 6700,
    }),
  ],
  probes: {
    web: probe(9000, `${'.'.repeat(22)}${'x'.repeat(129)}....`),
    db: probe(9010, '.'.repeat(500), 'a'),
  },
  downtime: [
    { probe: 'web', faultId: 'f1', ms: 6500.04, failed: 129 },
    { probe: 'db', faultId: 'f1', ms: 0, failed: 0 },
    { probe: 'web', faultId: 'f2', ms: undefined, failed: 3 },
  ],
});
const crashTimelines = { [VIP]: 'crash/timeline-198.51.100.50.svg' };

// A priority-0 release that took a full MDI: a failure.
const releaseSpec = spec({ name: 'release', title: 'Clean stop of the master' });
const releaseResult = result(releaseSpec, {
  faults: [fault('r1', 'daemon-stop', 'a', FAULT_AT)],
  handovers: [
    handover({
      faultId: 'r1',
      oldReleased: true,
      lastOldAdvertUs: FAULT_AT + 300,
      failoverMs: 6690.5,
      silenceMs: 6690.2,
    }),
  ],
});

// Nothing changed hands; one handover refers to a fault this result does not list.
const quietSpec = spec({ name: 'quiet', title: 'Backup link flap', probes: [] });
const quietResult = result(quietSpec, { faults: [fault('q1', 'link-flap', 'b:eth0', undefined)] });

describe('scenarioReport', () => {
  const s = scenarioReport(crashSpec, crashResult, 'crash', crashTimelines, ['crash/pcap/lan.pcap']);

  it('carries name, title, notes, artifacts and faults', () => {
    expect(s).toMatchObject({
      name: 'crash',
      title: 'Master crash <a> & recovery',
      notes: ['the post expected about 7 s'],
      artifacts: { dir: 'crash', pcaps: ['crash/pcap/lan.pcap'], timelines: crashTimelines },
    });
    expect(s.faults).toEqual([
      {
        id: 'f1',
        kind: 'host-crash',
        target: 'a',
        at: FAULT_AT,
        markedAt: '2026-11-25T03:39:36.000Z',
        detail: 'host-crash a',
      },
      {
        id: 'f2',
        kind: 'link-flap',
        target: 'b:eth0',
        at: FAULT_AT + 20e6,
        markedAt: '2026-11-25T03:39:36.000Z',
        detail: 'link-flap b:eth0',
      },
    ]);
  });

  it('judges each handover with its fault kind', () => {
    const [h1, h2] = s.handovers;
    expect(h1).toEqual({
      vip: VIP,
      vrid: 51,
      from: 'a',
      to: 'b',
      faultId: 'f1',
      faultKind: 'host-crash',
      faultAt: FAULT_AT,
      lastOldAdvertAt: FAULT_AT - 209_900,
      oldReleased: false,
      newMasterFirstAdvertAt: FAULT_AT + 6_480_300,
      firstGarpAt: FAULT_AT + 6_480_500,
      firstClientOkAt: at(9000 + 151 * 50),
      failoverMs: 6480.3,
      silenceMs: 6690.2,
      measured: 'silenceMs',
      expectedMs: { min: 6682.5, max: 6737.5, why: expect.stringMatching(/Master_Down_Interval/) },
      verdict: 'pass',
    });
    expect(h2).toMatchObject({ vrid: 52, faultKind: 'link-flap', expectedMs: null, verdict: 'measured' });
    expect(s.verdict).toBe('pass');
  });

  it("firstClientOkAt comes from the probe watching the handover's VIP", () => {
    const [h1, h2] = s.handovers;
    // web (http://VIP…): first success after its outage; db (host VIP2): never failed, first success after
    // the fault.
    expect(h1?.firstClientOkAt).toBe(at(9000 + 151 * 50));
    const dbFirst = crashResult.probes.db?.find((o) => o.t >= FAULT_AT + 20e6)?.t;
    expect(dbFirst).toBeDefined();
    expect(h2?.firstClientOkAt).toBe(dbFirst);
  });

  it('firstClientOkAt is null without a probe for the VIP', () => {
    const r = scenarioReport(quietSpec, { ...quietResult, handovers: [handover({})] }, 'quiet', {}, []);
    expect(r.handovers[0]?.firstClientOkAt).toBeNull();
  });

  it('a probe of another address that merely contains the VIP is not the VIP probe', () => {
    const vip = '198.51.100.5';
    const sp = spec({
      name: 'sub',
      title: 'substring',
      probes: [
        { name: 'other', node: 'client', kind: 'http', url: `http://${VIP}/` },
        { name: 'mine', node: 'client', kind: 'http', url: `http://${vip}/` },
      ],
    });
    const r = result(sp, {
      faults: [fault('f1', 'host-crash', 'a', FAULT_AT)],
      handovers: [handover({ vips: [vip] })],
      probes: { other: probe(10_000, '....', 'x'), mine: probe(10_100, '....', 'y') },
    });
    expect(scenarioReport(sp, r, 'sub', {}, []).handovers[0]?.firstClientOkAt).toBe(at(10_100));
  });

  it('rounds durations to 0.1 ms and keeps a missing downtime as null', () => {
    expect(s.downtime).toEqual([
      { probe: 'web', faultId: 'f1', ms: 6500, failed: 129 },
      { probe: 'db', faultId: 'f1', ms: 0, failed: 0 },
      { probe: 'web', faultId: 'f2', ms: null, failed: 3 },
    ]);
    const r = scenarioReport(
      crashSpec,
      { ...crashResult, handovers: [handover({ failoverMs: 6480.26, silenceMs: undefined })] },
      'crash',
      {},
      [],
    );
    expect(r.handovers[0]).toMatchObject({ failoverMs: 6480.3, silenceMs: null, verdict: 'fail' });
  });

  it('a released master is judged by Skew_Time: 6.7 s fails the scenario', () => {
    const r = scenarioReport(releaseSpec, releaseResult, 'release', {}, []);
    expect(r.handovers[0]).toMatchObject({
      oldReleased: true,
      measured: 'silenceMs',
      expectedMs: { min: 682.5, max: 737.5 },
      verdict: 'fail',
    });
    expect(r.verdict).toBe('fail');
  });

  it('a handover of a fault it does not know is measured, not judged', () => {
    const r = scenarioReport(
      quietSpec,
      { ...quietResult, handovers: [handover({ faultId: 'zz' })] },
      'q',
      {},
      [],
    );
    expect(r.handovers[0]).toMatchObject({ faultKind: null, expectedMs: null, verdict: 'measured' });
    expect(r.verdict).toBe('pass');
    expect(r.faults[0]?.at).toBeNull();
  });
});

describe('report', () => {
  const scenarios: ScenarioReport[] = [
    scenarioReport(crashSpec, crashResult, 'crash', crashTimelines, ['crash/pcap/lan.pcap']),
    scenarioReport(releaseSpec, releaseResult, 'release', {}, ['release/pcap/lan.pcap']),
    scenarioReport(quietSpec, quietResult, 'quiet', {}, []),
  ];
  const lab = { name: 'pair', topology: 'topologies/pair.yaml', implementation: 'keepalived 2.2.7' };

  it('counts passed and failed scenarios', () => {
    const r = report(lab, scenarios);
    expect(r).toMatchObject({
      schema: 'vrrp-harness/report@1',
      lab,
      summary: { scenarios: 3, passed: 2, failed: 1 },
      scenarios,
    });
    expect(new Date(r.generatedAt).toISOString()).toBe(r.generatedAt);
    expect(report(lab, []).summary).toEqual({ scenarios: 0, passed: 0, failed: 0 });
  });

  it('is plain JSON (what report.json holds)', () => {
    const r = report(lab, scenarios);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  const rep: Report = { ...report(lab, scenarios), generatedAt: '2026-11-25T04:00:00.000Z' };

  describe('reportMarkdown', () => {
    const md = reportMarkdown(rep);

    it('has every scenario title with its verdict, and the summary', () => {
      expect(md).toContain('## Master crash <a> & recovery — PASS');
      expect(md).toContain('## Clean stop of the master — FAIL');
      expect(md).toContain('## Backup link flap — PASS');
      expect(md).toContain('2 of 3 scenarios pass');
      expect(md).toContain('No VIP changed hands.');
      expect(md).toContain('> the post expected about 7 s');
      expect(count(md, /\*\*PASS\*\*/g)).toBe(1);
      expect(count(md, /\*\*FAIL\*\*/g)).toBe(1);
      expect(count(md, /\*\*MEASURED\*\*/g)).toBe(1);
    });

    it('prints offsets from the fault with one sign: -209.9 ms, +6480.3 ms, never +-', () => {
      expect(md).toContain('| -209.9 ms | +6480.3 ms | +6480.5 ms | +6550.0 ms |');
      expect(md).not.toContain('+-');
      expect(md).not.toMatch(/--\d/);
      expect(md).toContain('6690.2 ms (prio 0)');
    });

    it('prints downtime rows, "not recovered" when it never came back', () => {
      expect(md).toContain('| web | host-crash | 6500 ms | 129 |');
      expect(md).toContain('| web | link-flap | not recovered | 3 |');
      expect(md).toContain('[crash/pcap/lan.pcap](crash/pcap/lan.pcap)');
    });
  });

  describe('reportHtml', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" class="timeline"><title>t</title></svg>';
    const html = reportHtml(rep, { 'crash/timeline-198.51.100.50.svg': svg });

    it('has every scenario title (escaped) with its verdict, and inlines the timelines', () => {
      expect(html).toContain(
        '<h2>Master crash &lt;a&gt; &amp; recovery <span class="badge">PASS</span></h2>',
      );
      expect(html).toContain('<h2>Clean stop of the master <span class="badge">FAIL</span></h2>');
      expect(html).toContain('<h2>Backup link flap <span class="badge">PASS</span></h2>');
      expect(html).not.toContain('<a> &');
      expect(html).toContain('<strong>2 of 3</strong>');
      expect(html).toContain(`<div class="svg">${svg}</div>`);
      expect(html).toContain('No VIP changed hands.');
      expect(count(html, /<td class="verdict">PASS<\/td>/g)).toBe(1);
      expect(count(html, /<td class="verdict">FAIL<\/td>/g)).toBe(1);
      expect(count(html, /<td class="verdict">MEASURED<\/td>/g)).toBe(1);
    });

    it('prints offsets from the fault with one sign', () => {
      expect(html).toContain('<td>-209.9 ms</td><td>+6480.3 ms</td><td>+6480.5 ms</td><td>+6550.0 ms</td>');
      expect(html).not.toContain('+-');
      expect(html).not.toMatch(/--\d/);
    });

    it('is one document', () => {
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html.trimEnd().endsWith('</html>')).toBe(true);
      expect(count(html, /<section /g)).toBe(3);
      expect(count(html, /<\/section>/g)).toBe(3);
    });
  });
});
