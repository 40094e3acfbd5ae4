import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.js';
import { splitScriptWords } from './script.js';
import { extractVrrp } from './vrrp.js';

const extract = (text: string) => extractVrrp(parseConfig(text, 'k.conf'));
const lines = (text: string) => extract(text).warnings.map((w) => `${w.at.line}: ${w.message}`);

describe('splitScriptWords: keepalived splits the script string again', () => {
  it('on whitespace, with single and double quotes and backslash escapes', () => {
    expect(splitScriptWords('/usr/bin/test -e /tmp/x')).toEqual(['/usr/bin/test', '-e', '/tmp/x']);
    expect(splitScriptWords(`/bin/sh -c 'exit 3'`)).toEqual(['/bin/sh', '-c', 'exit 3']);
    expect(splitScriptWords('a\\ b "" c')).toEqual(['a b', '', 'c']);
    expect(splitScriptWords("'it''s'")).toEqual(['its']);
    expect(splitScriptWords("'open")).toBeUndefined();
  });
});

describe('vrrp_script and track_script, as keepalived 2.2.7 reads them', () => {
  it("reads a script with keepalived's defaults and the instance's tracking with its own weight", () => {
    const cfg = extract(
      [
        'vrrp_script chk_nginx {',
        '  script "/usr/bin/pgrep -x nginx"',
        '  interval 2',
        '  weight -30',
        '  fall 3',
        '}',
        'vrrp_script chk_file {',
        '  script "/usr/bin/test -e /run/ok"',
        '  init_fail',
        '}',
        'vrrp_instance A {',
        '  track_script {',
        '    chk_nginx',
        '    chk_file weight 10 reverse',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(cfg.warnings).toEqual([]);
    expect(cfg.scripts).toEqual([
      expect.objectContaining({
        name: 'chk_nginx',
        argv: ['/usr/bin/pgrep', '-x', 'nginx'],
        interval: 2,
        timeout: 0,
        weight: -30,
        reverse: false,
        rise: 1,
        fall: 3,
        initFail: false,
      }),
      expect.objectContaining({ name: 'chk_file', interval: 1, weight: 0, initFail: true }),
    ]);
    expect(cfg.instances[0]?.trackScripts).toEqual([
      { name: 'chk_nginx', weight: -30, reverse: false, at: { file: 'k.conf', line: 13, col: 5 } },
      { name: 'chk_file', weight: 10, reverse: true, at: { file: 'k.conf', line: 14, col: 5 } },
    ]);
  });

  it("warns as keepalived -t does (messages checked against keepalived 2.2.7's own)", () => {
    expect(
      lines(
        [
          'vrrp_script chk {',
          '  script /usr/bin/test -e /tmp/x',
          '  interval 0',
          '  weight 300',
          '  rise 0',
          '}',
          'vrrp_script empty {',
          '  interval 2',
          '}',
          'vrrp_instance A {',
          '  track_script {',
          '    chk',
          '    chk',
          '    later',
          '    empty',
          '  }',
          '}',
          'vrrp_script later {',
          '  script /bin/true',
          '}',
        ].join('\n'),
      ),
    ).toEqual([
      '2: (chk) keepalived runs only \'/usr/bin/test\': quote the whole command line, script "/usr/bin/test -e /tmp/x"',
      '3: (chk): vrrp script interval must be greater than 0, setting to 1',
      '4: vrrp_script chk weight 300 must be in [-253, 253]',
      "5: (chk): vrrp script rise value '0' invalid, defaulting to 1",
      '7: No script set for vrrp_script empty - removing',
      '13: (A) duplicate track_script chk - ignoring',
      // keepalived reads top to bottom: a vrrp_script below the instance is not found
      '14: (A) track script later not found, ignoring... (its vrrp_script is at line 18, below: keepalived reads the file top to bottom)',
      '15: (A) track script empty not found, ignoring...',
    ]);
  });

  it('notify scripts: argv from the quoted word; words after it are the user keepalived runs it as', () => {
    const cfg = extract(
      [
        'vrrp_instance A {',
        '  notify "/usr/local/bin/vrrp-log --tag lab"',
        '  notify_master /usr/local/bin/on-master extra',
        '  notify_master /bin/true',
        '}',
      ].join('\n'),
    );
    expect(cfg.instances[0]?.notify).toEqual({
      notify: {
        argv: ['/usr/local/bin/vrrp-log', '--tag', 'lab'],
        user: undefined,
        at: { file: 'k.conf', line: 2, col: 3 },
      },
      notify_master: {
        argv: ['/usr/local/bin/on-master'],
        user: ['extra'],
        at: { file: 'k.conf', line: 3, col: 3 },
      },
    });
    expect(cfg.warnings.map((w) => `${w.at.line}: ${w.message}`)).toEqual([
      "3: (A) keepalived runs '/usr/local/bin/on-master' as user 'extra': to pass arguments, quote the whole command line",
      '4: (A) notify_master script already specified - ignoring /bin/true',
    ]);
  });
});
