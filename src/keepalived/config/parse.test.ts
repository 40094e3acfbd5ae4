import { describe, expect, it } from 'vitest';
import { type ConfigNode, ConfigSyntaxError, label, parseConfig } from './parse.js';

/** The tree without positions: [statement, children?] */
type Shape = [string, Shape[]?];
const shape = (nodes: ConfigNode[]): Shape[] =>
  nodes.map((n) => (n.children ? [label(n), shape(n.children)] : [label(n)]));

const syntaxError = (text: string): ConfigSyntaxError => {
  try {
    parseConfig(text, 'k.conf');
  } catch (error) {
    if (error instanceof ConfigSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a ConfigSyntaxError');
};

const POST_MULTI_LINE = `vrrp_sync_group VG_1 {
    group {
        WAN_1
    }
    group {
        LAN_1
    }
}

vrrp_instance WAN_1 {
    state MASTER
    authentication {
        auth_type PASS
        auth_pass yourpass
    }
    virtual_ipaddress {
        203.0.113.140/24 dev eth2
    }
}
`;

describe('parseConfig', () => {
  it('parses the multi-line form into statements and blocks', () => {
    expect(shape(parseConfig(POST_MULTI_LINE, 'k.conf'))).toEqual([
      [
        'vrrp_sync_group VG_1',
        [
          ['group', [['WAN_1']]],
          ['group', [['LAN_1']]],
        ],
      ],
      [
        'vrrp_instance WAN_1',
        [
          ['state MASTER'],
          ['authentication', [['auth_type PASS'], ['auth_pass yourpass']]],
          ['virtual_ipaddress', [['203.0.113.140/24 dev eth2']]],
        ],
      ],
    ]);
  });

  it('positions each node at its keyword and keeps argument tokens', () => {
    const [, instance] = parseConfig(POST_MULTI_LINE, 'k.conf');
    expect(instance).toMatchObject({ keyword: 'vrrp_instance', file: 'k.conf', line: 10, col: 1 });
    const vip = instance?.children?.[2]?.children?.[0];
    expect(vip).toMatchObject({ keyword: '203.0.113.140/24', line: 17, col: 9 });
    expect(vip?.args.map((a) => [a.text, a.line, a.col])).toEqual([
      ['dev', 17, 26],
      ['eth2', 17, 30],
    ]);
  });

  it("reads one statement per piece of line between braces, like keepalived's read_line", () => {
    // keepalived 2.2.7 reads auth_type PASS here and ignores the rest: no password is ever set.
    const text =
      'authentication { auth_type PASS auth_pass yourpass }\nvirtual_ipaddress { 10.0.0.1/24 10.0.0.2/24 }';
    expect(shape(parseConfig(text, 'k.conf'))).toEqual([
      ['authentication', [['auth_type PASS auth_pass yourpass']]],
      ['virtual_ipaddress', [['10.0.0.1/24 10.0.0.2/24']]],
    ]);
  });

  it('starts a new statement after a closing brace on the same line', () => {
    const text =
      'vrrp_sync_group VG_1 { group { WAN_1 } group { LAN_1 } } vrrp_instance WAN_1 { state MASTER }';
    expect(shape(parseConfig(text, 'k.conf'))).toEqual([
      [
        'vrrp_sync_group VG_1',
        [
          ['group', [['WAN_1']]],
          ['group', [['LAN_1']]],
        ],
      ],
      ['vrrp_instance WAN_1', [['state MASTER']]],
    ]);
  });

  it('accepts the opening brace on the line after its keyword', () => {
    expect(shape(parseConfig('vrrp_instance X\n# comment\n{\n  priority 50\n}', 'k.conf'))).toEqual([
      ['vrrp_instance X', [['priority 50']]],
    ]);
  });

  it('keeps include statements unexpanded', () => {
    expect(shape(parseConfig('include conf.d/*.conf\nglobal_defs {\n}', 'k.conf'))).toEqual([
      ['include conf.d/*.conf'],
      ['global_defs', []],
    ]);
  });

  it('reports an unmatched } at file:line:col', () => {
    const error = syntaxError('global_defs {\n}\n  }\n');
    expect(error).toMatchObject({ file: 'k.conf', line: 3, col: 3 });
    expect(error.message).toBe("k.conf:3:3: unmatched '}'");
  });

  it('reports a missing } at the brace of the innermost unclosed block', () => {
    const error = syntaxError('vrrp_instance X {\n  authentication {\n    auth_type PASS\n}\n');
    expect(error.message).toBe(
      "k.conf:1:17: missing '}' at end of file for block 'vrrp_instance X' opened here",
    );
  });

  it('reports a { with no statement to open', () => {
    expect(syntaxError('a { }\n{ b }').message).toBe("k.conf:2:1: '{' without a keyword before it");
  });

  it("cannot read the post's literal one-line config: its first # comments out the rest", () => {
    // The post prints its keepalived.conf on one line. The first `#` swallows everything after it, so the
    // sync group parses but vrrp_instance WAN_1 is left open. This is why topologies/post/*.conf write the
    // configuration one statement per line.
    const literal =
      'vrrp_sync_group VG_1 { group { WAN_1 } group { LAN_1 } } vrrp_instance WAN_1 { #master WAN #just a name ' +
      'state MASTER # BACKUP in other proxy interface eth0 virtual_router_id 3 dont_track_primary priority 90 ' +
      'preempt_delay 30 garp_master_delay 1 advert_int 2 authentication { auth_type PASS auth_pass yourpass } ' +
      'track_interface { eth2 } virtual_ipaddress { 203.0.113.140/24 dev eth2 } }';
    const error = syntaxError(literal);
    expect(error).toMatchObject({ line: 1, col: 78 });
    expect(error.message).toBe(
      "k.conf:1:78: missing '}' at end of file for block 'vrrp_instance WAN_1' opened here",
    );
    // Closing it by hand shows what is left: the sync group and an empty instance.
    expect(shape(parseConfig(`${literal}\n}`, 'k.conf'))).toEqual([
      [
        'vrrp_sync_group VG_1',
        [
          ['group', [['WAN_1']]],
          ['group', [['LAN_1']]],
        ],
      ],
      ['vrrp_instance WAN_1', []],
    ]);
  });
});
