import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { launchInjector } from '../capture/inject.js';
import { launchCapture, pcapPath } from '../capture/tcpdump.js';
import { InputError, RuntimeFailure, type SourcePos } from '../errors.js';
import type { ConfigWarning } from '../keepalived/config/vrrp.js';
import { addresses, listNetns } from '../netns/ip.js';
import { launchNginx } from '../services/nginx.js';
import { launchPostgres, pgTemplate, postgresHome } from '../services/postgres.js';
import type { Launch, ServiceContext } from '../services/service.js';
import { launchTester } from '../services/tester.js';
import { launchWebapp } from '../services/webapp.js';
import { isSpeaker, SPEAKERS } from '../speakers/speaker.js';
import type { ImplChoice } from '../topology/impl.js';
import { loadTopology, topologyFromData } from '../topology/load.js';
import { type LabPlan, planLab } from '../topology/plan.js';
import { LabName } from '../topology/schema.js';
import { SWITCH, validateTopology } from '../topology/validate.js';
import { waitForLine, withDeadline } from '../util/wait.js';
import { type CheckResult, runCheck } from './checks.js';
import { logTail, type RunningDaemon, startDaemon } from './daemon.js';
import { createNetwork } from './network.js';
import { isAlive, procStartTime } from './proc.js';
import {
  findLab,
  type LabState,
  readState,
  runEnv,
  SCRATCH_ROOT,
  scratchDir,
  tagFor,
  writeState,
} from './state.js';
import { teardown } from './teardown.js';
import { type Holders, waitForVips } from './vips.js';

/** A topology file, or one built in code (relative paths in it resolve from `dir`). */
export type TopologySource =
  | { file: string; topology?: undefined }
  | { file?: undefined; topology: { data: unknown; dir: string; label: string } };

export type UpOptions = TopologySource & {
  name?: string;
  /** Which speaker runs on which node (default: what the topology file says, else keepalived). */
  impl?: ImplChoice | undefined;
  /** Parent of the run directories; the lab's is <runsDir>/<lab>. */
  runsDir?: string;
  /** Extra time allowed beyond what the VRRP configuration needs to settle. */
  graceMs?: number;
  /**
   * Wait until every VIP sits on the node the priorities elect (default true). A lab built to show a
   * broken election (mismatched authentication: two masters) turns it off and waits for what it expects.
   */
  waitForElection?: boolean;
  progress?: (msg: string) => void;
  /** Aborting it (Ctrl-C in the CLI) stops `up` where it is and rolls back what it created. */
  signal?: AbortSignal;
};

export interface UpResult {
  state: LabState;
  plan: LabPlan;
  holders: Holders;
  checks: CheckResult[];
  timings: { networkMs: number; servicesMs: number; electionMs: number; checksMs: number; totalMs: number };
}

export const DEFAULT_RUNS_DIR = 'runs';

/** Loads and validates a topology, then everything `up` checks before it may create anything. */
export async function prepare(opts: UpOptions) {
  const loaded = opts.topology
    ? topologyFromData(opts.topology.data, opts.topology.dir, opts.topology.label)
    : await loadTopology(opts.file);
  const resolved = await validateTopology(loaded, { impl: opts.impl });
  const lab = opts.name ?? loaded.topology.name;
  const check = LabName.safeParse(lab);
  if (!check.success) throw new InputError(`--name '${lab}': ${check.error.issues[0]?.message}`);
  const plan = planLab(resolved, lab);
  const runDir = resolve(opts.runsDir ?? DEFAULT_RUNS_DIR, lab);

  const known = await findLab(lab);
  if (known) {
    const st = await readState(known.runDir);
    const alive = st && (st.status === 'up' || (await isAlive(st.owner.pid, st.owner.startTime)));
    throw new InputError(
      alive
        ? `lab '${lab}' is already up (harness down ${lab})`
        : `lab '${lab}' has stale leftovers (harness gc)`,
    );
  }
  const taken = new Set(await listNetns());
  const clash = plan.namespaces.filter((ns) => taken.has(ns));
  if (clash.length > 0) {
    throw new InputError(
      `network namespace(s) ${clash.join(', ')} already exist and are not this lab's (--name picks another lab name)`,
    );
  }
  try {
    const entries = await readdir(runDir);
    if (entries.length > 0 && !entries.includes('lab.json')) {
      throw new InputError(`run directory ${runDir} exists and is not a lab's: choose another --runs-dir`);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
  }
  if (plan.nodes.some((n) => n.services.some((s) => s.kind === 'postgres')))
    await postgresHome(runDir, SCRATCH_ROOT);
  // A speaker that reads the file its own way (tsvrrpd) says what it cannot run now, not after `up` began.
  const notes = new Map<string, ConfigWarning[]>();
  for (const node of plan.nodes) {
    if (!node.vrrp) continue;
    const check = SPEAKERS[node.vrrp.impl].check;
    if (!check) {
      notes.set(node.name, node.vrrp.warnings);
      continue;
    }
    try {
      notes.set(node.name, (await check(node.vrrp.configPath)).warnings);
    } catch (err) {
      const at = (err as { at?: SourcePos }).at;
      const msg = at
        ? ((err as { reason?: string }).reason ?? (err as Error).message)
        : (err as Error).message;
      throw new InputError(`${node.vrrp.impl} on ${node.name}: ${msg}`, at);
    }
  }
  return { loaded, resolved, plan, lab, runDir, notes };
}

export async function up(opts: UpOptions): Promise<UpResult> {
  const say = opts.progress ?? (() => {});
  const t0 = performance.now();
  // Run directories must be searchable by the unprivileged users daemons run as (postgres, nobody),
  // whatever umask the caller had.
  process.umask(0o022);
  const { loaded, plan, lab, runDir, notes } = await prepare(opts);
  // What the speaker will warn about or silently ignore: the user should read it before the packets do.
  for (const [node, warnings] of notes) {
    const impl = plan.nodes.find((n) => n.name === node)?.vrrp?.impl;
    for (const w of warnings)
      say(`note: ${w.at.file}:${w.at.line}:${w.at.col}: ${w.message} (${impl} on ${node})`);
  }

  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const tag = tagFor(lab, runId);
  // A stale run directory of this lab (prepare() checked it is one) is emptied, not replaced: whoever
  // watches it keeps watching.
  await mkdir(runDir, { recursive: true });
  for (const entry of await readdir(runDir)) await rm(join(runDir, entry), { recursive: true, force: true });
  const state: LabState = {
    version: 1,
    lab,
    runId,
    runDir,
    topologyFile: loaded.file,
    status: 'creating',
    owner: { pid: process.pid, startTime: (await procStartTime(process.pid)) ?? '' },
    createdAt: new Date().toISOString(),
    tag,
    switchNs: plan.switchNs,
    namespaces: plan.namespaces,
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      ns: n.ns,
      interfaces: n.interfaces.map((i) => ({
        name: i.name,
        segment: i.segment,
        port: i.port,
        addresses: i.addresses.map((a) => a.address),
      })),
    })),
    segments: plan.segments.map((s) => ({ ...s, pcap: pcapPath(runDir, s.name) })),
    processes: [],
    vips: plan.vips.map((v) => ({
      address: v.address,
      instance: v.instance,
      vrid: v.vrid,
      expected: v.expected,
      candidates: v.candidates.map((c) => c.node),
    })),
  };
  // The journal: written before the first namespace exists.
  await writeState(state);

  const interrupted = new Promise<never>((_, reject) => {
    const abort = () =>
      reject(new RuntimeFailure(`interrupted (${String(opts.signal?.reason ?? 'aborted')})`));
    if (opts.signal?.aborted) abort();
    else opts.signal?.addEventListener('abort', abort, { once: true });
  });
  interrupted.catch(() => {});
  let network: Promise<void> | undefined;

  const daemons: { launch: Launch; running: RunningDaemon }[] = [];
  const starting: Promise<RunningDaemon>[] = [];
  let failed = false;
  try {
    const needsPg = plan.nodes.some((n) => n.services.some((s) => s.kind === 'postgres'));
    // initdb does not need the network: it runs while the network is built.
    const template = needsPg
      ? postgresHome(runDir, scratchDir(lab, runId)).then((home) => pgTemplate(home, runEnv(lab, runId)))
      : undefined;
    template?.catch(() => {});

    say(`creating ${plan.namespaces.length} namespaces, ${plan.segments.length} segments`);
    network = createNetwork(plan, tag);
    await Promise.race([network, interrupted]);
    const networkMs = performance.now() - t0;
    // MACs are the kernel's choice unless the topology set them: recorded so captures can name senders.
    await recordMacs(state);

    // Starts one daemon and waits for its ready line; records it in the journal as soon as it runs.
    let journal = Promise.resolve();
    let speakersStarted = 0;
    const speakerCount = plan.nodes.filter((n) => n.vrrp).length;
    let electionStart = performance.now();
    const bring = async (make: () => Promise<Launch> | Launch) => {
      const launch = await make();
      // Once anything failed, start nothing more: the rollback must see every process there is.
      if (failed) return;
      const start = startDaemon({
        ...launch.spec,
        ready: { pattern: launch.ready.source, timeoutMs: launch.readyTimeoutMs },
      });
      starting.push(start);
      const running = await start;
      daemons.push({ launch, running });
      state.processes.push(running.record);
      if (launch.spec.role === 'speaker' && ++speakersStarted === speakerCount)
        electionStart = performance.now();
      // One journal write at a time, each with every process started so far.
      journal = journal.then(() => writeState(state));
      await journal;
      await waitForLine(launch.spec.log, launch.ready, launch.readyTimeoutMs, running.exited).catch((err) => {
        throw failing(launch, err);
      });
      say(`ready: ${launch.spec.node}/${launch.spec.service}`);
    };

    // Captures first: the lab's very first advert is evidence too.
    say(`network up; starting ${plan.segments.length} captures`);
    const sw = switchNode(plan);
    await mkdir(join(runDir, 'pcap'), { recursive: true });
    const captures = plan.segments.map((seg) =>
      bring(async () =>
        launchCapture(await context(state, sw, 'capture'), seg.name, seg.bridge, pcapPath(runDir, seg.name)),
      ),
    );
    // The frame injector puts fault markers into every capture.
    const injector = bring(async () =>
      launchInjector(
        await context(state, sw, 'injector'),
        plan.segments.map((s) => s.bridge),
      ),
    );
    await Promise.race([Promise.all([...captures, injector]), interrupted]);

    say('starting speakers and services');
    // Every daemon starts as soon as its own inputs are ready (PostgreSQL waits for initdb, nothing waits
    // for PostgreSQL), speakers first: their election timers then run while the services start. A speaker
    // that tracks scripts waits for its node's services, as a real box starts nginx before keepalived:
    // a health check that fails its first run lowers the priority at once (keepalived counts the first
    // result of a script straight away).
    // the plan holds each speaker's instances as extracted from its file
    const tracking = new Set(
      plan.nodes
        .filter(
          (n) => n.services.length > 0 && n.vrrp?.instances.some((x) => (x.trackScripts?.length ?? 0) > 0),
        )
        .map((n) => n.name),
    );
    const speaker = (node: (typeof plan.nodes)[number]) => {
      const vrrp = node.vrrp;
      return vrrp
        ? bring(async () =>
            SPEAKERS[vrrp.impl].launch(await context(state, node, vrrp.impl), vrrp.configPath),
          )
        : Promise.resolve();
    };
    const speakerLaunches = plan.nodes.filter((n) => n.vrrp && !tracking.has(n.name)).map(speaker);
    const serviceLaunches = new Map<string, Promise<void>[]>();
    for (const node of plan.nodes) {
      const list: Promise<void>[] = [];
      for (const [i, svc] of node.services.entries()) {
        const dir = `${svc.kind}${node.services.filter((s) => s.kind === svc.kind).length > 1 ? `-${i}` : ''}`;
        list.push(
          bring(async () => {
            const ctx = await context(state, node, dir);
            if (svc.kind === 'nginx') return launchNginx(ctx, svc);
            if (svc.kind === 'webapp') return launchWebapp(ctx, svc);
            if (svc.kind === 'tester') return launchTester(ctx);
            return launchPostgres(ctx, svc, (await template) ?? '');
          }),
        );
      }
      serviceLaunches.set(node.name, list);
    }
    for (const node of plan.nodes.filter((n) => tracking.has(n.name))) {
      speakerLaunches.push(Promise.all(serviceLaunches.get(node.name) ?? []).then(() => speaker(node)));
    }
    const launches = [...speakerLaunches, ...[...serviceLaunches.values()].flat()];
    for (const l of launches) l.catch(() => {});
    await Promise.race([Promise.all(launches), interrupted]);
    const servicesMs = performance.now() - t0 - networkMs;
    // Every database node has its copy: the template has served its purpose.
    if (template) await rm(await template, { recursive: true, force: true });

    const speakers = plan.nodes.filter((n) => n.vrrp);
    // Stop waiting as soon as any daemon dies or the user interrupts.
    const anyExit = Promise.race([interrupted, ...daemons.map((d) => d.running.exited)]);
    anyExit.catch(() => {});
    let holders: Holders = new Map();
    let electionMs = 0;
    if (plan.vips.length > 0 && opts.waitForElection !== false) {
      const budget = Math.max(...plan.vips.map((v) => v.settleMs)) + (opts.graceMs ?? 15_000);
      say(
        `waiting for ${plan.vips.length} VIPs to settle (up to ${(budget / 1000).toFixed(0)} s: the configs' election timers)`,
      );
      const r = await waitForVips(
        speakers,
        plan.vips.map((v) => ({ address: v.address, expected: v.expected })),
        budget,
        anyExit,
      );
      holders = r.holders;
      // The wait the configuration imposes: from the last speaker's start until every VIP sits where it should.
      electionMs = performance.now() - electionStart;
    }

    const checks: CheckResult[] = [];
    const checksStart = performance.now();
    for (const check of plan.checks) {
      say(`check: ${check.name}`);
      const from = plan.nodes.find((n) => n.name === check.from);
      checks.push(await withDeadline(runCheck(check, from?.ns ?? '', 10_000), 12_000, check.name, anyExit));
    }
    const checksMs = performance.now() - checksStart;

    for (const d of daemons) d.running.exited.catch(() => {});
    state.status = 'up';
    await writeState(state);
    return {
      state,
      plan,
      holders,
      checks,
      timings: { networkMs, servicesMs, electionMs, checksMs, totalMs: performance.now() - t0 },
    };
  } catch (err) {
    failed = true;
    // Let what is in flight land first, so the rollback sees every namespace and process there is.
    await Promise.allSettled([network, ...starting]);
    say('failed: rolling back');
    // Read the logs before the rollback removes the run directory.
    const detail = await tailsOf(daemons, err);
    await teardown(state, { adoptUntagged: true });
    throw new RuntimeFailure((err as Error).message, detail);
  }
}

async function context(
  state: LabState,
  node: LabPlan['nodes'][number],
  service: string,
): Promise<ServiceContext> {
  const dir = join(state.runDir, 'nodes', node.name, service);
  await mkdir(dir, { recursive: true });
  return {
    lab: state.lab,
    runId: state.runId,
    runDir: state.runDir,
    node,
    dir,
    env: runEnv(state.lab, state.runId),
  };
}

async function recordMacs(state: LabState): Promise<void> {
  await Promise.all(
    state.nodes.map(async (n) => {
      for (const link of await addresses(n.ns)) {
        const iface = n.interfaces.find((i) => i.name === link.ifname);
        if (iface) iface.mac = link.address;
      }
    }),
  );
}

/** The switch namespace as a node, so captures and the marker agent run there like any daemon. */
function switchNode(plan: LabPlan): LabPlan['nodes'][number] {
  return {
    name: SWITCH,
    ns: plan.switchNs,
    interfaces: [],
    sysctls: {},
    services: [],
    vrrp: undefined,
    endpoints: new Map(),
  };
}

function failing(launch: Launch, err: unknown): RuntimeFailure {
  const what = `${launch.spec.node}/${launch.spec.service}`;
  return new RuntimeFailure(`${what} did not become ready: ${(err as Error).message}`);
}

/** The log tail of the service that failed (or of every daemon that died), for the user to read. */
async function tailsOf(daemons: { launch: Launch; running: RunningDaemon }[], err: unknown): Promise<string> {
  const msg = (err as Error).message ?? '';
  const named = daemons.filter((d) => msg.includes(`${d.launch.spec.node}/${d.launch.spec.service}`));
  const pick = named.length > 0 ? named : daemons.filter((d) => isSpeaker(d.launch.spec));
  const parts = await Promise.all(
    pick.map(
      async (d) =>
        `--- ${d.launch.spec.node}/${d.launch.spec.service} (${d.launch.spec.log}):\n${await logTail(d.launch.spec.log, 15)}`,
    ),
  );
  return parts.join('\n');
}
