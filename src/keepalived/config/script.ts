/**
 * keepalived's `vrrp_script NAME { … }` blocks and an instance's `track_script { … }` entries, read with
 * keepalived 2.2.7's defaults, ranges and messages (vrrp_parser.c, vrrp_track.c, lib/notify.c).
 */
import type { ConfigNode } from './parse.js';
import type { Token } from './tokenize.js';
import type { Pos } from './vrrp.js';

type Warn = (at: Pos, message: string) => void;

export interface VrrpScriptConfig {
  name: string;
  at: Pos;
  /** the command as keepalived runs it: argv, no shell */
  argv: string[];
  /** seconds between runs (keepalived: default 1, 0 becomes 1) */
  interval: number;
  /** seconds a run may take before it is killed and counted failed (0: the interval) */
  timeout: number;
  /** priority change (−253..253); 0 means FAULT while the script fails */
  weight: number;
  /** `weight W reverse`: the script's result counts the other way round */
  reverse: boolean;
  /** successes in a row to count as up, failures in a row to count as down (default 1 each) */
  rise: number;
  fall: number;
  /** `init_fail`: the script counts as failed until it first succeeds (default: unknown until it reports) */
  initFail: boolean;
  /** `user NAME [GROUP]` as written */
  user: string[] | undefined;
}

export interface TrackScriptConfig {
  name: string;
  /** the track_script's own `weight`, else the vrrp_script's */
  weight: number;
  reverse: boolean;
  at: Pos;
}

const pos = (at: Pos): Pos => ({ file: at.file, line: at.line, col: at.col });

/**
 * Splits a script string into words as keepalived does (alloc_strvec_quoted_escaped): whitespace
 * separates, single and double quotes group, a backslash escapes the next character. Returns undefined
 * for an unterminated quote (keepalived then drops the script).
 */
export function splitScriptWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && quote !== "'") {
      if (i + 1 >= text.length) return undefined;
      word = (word ?? '') + text[++i];
    } else if (quote) {
      if (ch === quote) quote = undefined;
      else word = (word ?? '') + ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}

function int(token: Token | undefined, min: number, max: number): number | undefined {
  if (!token || !/^[-+]?\d+$/.test(token.text)) return undefined;
  const n = Number(token.text);
  return n >= min && n <= max ? n : undefined;
}

/** One `vrrp_script` block; undefined (with keepalived's warning) when it has no script to run. */
export function readVrrpScript(node: ConfigNode, name: string, warn: Warn): VrrpScriptConfig | undefined {
  const s: VrrpScriptConfig = {
    name,
    at: pos(node),
    argv: [],
    interval: 1,
    timeout: 0,
    weight: 0,
    reverse: false,
    rise: 1,
    fall: 1,
    initFail: false,
    user: undefined,
  };
  const p = `(${name})`;
  for (const stmt of node.children ?? []) {
    const [v, w] = stmt.args;
    switch (stmt.keyword) {
      case 'script': {
        // keepalived takes only the first word after `script` and splits it again: the command and its
        // arguments must be one (quoted) word, or only the command runs.
        if (stmt.args.length > 1) {
          warn(
            stmt.args[1] as Token,
            `${p} keepalived runs only '${v?.text}': quote the whole command line, ` +
              `script "${stmt.args.map((a) => a.text).join(' ')}"`,
          );
        }
        const argv = v ? splitScriptWords(v.text) : [];
        if (!argv) warn(stmt, `${p} script '${v?.text}': missing terminating quote`);
        s.argv = argv ?? [];
        break;
      }
      case 'interval':
      case 'timeout': {
        const n = int(v, 0, 4294);
        if (n === undefined) {
          warn(stmt, `${p}: vrrp script ${stmt.keyword} '${v?.text ?? ''}' invalid - ignoring`);
        } else if (n === 0) {
          warn(stmt, `${p}: vrrp script ${stmt.keyword} must be greater than 0, setting to 1`);
          s[stmt.keyword] = 1;
        } else s[stmt.keyword] = n;
        break;
      }
      case 'weight': {
        const n = int(v, -253, 253);
        if (n === undefined) warn(stmt, `vrrp_script ${name} weight ${v?.text ?? ''} must be in [-253, 253]`);
        else s.weight = n;
        if (w && w.text !== 'reverse') warn(w, `vrrp_script ${name} unknown weight option ${w.text}`);
        else if (w) s.reverse = true;
        break;
      }
      case 'rise':
      case 'fall': {
        const n = int(v, 1, 2147483647);
        if (n === undefined) {
          warn(stmt, `${p}: vrrp script ${stmt.keyword} value '${v?.text ?? ''}' invalid, defaulting to 1`);
          s[stmt.keyword] = 1;
        } else s[stmt.keyword] = n;
        break;
      }
      case 'init_fail':
        s.initFail = true;
        break;
      case 'user':
        s.user = stmt.args.map((a) => a.text);
        break;
      default:
        warn(stmt, `Unknown keyword '${stmt.keyword}'`);
    }
  }
  if (s.argv.length === 0) {
    warn(node, `No script set for vrrp_script ${name} - removing`);
    return undefined;
  }
  return s;
}

/** One `NAME [weight W [reverse|noreverse]]` entry of an instance's track_script block. */
export function readTrackScript(
  entry: ConfigNode,
  owner: string,
  scripts: ReadonlyMap<string, VrrpScriptConfig>,
  tracked: TrackScriptConfig[],
  warn: Warn,
  /** vrrp_script blocks further down the file, to say why one is not found */
  later?: ReadonlyMap<string, Pos>,
): void {
  const p = `(${owner})`;
  const name = entry.keyword;
  // keepalived reads the file once, top to bottom: a vrrp_script defined further down is not found.
  const script = scripts.get(name);
  if (!script) {
    const at = later?.get(name);
    const below = at && (at.file !== entry.file || at.line > entry.line) ? at : undefined;
    warn(
      entry,
      `${p} track script ${name} not found, ignoring...` +
        (below
          ? ` (its vrrp_script is at line ${below.line}, below: keepalived reads the file top to bottom)`
          : ''),
    );
    return;
  }
  if (tracked.some((t) => t.name === name)) {
    warn(entry, `${p} duplicate track_script ${name} - ignoring`);
    return;
  }
  let weight = script.weight;
  let reverse = script.reverse;
  const [opt, value, dir] = entry.args;
  if (opt) {
    if (opt.text !== 'weight') {
      warn(opt, `${p} unknown track script option ${opt.text} - ignoring`);
      return;
    }
    if (!value) {
      warn(opt, `${p} weight without value specified for track script ${name} - ignoring`);
      return;
    }
    const n = int(value, -254, 254);
    if (n === undefined) {
      warn(value, `${p} track script ${name}: weight must be between [-253..253] inclusive, ignoring...`);
    } else if (Math.abs(n) === 254) {
      warn(value, `${p} weight for ${name} cannot be +/-254. Setting to +/-253`);
      weight = Math.sign(n) * 253;
    } else weight = n;
    if (dir?.text === 'reverse') reverse = true;
    else if (dir?.text === 'noreverse') reverse = false;
    else if (dir) warn(dir, `${p} unknown track script ${name} weight option ${dir.text} - ignoring`);
  }
  tracked.push({ name, weight, reverse, at: pos(entry) });
}

/** An instance's notify_master / notify_backup / notify_fault / notify_stop / notify command. */
export interface NotifyScriptConfig {
  argv: string[];
  /** the words after the command: keepalived takes them for `USER [GROUP]` to run it as */
  user: string[] | undefined;
  at: Pos;
}

export const NOTIFY_KEYWORDS = [
  'notify_master',
  'notify_backup',
  'notify_fault',
  'notify_stop',
  'notify',
] as const;
export type NotifyKeyword = (typeof NOTIFY_KEYWORDS)[number];

/**
 * `notify_X COMMAND [USER [GROUP]]` as keepalived reads it (notify_script_init): the command word is split
 * again into argv, and further words name the user, so arguments written outside the quotes are not
 * arguments at all.
 */
export function readNotifyScript(
  stmt: ConfigNode,
  owner: string,
  warn: Warn,
): NotifyScriptConfig | undefined {
  const [cmd, ...rest] = stmt.args;
  if (!cmd) {
    warn(stmt, `(${owner}) ${stmt.keyword} needs a script`);
    return undefined;
  }
  const argv = splitScriptWords(cmd.text);
  if (!argv || argv.length === 0) {
    warn(cmd, `Unable to parse script '${cmd.text}' - ignoring`);
    return undefined;
  }
  const first = rest[0];
  if (first) {
    warn(
      first,
      `(${owner}) keepalived runs '${cmd.text}' as user '${rest.map((t) => t.text).join(' ')}': ` +
        `to pass arguments, quote the whole command line`,
    );
  }
  return { argv, user: first ? rest.map((t) => t.text) : undefined, at: pos(stmt) };
}
