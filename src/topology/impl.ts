import { InputError } from '../errors.js';
import { SpeakerImpl } from './schema.js';

/**
 * Which VRRP speaker runs where, as `harness up --impl` gives it: one implementation for every node
 * (`tsvrrpd`), one per node (`proxy1=keepalived,proxy2=tsvrrpd`), or both (`tsvrrpd,proxy1=keepalived`).
 * It overrides the topology file's `vrrp.impl` settings.
 */
export interface ImplChoice {
  all?: SpeakerImpl | undefined;
  nodes?: Record<string, SpeakerImpl> | undefined;
}

export function parseImplChoice(text: string): ImplChoice {
  const choice: ImplChoice = {};
  const nodes: Record<string, SpeakerImpl> = {};
  const impl = (value: string, what: string): SpeakerImpl => {
    const r = SpeakerImpl.safeParse(value);
    if (!r.success) {
      throw new InputError(
        `--impl '${text}': ${what} '${value}' is not one of ${SpeakerImpl.options.join(', ')}`,
      );
    }
    return r.data;
  };
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') throw new InputError(`--impl '${text}': empty entry`);
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (choice.all !== undefined) throw new InputError(`--impl '${text}': two speakers for every node`);
      choice.all = impl(part, 'speaker');
      continue;
    }
    const node = part.slice(0, eq);
    if (node === '') throw new InputError(`--impl '${text}': '${part}' names no node`);
    if (nodes[node] !== undefined) throw new InputError(`--impl '${text}': node '${node}' given twice`);
    nodes[node] = impl(part.slice(eq + 1), `speaker for ${node}`);
  }
  if (Object.keys(nodes).length > 0) choice.nodes = nodes;
  return choice;
}

/** The choice as `--impl` would spell it (for reports and logs). */
export function formatImplChoice(c: ImplChoice): string {
  return [...(c.all ? [c.all] : []), ...Object.entries(c.nodes ?? {}).map(([n, i]) => `${n}=${i}`)].join(',');
}
