import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { type ConfigNode, ConfigSyntaxError, parseConfig } from './parse.js';

/** How many `include`s may be nested; deeper almost always means a file includes itself. */
export const MAX_INCLUDE_DEPTH = 8;

/** An `include` that cannot be honoured, positioned at the `include` statement. */
export class ConfigIncludeError extends ConfigSyntaxError {}

/**
 * Reads and parses a keepalived.conf, replacing each `include PATTERN` statement (at any depth) with the
 * statements of the matching files, in sorted order, as keepalived does.
 * Differences from keepalived 2.2.7, on purpose: each file must balance its braces on its own (keepalived
 * splices raw lines), and a missing file named without wildcards is an error (keepalived only logs it
 * unless run with --all-config); a wildcard pattern matching nothing is fine, as in keepalived.
 */
export async function loadConfig(path: string): Promise<ConfigNode[]> {
  return loadFile(path, 0);
}

async function loadFile(file: string, depth: number): Promise<ConfigNode[]> {
  return expandIncludes(parseConfig(await readFile(file, 'utf8'), file), file, depth);
}

async function expandIncludes(nodes: ConfigNode[], file: string, depth: number): Promise<ConfigNode[]> {
  const out: ConfigNode[] = [];
  for (const node of nodes) {
    if (!isInclude(node)) {
      const children = node.children && (await expandIncludes(node.children, file, depth));
      out.push(children ? { ...node, children } : node);
      continue;
    }
    const [arg, ...extra] = node.args;
    if (!arg || extra.length > 0) {
      throw new ConfigIncludeError(node, 'include takes exactly one path pattern');
    }
    if (depth >= MAX_INCLUDE_DEPTH) {
      const reason = `includes nested deeper than ${MAX_INCLUDE_DEPTH} levels (include loop?)`;
      throw new ConfigIncludeError(node, reason);
    }
    // keepalived changes into the including file's directory, so relative patterns are relative to it.
    const pattern = isAbsolute(arg.text) ? arg.text : join(dirname(file), arg.text);
    const files = await expandGlob(pattern);
    if (files.length === 0 && !WILDCARD.test(pattern)) {
      throw new ConfigIncludeError(node, `included file '${pattern}' does not exist`);
    }
    for (const included of files) out.push(...(await loadFile(included, depth + 1)));
  }
  return out;
}

// includer/includem/includew/includeb/includea only change how strictly keepalived reports missing files.
function isInclude(node: ConfigNode): boolean {
  return /^include[rmwba]?$/.test(node.keyword) && !node.children;
}

const WILDCARD = /[*?[]/;

/** Regular files matching a glob(3)-style pattern (`*`, `?`, `[...]` in any path component), sorted. */
async function expandGlob(pattern: string): Promise<string[]> {
  let paths = [pattern.startsWith('/') ? '/' : ''];
  for (const part of pattern.split('/').filter((p) => p !== '')) {
    if (!WILDCARD.test(part)) {
      paths = paths.map((p) => join(p, part));
      continue;
    }
    const re = globToRegExp(part);
    const next: string[] = [];
    for (const dir of paths) {
      const names = await readdir(dir || '.').catch(() => [] as string[]);
      // As in glob(3), wildcards do not match a leading dot.
      for (const name of names) {
        if (re.test(name) && (!name.startsWith('.') || part.startsWith('.'))) next.push(join(dir, name));
      }
    }
    paths = next;
  }
  // keepalived skips directories and other non-regular files that a pattern matches.
  const files: string[] = [];
  for (const path of paths) if (await isFile(path)) files.push(path);
  return files.sort();
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Translates one path component of a glob into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') {
      re += '.*';
    } else if (ch === '?') {
      re += '.';
    } else if (ch === '[') {
      // `[!...]` or `[^...]` negates; a `]` first in the set is literal; an unclosed `[` is literal.
      let first = i + 1;
      if (glob[first] === '!' || glob[first] === '^') first++;
      const close = glob.indexOf(']', glob[first] === ']' ? first + 1 : first);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      const negate = first > i + 1;
      const set = glob.slice(first, close).replace(/[\\\]^[]/g, '\\$&');
      re += `[${negate ? '^' : ''}${set}]`;
      i = close;
    } else {
      re += ch.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`, 's');
}
