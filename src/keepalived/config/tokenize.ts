// Lexical layer of keepalived.conf, following keepalived 2.2.7's reader (lib/parser.c, read_line + decomment +
// alloc_strvec), checked against the installed keepalived 2.2.7:
// - `#` and `!` start a comment anywhere outside double quotes, even inside a word (`abc#def` reads `abc`);
//   `\#` and `\!` stand for the literal characters.
// - `{` and `}` are always words of their own, even glued to others (`group{`, `eth2}`).
// - A word starting with `"` runs to the next `"` (spaces kept, quotes dropped); an unquoted word ends at
//   whitespace, a quote, a brace or a comment. Single quotes are ordinary characters.
// Not supported (keepalived preprocessor features): `\` line continuation, `$NAME=` definitions,
// `@id` line prefixes, `~SEQ`/`~LST`.

/** One word of a configuration file, positioned at its first character (1-based line and column). */
export interface Token {
  text: string;
  file: string;
  line: number;
  col: number;
  /** Set when the word was written in double quotes: a quoted "{" is a word, not a brace. */
  quoted?: boolean;
}

/** A configuration error with its place; the message reads `file:line:col: reason`. */
export class ConfigSyntaxError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly reason: string;

  constructor(at: { file: string; line: number; col: number }, reason: string) {
    super(`${at.file}:${at.line}:${at.col}: ${reason}`);
    this.name = new.target.name;
    this.file = at.file;
    this.line = at.line;
    this.col = at.col;
    this.reason = reason;
  }
}

/** True for an unquoted `{` or `}` token. */
export function isBrace(token: Token, brace: '{' | '}'): boolean {
  return token.text === brace && !token.quoted;
}

// keepalived's whitespace set (WHITE_SPACE_STR); '\n' never occurs because we split lines first.
const SPACE = /[ \t\f\v\r]/;
const WORD_END = /[ \t\f\v\r"{}#!]/;

export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  text.split('\n').forEach((src, index) => {
    const line = index + 1;
    let pos = 0;
    while (pos < src.length) {
      const ch = src[pos] as string;
      const start = { file, line, col: pos + 1 };
      if (SPACE.test(ch)) {
        pos++;
      } else if (ch === '#' || ch === '!') {
        break;
      } else if (ch === '{' || ch === '}') {
        tokens.push({ text: ch, ...start });
        pos++;
      } else if (ch === '"') {
        // A quote cannot span lines: keepalived reads the file line by line.
        const end = src.indexOf('"', pos + 1);
        if (end < 0) throw new ConfigSyntaxError(start, 'unterminated quoted string');
        tokens.push({ text: src.slice(pos + 1, end), ...start, quoted: true });
        pos = end + 1;
      } else {
        let word = '';
        while (pos < src.length && !WORD_END.test(src[pos] as string)) {
          if (src[pos] === '\\' && (src[pos + 1] === '#' || src[pos + 1] === '!')) pos++;
          word += src[pos];
          pos++;
        }
        tokens.push({ text: word, ...start });
      }
    }
  });
  return tokens;
}
