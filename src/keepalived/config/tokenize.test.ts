import { describe, expect, it } from 'vitest';
import { ConfigSyntaxError, isBrace, tokenize } from './tokenize.js';

const words = (text: string) => tokenize(text, 'k.conf').map((t) => t.text);

describe('tokenize', () => {
  it('gives each word its file, 1-based line and column', () => {
    expect(tokenize('vrrp_instance WAN_1 {\n\tstate MASTER\n}', 'k.conf')).toEqual([
      { text: 'vrrp_instance', file: 'k.conf', line: 1, col: 1 },
      { text: 'WAN_1', file: 'k.conf', line: 1, col: 15 },
      { text: '{', file: 'k.conf', line: 1, col: 21 },
      { text: 'state', file: 'k.conf', line: 2, col: 2 },
      { text: 'MASTER', file: 'k.conf', line: 2, col: 8 },
      { text: '}', file: 'k.conf', line: 3, col: 1 },
    ]);
  });

  it('makes braces tokens of their own even when glued to words', () => {
    expect(words('group{WAN_1}\ntrack_interface {eth2}')).toEqual([
      'group',
      '{',
      'WAN_1',
      '}',
      'track_interface',
      '{',
      'eth2',
      '}',
    ]);
    expect(tokenize('a{b', 'k.conf').map((t) => t.col)).toEqual([1, 2, 3]);
  });

  it('drops # and ! comments to the end of the line, even inside a word (as keepalived 2.2.7 does)', () => {
    expect(
      words('! header\nstate MASTER # BACKUP on the other proxy\npriority 90! x\nauth_pass abc#def'),
    ).toEqual(['state', 'MASTER', 'priority', '90', 'auth_pass', 'abc']);
  });

  it('reads \\# and \\! as literal characters', () => {
    expect(words('auth_pass a\\#b\\!c')).toEqual(['auth_pass', 'a#b!c']);
  });

  it('keeps a double-quoted string as one word without its quotes', () => {
    const tokens = tokenize('notify_master "/usr/bin/notify #1 {x}" now', 'k.conf');
    expect(tokens.map((t) => t.text)).toEqual(['notify_master', '/usr/bin/notify #1 {x}', 'now']);
    expect(tokens[1]).toMatchObject({ col: 15, quoted: true });
  });

  it('splits words at quotes like keepalived, and keeps empty quoted strings', () => {
    expect(words('auth_pass a"b c"d ""')).toEqual(['auth_pass', 'a', 'b c', 'd', '']);
  });

  it('treats a quoted brace as a word, not a brace', () => {
    const [quoted, brace] = tokenize('"{" {', 'k.conf');
    expect(quoted && isBrace(quoted, '{')).toBe(false);
    expect(brace && isBrace(brace, '{')).toBe(true);
  });

  it('accepts CRLF line ends and tabs', () => {
    expect(tokenize('a\tb\r\nc', 'k.conf').map((t) => [t.text, t.line, t.col])).toEqual([
      ['a', 1, 1],
      ['b', 1, 3],
      ['c', 2, 1],
    ]);
  });

  it('reports an unterminated quote at file:line:col', () => {
    expect(() => tokenize('x\n  auth_pass "abc', 'k.conf')).toThrow(ConfigSyntaxError);
    expect(() => tokenize('x\n  auth_pass "abc', 'k.conf')).toThrow(
      'k.conf:2:13: unterminated quoted string',
    );
  });
});
