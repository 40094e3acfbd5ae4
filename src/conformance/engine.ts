/**
 * One conformance scenario on one implementation and protocol variant: a fresh lab (DUT + tester), the
 * scenario's actions through the tester and the fault kinds, then the captures read into observations
 * for the cases' judges. The lab is always torn down; its evidence (pcaps, speaker logs) is kept.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMarker } from '../capture/decode/marker.js';
import { injectFrame } from '../capture/inject.js';
import { type NoiseSummary, noiseCanary } from '../evidence/noise.js';
import type { FaultOptions } from '../faults/fault.js';
import { fault } from '../faults/sequence.js';
import { down } from '../lab/down.js';
import type { LabState } from '../lab/state.js';
import { up } from '../lab/up.js';
import { type Holders, waitForHolders } from '../lab/vips.js';
import { stopCaptures } from '../scenario/run.js';
import { TesterClient, testerSocket } from '../services/tester.js';
import { isSpeaker } from '../speakers/speaker.js';
import { masterDownMs, skewMs } from '../timeline/rfc-timers.js';
import type { SpeakerImpl } from '../topology/schema.js';
import { DeadlineExceeded } from '../util/wait.js';
import { arpRequest, craftFrame, neighborSolicitation } from './craft.js';
import { type DutSpec, dutConf, labTopology, MACS, type Variant, type VariantId } from './lab.js';
import { type Obs, observe } from './observe.js';

/** A tester advert: a valid one for the variant unless a field says otherwise. */
export interface AdvertOpts {
  priority?: number;
  /** the source address it claims (default the variant's peerHigh: above the DUT's) */
  src?: string;
  srcMac?: string;
  vrid?: number;
  intervalMs?: number;
  addresses?: string[];
  count?: number;
  type?: number;
  /** the version nibble, after the checksum was computed */
  versionField?: number;
  /** encode as this protocol version (default the variant's) */
  version?: 2 | 3;
  checksum?: number;
  checksumForm?: 'pseudo' | 'message';
  ttl?: number;
  /** unicast to the DUT (keepalived's unicast_peer): its primary address and MAC instead of the group */
  toDut?: boolean;
  truncate?: number;
  padding?: number;
  authType?: number;
  /** v2 password (default the variant's) */
  password?: string;
  reserved?: number;
}

export interface ScenarioCtx {
  v: Variant;
  impl: SpeakerImpl;
  state: LabState;
  tester: TesterClient;
  advert(o?: AdvertOpts): Buffer;
  /** an ARP request (IPv4) or neighbor solicitation (IPv6) from the tester for the VIP */
  probe(vip?: string): Buffer;
  /** Waits until the VIP's holders satisfy `want` (netlink events); false when `ms` passed first. */
  until(want: (holders: string[]) => boolean, ms: number): Promise<boolean>;
  /** A marker frame labelled `label` in every capture: an instant the judges can find. */
  mark(label: string): Promise<void>;
  fault(kind: string, target: string, opts?: FaultOptions): Promise<void>;
  /** An observation window: the behaviour under test needs this long to show (not a synchronisation). */
  observeFor(ms: number): Promise<void>;
  mdiMs(priority: number, intervalMs?: number): number;
  skewMs(priority: number, intervalMs?: number): number;
}

export interface Scenario {
  id: string;
  /** the variants it runs on (default all) */
  variants?: VariantId[];
  dut(v: Variant): DutSpec;
  /** 'dut-master': up waits until the DUT holds the VIP; 'none': the scenario starts at once */
  start: 'dut-master' | 'none';
  run(ctx: ScenarioCtx): Promise<void>;
}

export interface Observed {
  v: Variant;
  impl: SpeakerImpl;
  obs: Obs[];
  /** marker label → its first capture time (µs) */
  marks: Map<string, number>;
  /** where the evidence was kept */
  evidence: string;
  /** the run itself failed (not a case): every case of it is an error */
  error?: string;
  durationMs: number;
  /** the machine's scheduling noise between two capture instants (µs), as the canary saw it */
  noise(fromUs: number, toUs: number): NoiseSummary;
}

let labCounter = 0;

/** Runs `scenario` once; never throws (a broken run comes back with `error`). */
export async function runOnce(
  scenario: Scenario,
  impl: SpeakerImpl,
  v: Variant,
  outDir: string,
  runsDir?: string,
  attempt = 1,
): Promise<Observed> {
  const t0 = performance.now();
  const canary = noiseCanary();
  const startUs = Date.now() * 1000;
  const lab = `cf-${process.pid % 1000}-${++labCounter}`;
  const evidence = join(outDir, impl, v.id, attempt > 1 ? `${scenario.id}.run${attempt}` : scenario.id);
  const dir = await mkdtemp(join(tmpdir(), 'vrrp-harness-cf-'));
  let state: LabState | undefined;
  let tester: TesterClient | undefined;
  const marks = new Map<string, number>();
  let error: string | undefined;
  let obs: Obs[] = [];
  try {
    const spec = scenario.dut(v);
    await writeFile(join(dir, 'dut.conf'), dutConf(v, spec));
    if (spec.dut2) await writeFile(join(dir, 'dut2.conf'), dutConf(v, spec.dut2));
    // The lab goes to `up` as data: only the speakers' configs are files (the daemons read them).
    const data = labTopology(lab, v, spec, impl, {
      dut: 'dut.conf',
      ...(spec.dut2 ? { dut2: 'dut2.conf' } : {}),
    });
    ({ state } = await up({
      topology: { data, dir, label: `conformance lab ${lab}` },
      name: lab,
      impl: { all: impl },
      waitForElection: scenario.start === 'dut-master',
      graceMs: 5000,
      ...(runsDir ? { runsDir } : {}),
    }));
    const st = state;
    const testerDir = join(st.runDir, 'nodes', 'tester', 'tester');
    tester = await TesterClient.connect(testerSocket(testerDir));
    const speakers = st.nodes.filter((n) => n.name === 'dut' || n.name === 'dut2');
    const ctx: ScenarioCtx = {
      v,
      impl,
      state: st,
      tester,
      advert: (o = {}) => craftAdvert(v, o),
      probe: (vip = v.family === 4 ? (v.vips[0] as string) : (v.vips[1] as string)) =>
        v.family === 4
          ? arpRequest(MACS.tester, v.testerIp, vip)
          : neighborSolicitation(MACS.tester, v.testerIp, vip),
      async until(want, ms) {
        const vip = v.vips[0] as string;
        try {
          await waitForHolders(speakers, [vip], (h: Holders) => want(h.get(vip) ?? []), ms);
          return true;
        } catch (err) {
          if (err instanceof DeadlineExceeded) return false;
          throw err;
        }
      },
      async mark(label) {
        await injectFrame(
          st.runDir,
          encodeMarker({ id: `m-${randomBytes(3).toString('hex')}`, kind: 'mark', target: label }),
        );
      },
      async fault(kind, target, opts = {}) {
        await fault(st.lab, kind, target, opts);
      },
      observeFor: (ms) => new Promise((r) => setTimeout(r, ms)),
      mdiMs: (p, i = v.intervalMs) => masterDownMs(v.version, p, i),
      skewMs: (p, i = v.intervalMs) => skewMs(v.version, p, i),
    };
    await scenario.run(ctx);
  } catch (err) {
    error = (err as Error).message;
  } finally {
    tester?.close();
    if (state) {
      const st = state;
      await stopCaptures(st).catch(() => {});
      obs = await observe(
        v,
        st.segments.map((s) => ({ segment: s.name, file: s.pcap })),
      );
      await mkdir(evidence, { recursive: true });
      await cp(join(st.runDir, 'pcap'), join(evidence, 'pcap'), { recursive: true }).catch(() => {});
      for (const p of st.processes.filter(isSpeaker)) {
        await cp(p.log, join(evidence, `${p.node}-${p.service}.log`)).catch(() => {});
      }
      await down(lab).catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  }
  for (const o of obs) if (o.kind === 'mark' && !marks.has(o.label)) marks.set(o.label, o.tUs);
  // the whole run's noise beside its pcaps: what the machine was doing while it ran
  await mkdir(evidence, { recursive: true });
  await writeFile(
    join(evidence, 'noise.json'),
    `${JSON.stringify(canary.window(startUs, Date.now() * 1000), null, 1)}\n`,
  );
  return {
    v,
    impl,
    obs,
    marks,
    evidence,
    durationMs: performance.now() - t0,
    ...(error ? { error } : {}),
    noise: (fromUs, toUs) => canary.window(fromUs, toUs),
  };
}

export function craftAdvert(v: Variant, o: AdvertOpts): Buffer {
  const version = o.version ?? v.version;
  const intervalMs = o.intervalMs ?? v.intervalMs;
  const password = version === 2 ? (o.password ?? v.password) : undefined;
  return craftFrame({
    family: v.family,
    advert: {
      version,
      vrid: o.vrid ?? v.vrid,
      priority: o.priority ?? 200,
      addresses: o.addresses ?? v.vips,
      intervalMs,
      ...(o.count !== undefined ? { count: o.count } : {}),
      ...(o.type !== undefined ? { type: o.type } : {}),
      ...(o.authType !== undefined ? { authType: o.authType } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(o.reserved !== undefined ? { reserved: o.reserved } : {}),
    },
    encode: {
      ...(o.checksum !== undefined ? { checksum: o.checksum } : {}),
      ...(o.checksumForm ? { checksumForm: o.checksumForm } : {}),
      ...(o.versionField !== undefined ? { versionField: o.versionField } : {}),
    },
    srcIp: o.src ?? v.peerHigh,
    ...(o.srcMac ? { srcMac: o.srcMac } : {}),
    ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
    ...(o.toDut ? { dstIp: v.dutPrimary, dstMac: MACS.dut } : {}),
    ...(o.truncate !== undefined ? { truncate: o.truncate } : {}),
    ...(o.padding !== undefined ? { padding: o.padding } : {}),
  });
}
