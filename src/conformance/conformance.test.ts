import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../capture/decode/frame.js';
import {
  type ConformanceReport,
  conformanceJunit,
  conformanceMarkdown,
  summarize,
} from '../report/conformance.js';
import { conformanceHtml, timelineSvg } from '../report/conformance-html.js';
import { topologyFromData } from '../topology/load.js';
import { parseIPv6 } from '../vrrp/addr.js';
import type { Case } from './case.js';
import { CASES } from './cases/index.js';
import { judgeDiscard } from './cases/receive.js';
import { DEVIATIONS } from './deviations.js';
import type { Observed } from './engine.js';
import { baseLab, type DutSpec, dutConf, labTopology, twoDutLab, VARIANT_IDS, VARIANTS } from './lab.js';
import type { Obs } from './observe.js';
import { joinedGroups } from './observe.js';
import { judgeCase, selectCases } from './run.js';

const topo = (p: string) =>
  readFileSync(fileURLToPath(new URL(`../../topologies/conformance/${p}`, import.meta.url)), 'utf8');

describe('conformance cases', () => {
  it('at least 45, each with an id, an RFC reference or a keepalived source, a level and a scenario', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(45);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
    for (const c of CASES) {
      expect(c.rfc).toMatch(/RFC \d{4}|keepalived/);
      if (c.level === 'MUST' || c.level === 'SHOULD' || c.level === 'MAY') expect(c.rfc).toMatch(/RFC \d{4}/);
      expect(c.scenario.id).toMatch(/^[A-Z0-9-]+$/);
    }
  });

  it('every variant has its own set; --only matches case or scenario ids', () => {
    expect(selectCases('v2-ipv4').map((c) => c.id)).toContain('RX-AUTH-PASS');
    expect(selectCases('v3-ipv6').map((c) => c.id)).not.toContain('RX-AUTH-PASS');
    expect(selectCases('v3-ipv6').map((c) => c.id)).toContain('ND-NA');
    expect(selectCases('v3-ipv4', '^RX-TTL$').map((c) => c.id)).toEqual(['RX-TTL']);
    expect(selectCases('v3-ipv4', 'ALONE').length).toBeGreaterThan(8);
  });

  it('each documented deviation names a case that exists', () => {
    for (const d of DEVIATIONS) expect(CASES.map((c) => c.id)).toContain(d.case);
  });
});

describe('conformance labs', () => {
  it.each(VARIANT_IDS)('topologies/conformance/%s is what the runner writes', (id) => {
    const { yaml, conf } = baseLab(VARIANTS[id]);
    expect(topo(`${id}.yaml`)).toBe(yaml);
    expect(topo(`${id}/dut.conf`)).toBe(conf);
    const two = twoDutLab(VARIANTS[id]);
    expect(topo(`${id}-two.yaml`)).toBe(two.yaml);
    expect(topo(`${id}/dut-200.conf`)).toBe(two.conf);
    expect(topo(`${id}/dut2-100.conf`)).toBe(two.conf2);
  });

  it.each(VARIANT_IDS)('%s: the lab goes to up as data and passes the topology schema as it is', (id) => {
    const spec: DutSpec = {
      instances: [{ priority: 100, iface: 'eth1' }],
      dut2: { instances: [{ priority: 100 }] },
    };
    const data = labTopology('cf-x', VARIANTS[id], spec, 'tsvrrpd', { dut: 'dut.conf', dut2: 'dut2.conf' });
    const loaded = topologyFromData(data, '/tmp', 'conformance lab cf-x');
    expect(Object.keys(loaded.topology.nodes)).toEqual(['dut', 'dut2', 'tester']);
    expect(Object.keys(loaded.topology.segments)).toEqual(['lan', 'lan2']);
  });

  it('a broken lab object is refused with the offending path and value', () => {
    const data = labTopology('cf-x', VARIANTS['v2-ipv4'], { instances: [{ priority: 100 }] }, 'keepalived', {
      dut: 'dut.conf',
    });
    (data.segments as Record<string, unknown>).lan = { bridge: 7 };
    expect(() => topologyFromData(data, '/tmp', 'conformance lab cf-x')).toThrow(/segments\.lan\.bridge/);
  });

  it('a DUT config carries what a case asks for', () => {
    const text = dutConf(VARIANTS['v3-ipv6'], {
      instances: [
        { priority: 100, nopreempt: true, preemptDelayS: 1, vmac: true, trackInterfaces: ['eth1'] },
        { priority: 90, iface: 'eth1' },
      ],
      syncGroup: true,
    });
    expect(text).toContain('    nopreempt\n    preempt_delay 1\n    use_vmac\n');
    expect(text).toContain('virtual_ipaddress {\n        fe80::5:10/64\n        2001:db8:1::50/64\n    }');
    expect(text).toContain('interface eth1\n    virtual_router_id 11');
    expect(text).toContain('vrrp_sync_group CF_GROUP {\n    group {\n        CF_1\n        CF_2\n    }\n}');
  });
});

/**
 * Observations of a discard run: valid adverts every 100 ms until `lastValidMs` (1000), broken ones
 * after, the DUT at `dutAtMs`; the canary saw at most `noiseMs` of lateness anywhere.
 */
function discardRun(
  dutAtMs: number | undefined,
  { lastValidMs = 1000, noiseMs = 0.2 }: { lastValidMs?: number; noiseMs?: number } = {},
): Observed {
  const v = VARIANTS['v3-ipv4'];
  const advert = (tMs: number, who: 'tester' | 'dut', priority: number): Obs => ({
    kind: 'advert',
    ok: true,
    tUs: tMs * 1000,
    segment: 'lan',
    srcMac: '00:00:5e:00:01:0a',
    dstMac: '01:00:5e:00:00:12',
    who,
    src: who === 'dut' ? v.dutPrimary : v.peerHigh,
    dst: '224.0.0.18',
    ttl: 255,
    wire: Buffer.alloc(0),
    advert: {
      version: 3,
      type: 1,
      vrid: 10,
      priority,
      addresses: v.vips,
      intervalMs: 100,
      checksum: 0,
      count: 1,
    },
  });
  const obs: Obs[] = [];
  for (let t = 0; t <= lastValidMs; t += 100) obs.push(advert(t, 'tester', 200));
  for (let t = lastValidMs + 100; t <= 2000; t += 100) obs.push(advert(t, 'tester', 199));
  if (dutAtMs !== undefined) obs.push(advert(dutAtMs, 'dut', 100));
  return {
    v,
    impl: 'tsvrrpd',
    obs: obs.sort((a, b) => a.tUs - b.tUs),
    marks: new Map([
      ['swap', 1050_000],
      ['tester-stops', 2050_000],
    ]),
    evidence: '/tmp',
    durationMs: 2100,
    noise: (fromUs, toUs) => ({
      periodMs: 5,
      fromUs,
      toUs,
      samples: Math.round((toUs - fromUs) / 5000),
      medianMs: 0.1,
      p99Ms: noiseMs,
      worstMs: noiseMs,
      worstAtUs: toUs,
      spikes: [],
    }),
  };
}

describe('judging a discard from the captures', () => {
  it('the last valid advert is the last before the take-over, however late the tester swapped', () => {
    // the swap marker at 1050 ms, but the tester kept sending valid adverts until 1200 ms
    const j = judgeDiscard(discardRun(1200 + 361.5, { lastValidMs: 1200 }));
    expect(j.pass).toBe(true);
    expect(j.measured.silence).toBe(361.5);
  });

  it('taking over at last valid + MDI passes, with the error against the formula', () => {
    const j = judgeDiscard(discardRun(1000 + 361.5));
    expect(j.pass).toBe(true);
    expect(j.measured).toEqual({ silence: 361.5, errorMs: 0.56 });
  });

  it('staying backup until the tester stops is "accepted", a fail', () => {
    const j = judgeDiscard(discardRun(2000 + 361));
    expect(j.pass).toBe(false);
    expect(j.detail).toMatch(/^accepted: the DUT stayed backup/);
  });

  it('taking over early says the broken advert changed its timer', () => {
    const j = judgeDiscard(discardRun(1000 + 100));
    expect(j.pass).toBe(false);
    expect(j.detail).toMatch(/before Master_Down_Interval .* changed its timer/);
  });
});

describe("a timing against the machine's noise (INCONCLUSIVE)", () => {
  const rxTtl = CASES.find((c) => c.id === 'RX-TTL') as Case;
  const mdi = 360.9375; // v3, priority 100, 100 ms: 3 × 100 + (256 − 100) × 100 / 256
  const verdict = (dutAfterMs: number, noiseMs: number) =>
    judgeCase(rxTtl, discardRun(1000 + dutAfterMs, { noiseMs }), '/tmp', '/tmp/timeline.svg');

  it('late with a quiet machine: FAIL, with the noise measured', () => {
    const r = verdict(mdi + 80, 0.3);
    expect(r.verdict).toBe('FAIL');
    expect(r.noise?.worstMs).toBe(0.3);
  });

  it('late by less than the machine was: INCONCLUSIVE, never PASS or FAIL', () => {
    // 80 ms late against a 50 ms tolerance while the canary was 40 ms late: 80 − 40 ≤ 50
    const r = verdict(mdi + 80, 40);
    expect(r.verdict).toBe('INCONCLUSIVE');
    expect(r.detail).toMatch(/the machine itself was 40\.0 ms late/);
    expect(r.noise?.worstMs).toBe(40);
  });

  it('late by more than the noise explains: still FAIL', () => {
    expect(verdict(mdi + 120, 40).verdict).toBe('FAIL');
  });

  it('early is never explained by noise', () => {
    expect(verdict(mdi - 100, 200).verdict).toBe('FAIL');
  });

  it('on time stays PASS whatever the noise', () => {
    expect(verdict(mdi + 1, 200).verdict).toBe('PASS');
  });
});

describe('conformance reports', () => {
  const cases = [
    { id: 'RX-TTL', group: 'receive', title: 'TTL 254 is discarded', rfc: 'RFC 5798 §7.1', level: 'MUST' },
    { id: 'ND-NA', group: 'arp-nd', title: 'NA flags <R>', rfc: 'RFC 5798 §6.4.1', level: 'MUST' },
  ];
  const ev = {
    pcaps: ['ts/v3/x/pcap/lan.pcap'],
    logs: ['ts/v3/x/dut-tsvrrpd.log'],
    timeline: 'ts/v3/x/timeline.svg',
  };
  const results = [
    {
      case: 'RX-TTL',
      impl: 'tsvrrpd',
      variant: 'v3-ipv4',
      verdict: 'PASS',
      measured: { silence: 361.2, errorMs: 0.3 },
      expected: 'silence ∈ [355.9, 410.9] ms',
      detail: 'ok',
      scenario: 'RX-TTL',
      evidence: ev,
      durationMs: 1500,
    },
    {
      case: 'ND-NA',
      impl: 'keepalived',
      variant: 'v3-ipv6',
      verdict: 'DEVIATION',
      measured: { flags: 'R=0 S=0 O=1' },
      expected: 'R=1',
      detail: '0 of 12 right',
      deviation: 'R only when forwarding',
      scenario: 'ALONE',
      evidence: ev,
      durationMs: 3000,
    },
    {
      case: 'RX-TTL',
      impl: 'keepalived',
      variant: 'v3-ipv4',
      verdict: 'FAIL',
      measured: { silence: null },
      expected: 'x & y',
      detail: 'accepted <it>',
      scenario: 'RX-TTL',
      evidence: ev,
      durationMs: 1500,
    },
  ] as ConformanceReport['results'];
  const report: ConformanceReport = {
    schema: 'vrrp-harness/conformance@1',
    generatedAt: '2026-12-01T00:00:00.000Z',
    wallTimeMs: 250_000,
    concurrency: 3,
    implementations: [
      { id: 'keepalived', version: 'Keepalived v2.2.7' },
      { id: 'tsvrrpd', version: 'tsvrrpd 0.1.0' },
    ],
    variants: [
      { id: 'v3-ipv4', version: 3, family: 4, intervalMs: 100 },
      { id: 'v3-ipv6', version: 3, family: 6, intervalMs: 100 },
    ],
    cases,
    results,
    summary: summarize(cases, results),
  };

  it('summary counts verdicts and RFC MUST failures per implementation', () => {
    expect(report.summary).toEqual({
      tsvrrpd: { PASS: 1, FAIL: 0, DEVIATION: 0, INCONCLUSIVE: 0, ERROR: 0, mustFailures: 0, reruns: 0 },
      keepalived: { PASS: 0, FAIL: 1, DEVIATION: 1, INCONCLUSIVE: 0, ERROR: 0, mustFailures: 1, reruns: 0 },
    });
  });

  it('markdown: the matrix, then every result that did not pass, explained', () => {
    const md = conformanceMarkdown(report);
    expect(md).toContain('| RX-TTL | MUST | RFC 5798 §7.1 | **FAIL** | – | PASS | – |');
    expect(md).toContain('| ND-NA | MUST | RFC 5798 §6.4.1 | – | DEV | – | – |');
    expect(md).toContain('Why: R only when forwarding');
  });

  it('JUnit: a suite per implementation, failures as failures, escaped', () => {
    const x = conformanceJunit(report);
    expect(x).toContain(
      '<testsuite name="keepalived (Keepalived v2.2.7)" tests="2" failures="1" errors="0" skipped="0">',
    );
    expect(x).toContain('<failure message="accepted &lt;it&gt;">');
    expect(x).toContain('name="RX-TTL [v3-ipv4]" time="1.500"></testcase>');
  });

  it('HTML: colour-coded cells linking to details with the timeline; escaped', () => {
    const h = conformanceHtml(report);
    expect(h).toContain(
      '<td style="background:#cfc"><a href="#r-RX-TTL-tsvrrpd-v3-ipv4">PASS</a><br><small>silence 361.2</small></td>',
    );
    expect(h).toContain('<section id="r-ND-NA-keepalived-v3-ipv6">');
    expect(h).toContain('<img src="ts/v3/x/timeline.svg"');
    expect(h).toContain('NA flags &lt;R&gt;');
    expect(h).not.toContain('<it>');
  });

  it('the timeline SVG has a lane per sender and the markers', () => {
    const svg = timelineSvg(
      'RX-TTL · tsvrrpd',
      [
        { name: 'dut', events: [{ tUs: 1_500_000, kind: 'advert', label: 'priority 100' }] },
        { name: 'tester', events: [{ tUs: 1_000_000, kind: 'invalid', label: 'bad_ttl' }] },
      ],
      [{ tUs: 1_100_000, label: 'swap' }],
    );
    expect(svg).toMatch(/^<svg xmlns/);
    expect(svg).toContain('>dut</text>');
    expect(svg).toContain('>swap</text>');
    expect(svg).toContain('fill="#c2c"');
  });
});

describe('joins in IGMPv3 / MLDv2 reports', () => {
  /** An MLDv2 report with (record type, group) records, as decodeFrame would hand it over. */
  const mld = (records: [number, string][]): Frame => {
    const body = Buffer.alloc(8 + records.length * 20);
    body[0] = 143;
    body.writeUInt16BE(records.length, 6);
    records.forEach(([type, group], i) => {
      body[8 + i * 20] = type;
      Buffer.from(parseIPv6(group) ?? []).copy(body, 8 + i * 20 + 4);
    });
    return { ip: { family: 6, proto: 58, payload: body }, icmpv6: { type: 143 } } as unknown as Frame;
  };
  it('counts EXCLUDE-mode records (a join), not a leave the kernel repeats after a daemon stopped', () => {
    expect(
      joinedGroups(
        mld([
          [4, 'ff02::12'],
          [4, 'ff02::1:ff00:2'],
        ]),
      ),
    ).toEqual(['ff02::12', 'ff02::1:ff00:2']);
    expect(joinedGroups(mld([[2, 'ff02::12']]))).toEqual(['ff02::12']);
    expect(
      joinedGroups(
        mld([
          [3, 'ff02::12'],
          [3, 'ff02::1:ff00:50'],
        ]),
      ),
    ).toEqual([]);
  });
});
