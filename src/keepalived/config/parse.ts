import { ConfigSyntaxError, isBrace, type Token, tokenize } from './tokenize.js';

export { ConfigSyntaxError } from './tokenize.js';

/** A statement: a keyword, its arguments, and the statements of its `{ ... }` block if it has one. */
export interface ConfigNode {
  keyword: string;
  args: Token[];
  children?: ConfigNode[];
  /** Position of the keyword. */
  file: string;
  line: number;
  col: number;
}

// Statement rule, as keepalived 2.2.7 reads it (lib/parser.c read_line, verified on the installed daemon):
// a line is cut at every brace, and each piece between line ends and braces is ONE statement: its first
// word is the keyword, the other words are arguments. So
//   authentication { auth_type PASS auth_pass yourpass }
// is `authentication` with a block holding the single statement `auth_type PASS auth_pass yourpass`
// (keepalived then reads auth_type PASS and ignores the rest: no password is set). Likewise
//   virtual_ipaddress { 10.0.0.1/24 10.0.0.2/24 }
// is one entry `10.0.0.1/24` with a bad option `10.0.0.2/24`. Splitting at "known keywords" would accept
// configurations that keepalived misreads, so we don't: the AST shows exactly what keepalived sees, and
// extractVrrp warns about the consequences.
// A `{` opens the block of the statement just before it, on the same line or a later one (keepalived accepts
// `vrrp_instance X` with `{` on the next line). This parser does not know which keywords take blocks;
// keepalived ignores a `{` after one that takes none, and extractVrrp reproduces that.
// `include` is an ordinary statement here; loadConfig expands it.

export function parseConfig(text: string, file: string): ConfigNode[] {
  const root: ConfigNode[] = [];
  const open: { node: ConfigNode; brace: Token }[] = []; // blocks not yet closed, innermost last
  let siblings = root;
  let current: ConfigNode | undefined; // the statement still taking arguments

  for (const token of tokenize(text, file)) {
    if (isBrace(token, '{')) {
      const owner = siblings.at(-1);
      if (!owner || owner.children) throw new ConfigSyntaxError(token, "'{' without a keyword before it");
      owner.children = [];
      open.push({ node: owner, brace: token });
      siblings = owner.children;
      current = undefined;
    } else if (isBrace(token, '}')) {
      if (!open.pop()) throw new ConfigSyntaxError(token, "unmatched '}'");
      siblings = open.at(-1)?.node.children ?? root;
      current = undefined;
    } else if (current && current.line === token.line) {
      current.args.push(token);
    } else {
      current = { keyword: token.text, args: [], file, line: token.line, col: token.col };
      siblings.push(current);
    }
  }

  const unclosed = open.at(-1);
  if (unclosed) {
    throw new ConfigSyntaxError(
      unclosed.brace,
      `missing '}' at end of file for block '${label(unclosed.node)}' opened here`,
    );
  }
  return root;
}

/** The statement as written, for messages: `vrrp_instance WAN_1`. */
export function label(node: ConfigNode): string {
  return [node.keyword, ...node.args.map((arg) => arg.text)].join(' ');
}
