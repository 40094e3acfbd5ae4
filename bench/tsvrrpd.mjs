// tsvrrpd beside keepalived, measured in the same run on the same machine (compare the two columns; the
// machine is shared and noisy, so single numbers move between runs):
//   jitter      advert period error (|period − advert_int|) of a lone master, p50/p99, from the pcap,
//               at advert_int 1 s (v2) and 0.01 s (v3); both daemons in one lab, measured at once
//   failover    backup's takeover after a master crash, minus the RFC Master_Down_Interval, from the pcap
//               (v2 1 s and v3 0.1 s; N crashes each)
//   spurious    a v3 pair at advert_int 0.01 s left alone for 60 s: transitions after the election
//   scale       255 instances (VRIDs 1-255 on one interface, 1 s) on a master and a backup: CPU seconds
//               per minute (user and system), RSS and what it is made of
// Run as root: npm run build && node bench/tsvrrpd.mjs [--quick] [--only jitter,failover,spurious,scale]
//   [--runs N] [--json FILE]
//   --short     the scale part alone, 30 s warm-up (elections, GARP bursts, tsvrrpd's JIT) and 20 s
//               measured (about a minute): the guard to run
//               after any change to src/vrrp/, src/tsvrrpd/ or the I/O; prints the two CPU ratios, by the
//               median of five 4 s slices (one JIT or GC burst does not move it) and over the whole window
//   --runs N    the scale part N times (each its own labs), every run's figures and their medians
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { down } from '../dist/src/lab/down.js';
import { processTree } from '../dist/src/lab/proc.js';
import { up } from '../dist/src/lab/up.js';
import { vipHolders } from '../dist/src/lab/vips.js';
import { runScenario } from '../dist/src/scenario/run.js';
import { masterDownMs } from '../dist/src/timeline/expect.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    short: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    json: { type: 'string' },
    only: { type: 'string', default: 'jitter,failover,spurious,scale' },
  },
});
const QUICK = values.quick;
const IMPLS = ['keepalived', 'tsvrrpd'];
const work = mkdtempSync(join(tmpdir(), 'vrrp-harness-tsvrrpd-bench-'));
const results = {};

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : Number.NaN;
};
const median = (xs) => pct(xs, 50);
const f = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** keepalived.conf text for instances on eth0. */
function conf(instances, { version, advertInt }) {
  return instances
    .map(
      ({ vrid, priority, vip }) => `vrrp_instance VI_${vrid} {
    state BACKUP
    interface eth0
    virtual_router_id ${vrid}
    priority ${priority}
    advert_int ${advertInt}
    version ${version}
    virtual_ipaddress {
        ${vip}
    }
}
`,
    )
    .join('');
}

/**
 * One lab per implementation, same address plan (198.51.100.0/24 and 203.0.113.0/24 on each router's
 * eth0, one segment): labs are separate namespaces, so the two can run side by side and be measured in
 * the same window. `routers`: [{ node, index, instances: [{ vrid, priority, vip }] }]
 */
function writeLab(name, impl, routers, opts) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const lines = [`name: ${name}`, 'segments:', '  lan: {}', 'nodes:'];
  for (const r of routers) {
    writeFileSync(join(dir, `${r.node}.conf`), conf(r.instances, opts));
    lines.push(
      `  ${r.node}:`,
      `    interfaces: { eth0: { addresses: [198.51.100.${r.index}/24, 203.0.113.${r.index}/24], mac: "02:00:00:00:0${r.index}:01" } }`,
      `    vrrp: { config: ${r.node}.conf, impl: ${impl} }`,
    );
  }
  lines.push('links:', ...routers.map((r) => `  - endpoints: [${r.node}:eth0, lan]`));
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** VRID 1-250 → 198.51.100.3-252, 251-255 → 203.0.113.3-7: clear of the routers' own .1 and .2 */
const vipOf = (vrid) => (vrid <= 250 ? `198.51.100.${vrid + 2}` : `203.0.113.${vrid - 248}`);
const tag = (impl) => (impl === 'keepalived' ? 'ka' : 'ts');

async function observe(file, name, ms, steps = [], until = []) {
  await down(name).catch(() => {});
  const { state } = await up({ file, name, graceMs: 30_000 });
  try {
    const spec = {
      name,
      title: name,
      probes: [],
      steps,
      expectHolders: until,
      deadlineMs: 30_000,
      observeMs: ms,
    };
    return { state, r: await runScenario(state, spec, join(work, 'out')) };
  } finally {
    await down(name);
  }
}

/** Both implementations at once, each in its own lab: the same window, the same machine noise. */
const sideBySide = (fn) =>
  Promise.all(IMPLS.map(fn)).then((rs) => Object.fromEntries(IMPLS.map((i, k) => [i, rs[k]])));

// ---------------------------------------------------------------------------------------------------
// 1. Advert period jitter of a lone master

async function jitter(version, advertInt, seconds) {
  return sideBySide(async (impl) => {
    const name = `jit${version}-${tag(impl)}`;
    const file = writeLab(
      name,
      impl,
      [{ node: 'm', index: 1, instances: [{ vrid: 10, priority: 200, vip: vipOf(10) }] }],
      {
        version,
        advertInt,
      },
    );
    const { r } = await observe(file, name, seconds * 1000);
    const adverts = r.events.filter((e) => e.type === 'advert' && e.node === 'm' && e.priority > 0);
    // the first second belongs to the election and the GARP bursts: skip it
    const steady = adverts.filter((e) => e.tUs - (adverts[0]?.tUs ?? 0) > 1_000_000);
    const errs = [];
    for (let k = 1; k < steady.length; k++) {
      errs.push(Math.abs((steady[k].tUs - steady[k - 1].tUs) / 1000 - advertInt * 1000));
    }
    return { periods: errs.length, p50: median(errs), p99: pct(errs, 99), max: Math.max(...errs) };
  });
}

// ---------------------------------------------------------------------------------------------------
// 2. Failover latency after a crash, against Master_Down_Interval

async function failover(version, advertInt, crashes) {
  const out = {};
  // One after the other: a crash and a recovery in one lab should not disturb the other's timers.
  for (const impl of IMPLS) {
    const name = `fo${version}-${tag(impl)}`;
    const vip = vipOf(20);
    const file = writeLab(
      name,
      impl,
      [
        { node: 'r1', index: 1, instances: [{ vrid: 20, priority: 150, vip }] },
        { node: 'r2', index: 2, instances: [{ vrid: 20, priority: 100, vip }] },
      ],
      { version, advertInt },
    );
    const steps = [];
    for (let k = 0; k < crashes; k++) {
      steps.push(
        { at: 0, kind: 'host-crash', target: 'r1', until: [{ address: vip, node: 'r2' }] },
        { at: 0, kind: 'host-recover', target: 'r1', until: [{ address: vip, node: 'r1' }] },
      );
    }
    const { r } = await observe(file, name, 500, steps, [{ address: vip, node: 'r1' }]);
    const mdi = masterDownMs(version, 100, advertInt * 1000);
    const crashIds = new Set(r.faults.filter((x) => x.kind === 'host-crash').map((x) => x.id));
    const errs = r.handovers
      .filter((h) => crashIds.has(h.faultId) && h.to === 'r2' && h.silenceMs !== undefined)
      .map((h) => h.silenceMs - mdi);
    out[impl] = {
      crashes: errs.length,
      mdi,
      median: median(errs),
      min: Math.min(...errs),
      max: Math.max(...errs),
      errs,
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// 3. Spurious transitions at advert_int 0.01 s

async function spurious(seconds) {
  return sideBySide(async (impl) => {
    const name = `spur-${tag(impl)}`;
    const vip = vipOf(30);
    const file = writeLab(
      name,
      impl,
      [
        { node: 'a', index: 1, instances: [{ vrid: 30, priority: 150, vip }] },
        { node: 'b', index: 2, instances: [{ vrid: 30, priority: 100, vip }] },
      ],
      { version: 3, advertInt: 0.01 },
    );
    await down(name).catch(() => {});
    const { state } = await up({ file, name });
    try {
      // Only what happens after the election counts: the logs from here on, the adverts from here on.
      const logs = state.processes.filter((p) => p.role === 'speaker');
      const from = new Map(logs.map((p) => [p.node, statSync(p.log).size]));
      const startUs = Date.now() * 1000;
      const spec = {
        name,
        title: name,
        probes: [],
        steps: [],
        expectHolders: [],
        deadlineMs: 1000,
        observeMs: seconds * 1000,
      };
      const r = await runScenario(state, spec, join(work, 'out'));
      const re = impl === 'tsvrrpd' ? /event=transition /g : /Entering \w+ STATE/g;
      const changes = logs.map((p) => {
        const text = readFileSync(p.log, 'utf8').slice(from.get(p.node));
        return [...text.matchAll(re)].length;
      });
      const after = r.events.filter((e) => e.type === 'advert' && e.tUs > startUs);
      return {
        seconds,
        adverts: after.filter((e) => e.node === 'a').length,
        transitions: changes.reduce((x, y) => x + y, 0),
        backupAdverts: after.filter((e) => e.node === 'b').length,
      };
    } finally {
      await down(name);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// 4. 255 instances: CPU and memory

const threadNs = new Map();
/**
 * CPU of a process: time on a CPU from the scheduler (schedstat, nanoseconds, summed over its threads),
 * and utime/stime (clock ticks of 10 ms) for the user/system split. At a few CPU seconds per minute the
 * ticks alone would be a handful per window.
 */
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let runNs = 0;
  let mainNs = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      runNs += ns;
      if (t === String(pid)) mainNs = ns;
      if (process.env.BENCH_THREADS) {
        const comm = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
        threadNs.set(`${pid}/${t} ${comm}`, ns);
      }
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return { user: Number(fields[11]), sys: Number(fields[12]), runNs, mainNs };
}
function rssKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return m ? Number(m[1]) : 0;
}
/** Resident memory split: anonymous (heaps) and file-backed (the program's and libraries' pages), kB. */
function rssParts(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  return { anonKb: kb('RssAnon'), fileKb: kb('RssFile') };
}
/** tsvrrpd's own account (SIGUSR1 writes its stats file): V8 heap and buffers, MB. */
async function daemonMemory(p) {
  const file = join(dirname(p.log), 'tsvrrpd-stats.json');
  const before = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  process.kill(p.pid, 'SIGUSR1');
  for (let i = 0; i < 50; i++) {
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && st.mtimeMs !== before) return JSON.parse(readFileSync(file, 'utf8')).memory;
    await new Promise((r) => setTimeout(r, 20)); // polling a file the daemon writes: no event to wait on
  }
  return undefined;
}

async function scale(seconds, warmupS = 20, slices = 1) {
  const all = (priority) =>
    Array.from({ length: 255 }, (_, k) => ({ vrid: k + 1, priority, vip: vipOf(k + 1) }));
  const labs = IMPLS.map((impl) => ({
    impl,
    name: `scale-${tag(impl)}`,
    file: writeLab(
      `scale-${tag(impl)}`,
      impl,
      [
        { node: 'm', index: 1, instances: all(150) },
        { node: 'b', index: 2, instances: all(100) },
      ],
      { version: 2, advertInt: 1 },
    ),
  }));
  for (const l of labs) await down(l.name).catch(() => {});
  // Both up (without waiting for 255 elections: whether and when they settle is part of the result), a
  // warm-up, then one measurement window for all four daemons.
  const states = [];
  for (const l of labs) states.push((await up({ file: l.file, name: l.name, waitForElection: false })).state);
  const speakers = states.flatMap((st, k) =>
    st.processes.filter((x) => x.role === 'speaker').map((p) => ({ p, impl: labs[k].impl, state: st })),
  );
  await new Promise((r) => setTimeout(r, warmupS * 1000)); // warm-up: the elections and their GARP bursts
  const logFrom = new Map(speakers.map(({ p }) => [p.log, statSync(p.log).size]));
  try {
    // each speaker's processes (keepalived forks its VRRP child), found once: they live as long as the lab
    const trees = await Promise.all(speakers.map(({ p }) => processTree(p.pid)));
    const sample = async () => {
      const out = [];
      for (const [j, { p, impl }] of speakers.entries()) {
        const tree = trees[j];
        out.push({
          impl,
          role: p.node === 'm' ? 'master' : 'backup',
          ...tree.reduce(
            (a, pid) => {
              const t = cpuTicks(pid);
              return {
                user: a.user + t.user,
                sys: a.sys + t.sys,
                runNs: a.runNs + t.runNs,
                mainNs: a.mainNs + t.mainNs,
              };
            },
            { user: 0, sys: 0, runNs: 0, mainNs: 0 },
          ),
          rssKb: tree.reduce((a, pid) => a + rssKb(pid), 0),
          ...rssParts(p.pid),
          memory: impl === 'tsvrrpd' ? await daemonMemory(p) : undefined,
        });
      }
      return out;
    };
    const a = await sample();
    const threadsBefore = new Map(threadNs);
    const t0 = performance.now();
    // The measurement window itself, read in `slices` parts (CPU only, which costs the daemons nothing):
    // the short guard's 20 s is short enough for one burst of JIT compilation or one major GC in a
    // daemon to move its mean by a third (seen: tsvrrpd backup 0.22 to 0.44 s/min between runs, all
    // of it on the main thread and V8's helper threads), so it judges by the median slice.
    const runNsOf = () => trees.map((tree) => tree.reduce((n, pid) => n + cpuTicks(pid).runNs, 0));
    const cuts = [{ t: t0, ns: runNsOf() }];
    for (let k = 1; k <= slices; k++) {
      await new Promise((r) => setTimeout(r, (seconds * 1000) / slices));
      cuts.push({ t: performance.now(), ns: runNsOf() });
    }
    const sliceRates = speakers.map((_, j) =>
      cuts.slice(1).map((c, k) => ((c.ns[j] - cuts[k].ns[j]) / 1e9 / ((c.t - cuts[k].t) / 1000)) * 60),
    );
    const b = await sample();
    const wall = (performance.now() - t0) / 1000;
    if (process.env.BENCH_THREADS) {
      for (const [k, v] of threadNs) {
        const d = ((v - (threadsBefore.get(k) ?? 0)) / 1e9 / wall) * 60;
        if (d > 0.005) console.log(`thread ${k}: ${d.toFixed(3)} s/min`);
      }
    }
    // State changes during the window (a settled pair has none), and who holds the VIPs at its end.
    const changes = {};
    for (const { p, impl } of speakers) {
      const re = impl === 'tsvrrpd' ? /event=transition /g : /Entering \w+ STATE/g;
      const text = readFileSync(p.log, 'utf8').slice(logFrom.get(p.log));
      changes[`${impl}/${p.node}`] = [...text.matchAll(re)].length;
    }
    const onMaster = {};
    for (const [k, st] of states.entries()) {
      const h = await vipHolders(
        st.nodes.filter((n) => n.name === 'm' || n.name === 'b'),
        Array.from({ length: 255 }, (_, v) => vipOf(v + 1)),
      );
      onMaster[labs[k].impl] = [...h.values()].filter((x) => x.join() === 'm').length;
    }
    return b.map((x, k) => ({
      impl: x.impl,
      role: x.role,
      cpuSecondsPerMinute: ((x.runNs - a[k].runNs) / 1e9 / wall) * 60,
      // the median of the window's slices
      ...(slices > 1 ? { cpuSliceMedianSecondsPerMinute: median(sliceRates[k]), slices } : {}),
      // the main threads' share (the rest: helper threads, e.g. V8's garbage collector, libuv's pool)
      mainThreadSecondsPerMinute: ((x.mainNs - a[k].mainNs) / 1e9 / wall) * 60,
      // the split from the 10 ms ticks (USER_HZ 100): coarse, but it says where the time goes
      userSecondsPerMinute: ((x.user - a[k].user) / 100 / wall) * 60,
      sysSecondsPerMinute: ((x.sys - a[k].sys) / 100 / wall) * 60,
      rssMb: x.rssKb / 1024,
      rssAnonMb: x.anonKb / 1024,
      rssFileMb: x.fileKb / 1024,
      ...(x.memory ? { heap: x.memory } : {}),
      stateChanges: changes[`${x.impl}/${x.role === 'master' ? 'm' : 'b'}`],
      vipsOnMaster: onMaster[x.impl],
    }));
  } finally {
    for (const l of labs) await down(l.name);
  }
}

try {
  const t = (s) => (QUICK ? Math.max(5, Math.round(s / 6)) : s);
  const only = new Set(values.short ? ['scale'] : values.only.split(','));
  const runs = Math.max(1, Number(values.runs) || 1);
  const step = async (key, part, label, fn) => {
    if (!only.has(part)) return;
    console.log(`${label} ...`);
    results[key] = await fn();
    console.log(JSON.stringify(results[key]));
  };
  await step('jitter1s', 'jitter', 'jitter at 1 s (v2)', () => jitter(2, 1, t(120)));
  await step('jitter10ms', 'jitter', 'jitter at 0.01 s (v3)', () => jitter(3, 0.01, t(30)));
  await step('failoverV2', 'failover', 'failover v2 1 s', () => failover(2, 1, QUICK ? 3 : 10));
  await step('failoverV3', 'failover', 'failover v3 0.1 s', () => failover(3, 0.1, QUICK ? 5 : 20));
  await step('spurious', 'spurious', '60 s at 0.01 s', () => spurious(t(60)));
  if (only.has('scale')) {
    results.scaleRuns = [];
    for (let k = 0; k < runs; k++) {
      console.log(`255 instances, run ${k + 1}/${runs} ...`);
      const run = values.short ? await scale(20, 30, 5) : await scale(t(60));
      results.scaleRuns.push(run);
      console.log(JSON.stringify(run));
      console.log(`  run ${k + 1}: ${ratioText(run)}`);
    }
    // the median of each figure over the runs (per implementation and role)
    results.scale = results.scaleRuns[0].map((x) => {
      const same = results.scaleRuns.map((r) => r.find((y) => y.impl === x.impl && y.role === x.role));
      const med = (key) => median(same.map((y) => y[key]));
      return {
        ...x,
        cpuSecondsPerMinute: med('cpuSecondsPerMinute'),
        userSecondsPerMinute: med('userSecondsPerMinute'),
        sysSecondsPerMinute: med('sysSecondsPerMinute'),
        rssMb: med('rssMb'),
      };
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** tsvrrpd's CPU over keepalived's, master and backup, of one scale run */
function ratioText(run) {
  return ['master', 'backup']
    .map((role) => {
      const pick = (impl) => run.find((x) => x.impl === impl && x.role === role);
      const ts = pick('tsvrrpd');
      const ka = pick('keepalived');
      const mean = `${f(ts.cpuSecondsPerMinute / ka.cpuSecondsPerMinute, 2)}× (${f(ts.cpuSecondsPerMinute, 2)} vs ${f(ka.cpuSecondsPerMinute, 2)} CPU s/min)`;
      if (ts.cpuSliceMedianSecondsPerMinute === undefined) return `${role} ${mean}`;
      const m = (x) => x.cpuSliceMedianSecondsPerMinute;
      return `${role} ${f(m(ts) / m(ka), 2)}× by the median of ${ts.slices} slices (${f(m(ts), 2)} vs ${f(m(ka), 2)}), ${mean} over the window`;
    })
    .join(', ');
}

const row = (cells) => `| ${cells.join(' | ')} |`;
const both = (fn) => IMPLS.map((i) => fn(i));
const lines = [
  row(['measure', 'keepalived', 'tsvrrpd', 'target (tsvrrpd)']),
  row(['---', '---', '---', '---']),
];
const jitterRow = (key, label, target) => {
  const j = results[key];
  if (j)
    lines.push(
      row([
        label,
        ...both((i) => `${f(j[i].p50)} / ${f(j[i].p99)} (max ${f(j[i].max)}; ${j[i].periods} periods)`),
        target,
      ]),
    );
};
const failoverRow = (key, label) => {
  const x = results[key];
  if (x) {
    lines.push(
      row([
        label,
        ...both(
          (i) => `${f(x[i].median, 2)} [${f(x[i].min, 2)}, ${f(x[i].max, 2)}] (${x[i].crashes} crashes)`,
        ),
        'within 2 ms, ≤ keepalived',
      ]),
    );
  }
};
jitterRow('jitter1s', 'advert period error at 1 s (v2), p50 / p99 (ms)', 'p99 ≤ 1 ms');
jitterRow('jitter10ms', 'advert period error at 0.01 s (v3), p50 / p99 (ms)', '–');
failoverRow('failoverV2', 'takeover − MDI after a crash, v2 1 s, median [min, max] (ms)');
failoverRow('failoverV3', 'takeover − MDI after a crash, v3 0.1 s, median [min, max] (ms)');
if (results.spurious) {
  const x = results.spurious;
  lines.push(
    row([
      `state changes after the election, ${x.keepalived.seconds} s at 0.01 s (v3)`,
      ...both((i) => `${x[i].transitions} (backup adverts: ${x[i].backupAdverts}; ${x[i].adverts} adverts)`),
      '0',
    ]),
  );
}
for (const role of ['master', 'backup']) {
  const pick = (impl) => results.scale?.find((x) => x.impl === impl && x.role === role);
  if (!pick('tsvrrpd')) continue;
  const ratio = pick('tsvrrpd').cpuSecondsPerMinute / pick('keepalived').cpuSecondsPerMinute;
  lines.push(
    row([
      `255 instances (v2, 1 s), ${role}: CPU s/min, RSS`,
      ...both(
        (i) =>
          `${f(pick(i).cpuSecondsPerMinute, 2)} s (user ${f(pick(i).userSecondsPerMinute, 2)}, sys ${f(pick(i).sysSecondsPerMinute, 2)}), RSS ${f(pick(i).rssMb, 1)} MB (anon ${f(pick(i).rssAnonMb, 1)}, file ${f(pick(i).rssFileMb, 1)}${pick(i).heap ? `; V8 heap ${pick(i).heap.heapTotalMb} MB, ${pick(i).heap.heapUsedMb} used` : ''}); ${pick(i).stateChanges} state changes, ${pick(i).vipsOnMaster}/255 VIPs on the master at the end`,
      ),
      `CPU ≤ 1.0× keepalived (${f(ratio, 2)}×)`,
    ]),
  );
}
console.log(`\n${lines.join('\n')}`);
if (results.scaleRuns) {
  console.log(`\ntsvrrpd / keepalived CPU, 255 instances (${results.scaleRuns.length} run(s)):`);
  for (const [k, run] of results.scaleRuns.entries()) console.log(`  run ${k + 1}: ${ratioText(run)}`);
  if (results.scaleRuns.length > 1) console.log(`  median: ${ratioText(results.scale)}`);
}
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
