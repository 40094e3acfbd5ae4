/**
 * vrrp_script checks as keepalived 2.2.7 runs them (vrrp_scheduler.c): the first run at start-up, then
 * one every `interval` counted from the start of the previous one (a run still going is not started
 * twice); a run that outlives `timeout` (default: the interval) is killed and counts as a failure; the
 * exit status decides, 0 being success. `rise` successes in a row make a failed script good, `fall`
 * failures a good one failed, and a script that has not reported yet takes its first result at once.
 */
import type { RouterScript } from './config.js';

export interface ScriptOutcome {
  ok: boolean;
  /** keepalived's words in its log: "succeeded", "failed", "timed_out" */
  how: 'succeeded' | 'failed' | 'timed_out';
  /** the exit status, when it exited */
  status?: number | undefined;
  /** what it died of, or why it could not start */
  detail?: string | undefined;
}

export interface ScriptIo {
  now(): number;
  setTimer(atMs: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  /** runs argv (no shell) and settles with how it ended; never rejects */
  runScript(argv: readonly string[], timeoutMs: number): Promise<ScriptOutcome>;
}

/**
 * keepalived's `result` arithmetic: a counter in 0..rise+fall−1, good from `rise` up. It starts at
 * rise−1 with a first result taken at once (or at 0, failed, with init_fail).
 */
export class ScriptCounter {
  private result: number;
  private init: boolean;

  constructor(
    private readonly rise: number,
    private readonly fall: number,
    initFail: boolean,
  ) {
    this.result = initFail ? 0 : rise - 1;
    this.init = !initFail;
  }

  /** 'ok' or 'failed' once the script has a result; 'init' before its first with no init_fail */
  get state(): 'init' | 'ok' | 'failed' {
    if (this.init) return 'init';
    return this.result >= this.rise ? 'ok' : 'failed';
  }

  /** Counts one run; returns the new result when it changes (or is the first), else undefined. */
  record(ok: boolean): boolean | undefined {
    const top = this.rise + this.fall - 1;
    let change: boolean | undefined;
    if (ok) {
      if (this.result < this.rise - 1) this.result++;
      else if (this.result !== top) {
        if (this.result < this.rise) change = true;
        this.result = top;
      }
    } else if (this.result > this.rise) {
      this.result--;
    } else {
      if (this.result === this.rise || this.init) change = false;
      this.result = 0;
    }
    this.init = false;
    return change;
  }
}

export interface ScriptStats {
  state: 'init' | 'ok' | 'failed';
  runs: number;
  /** the last run's exit status (undefined: killed, or it could not start) */
  lastStatus: number | undefined;
  timeouts: number;
}

/** One vrrp_script's schedule; `onResult` hears each change of result. */
export class ScriptRunner {
  private readonly counter: ScriptCounter;
  private timer: unknown;
  private running = false;
  private stopped = false;
  private lastStatus: number | undefined | null = null;
  readonly stats: ScriptStats;

  constructor(
    readonly script: RouterScript,
    private readonly io: ScriptIo,
    private readonly onResult: (ok: boolean, outcome: ScriptOutcome) => void,
    private readonly onStatus: (outcome: ScriptOutcome) => void = () => {},
  ) {
    this.counter = new ScriptCounter(script.rise, script.fall, script.initFail);
    this.stats = { state: this.counter.state, runs: 0, lastStatus: undefined, timeouts: 0 };
  }

  start(): void {
    this.tick(this.io.now());
  }

  stop(): void {
    this.stopped = true;
    this.io.clearTimer(this.timer);
  }

  private tick(at: number): void {
    if (this.stopped) return;
    const next = at + this.script.intervalMs;
    this.timer = this.io.setTimer(next, () => this.tick(next));
    if (this.running) return;
    this.running = true;
    void this.io.runScript(this.script.argv, this.script.timeoutMs).then((outcome) => {
      this.running = false;
      if (this.stopped) return;
      this.stats.runs++;
      this.stats.lastStatus = outcome.status;
      if (outcome.how === 'timed_out') this.stats.timeouts++;
      // like keepalived's "Script `x` now returning N": each new exit status is worth a line
      if (outcome.status !== this.lastStatus) this.onStatus(outcome);
      this.lastStatus = outcome.status;
      const change = this.counter.record(outcome.ok);
      this.stats.state = this.counter.state;
      if (change !== undefined) this.onResult(change, outcome);
    });
  }
}
