import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { InputError, InputErrors, type SourcePos } from '../errors.js';
import { Topology } from './schema.js';

export type Path = readonly (string | number)[];

/** A parsed topology with the means to point back into its file. */
export interface LoadedTopology {
  topology: Topology;
  file: string;
  dir: string;
  /** Position of the value (or, with 'key', of the key) at `path`; the nearest existing parent otherwise. */
  locate(path: Path, part?: 'key' | 'value'): SourcePos;
}

export function formatPath(path: Path): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
    '',
  );
}

/** Reads, parses and shape-checks a topology file. Every error names file:line:col. */
export async function loadTopology(file: string): Promise<LoadedTopology> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read topology file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseTopology(text, file);
}

export function parseTopology(text: string, file: string): LoadedTopology {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    throw new InputErrors(
      doc.errors.map((e) => {
        // The yaml library says only "Map keys must be unique": name the key from the text it points at.
        const key =
          e.code === 'DUPLICATE_KEY'
            ? /^("[^"]*"|'[^']*'|[^:\n]+?)\s*:/.exec(text.slice(e.pos[0]))?.[1]
            : undefined;
        const msg = key
          ? `duplicate key '${key.replace(/^["']|["']$/g, '')}'`
          : (e.message.split('\n')[0] ?? e.message);
        return new InputError(msg, at(e.pos[0]));
      }),
    );
  }

  const locate = (path: Path, part: 'key' | 'value' = 'value'): SourcePos => {
    let node: unknown = doc.contents;
    let best: SourcePos = at((doc.contents as YamlNode | null)?.range?.[0] ?? 0);
    for (const [i, step] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => String((p.key as { value?: unknown })?.value ?? p.key) === String(step),
        );
        if (!pair) return best;
        const keyRange = (pair.key as YamlNode | null)?.range;
        const valueRange = (pair.value as YamlNode | null)?.range;
        if (last && part === 'key' && keyRange) return at(keyRange[0]);
        best = at((valueRange ?? keyRange)?.[0] ?? 0);
        node = pair.value;
      } else if (isSeq(node) && typeof step === 'number') {
        const item = node.items[step] as YamlNode | undefined;
        if (!item?.range) return best;
        best = at(item.range[0]);
        node = item;
      } else {
        return best;
      }
    }
    return best;
  };

  const parsed = Topology.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    throw new InputErrors(parsed.error.issues.map((issue) => issueToError(issue, doc.toJS(), locate)));
  }
  return { topology: parsed.data, file, dir: dirname(resolve(file)), locate };
}

/**
 * A topology built in code (a conformance lab, later the explorer's and container labs) instead of read
 * from a file: the same shape check, no YAML written to be read back. `dir` is where relative paths in it
 * (keepalived.conf files) resolve; `label` names it in errors, which carry the offending path and value
 * (there are no lines to point at: every position is label:1:1).
 */
export function topologyFromData(data: unknown, dir: string, label: string): LoadedTopology {
  const locate = (): SourcePos => ({ file: label, line: 1, col: 1 });
  const parsed = Topology.safeParse(data);
  if (!parsed.success) {
    throw new InputErrors(parsed.error.issues.map((issue) => issueToError(issue, data, locate)));
  }
  return { topology: parsed.data, file: label, dir: resolve(dir), locate };
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const step of path) v = v == null ? undefined : (v as Record<string | number, unknown>)[step];
  return v;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

/** Turns a zod issue into "file:line:col: path: what is wrong (offending value)". */
function issueToError(issue: z.core.$ZodIssue, data: unknown, locate: LoadedTopology['locate']): InputError {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const where = formatPath(path) || '(top level)';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      return new InputError(`${where}: unknown key '${key}'`, locate([...path, key], 'key'));
    }
    case 'invalid_key': {
      return new InputError(
        `${where}: key ${show(path.at(-1))}: ${issue.issues[0]?.message ?? issue.message}`,
        locate(path, 'key'),
      );
    }
    case 'invalid_type': {
      const value = valueAt(data, path);
      if (value === undefined)
        return new InputError(`${where}: missing (${issue.expected} expected)`, locate(path));
      return new InputError(`${where}: expected ${issue.expected}, got ${show(value)}`, locate(path));
    }
    case 'invalid_union': {
      // zod 4 reports a bad discriminator on the `kind` field itself.
      const onKind = path.at(-1) === 'kind';
      const value = valueAt(data, path);
      const kind = onKind ? value : (value as { kind?: unknown } | undefined)?.kind;
      const msg =
        kind !== undefined
          ? `unknown kind ${show(kind)} (expected nginx, webapp or postgres)`
          : issue.message;
      return new InputError(
        `${where}: ${msg}`,
        locate(kind !== undefined && !onKind ? [...path, 'kind'] : path),
      );
    }
    default: {
      const value = valueAt(data, path);
      const suffix = value === undefined || typeof value === 'object' ? '' : ` (got ${show(value)})`;
      return new InputError(`${where}: ${issue.message}${suffix}`, locate(path));
    }
  }
}
