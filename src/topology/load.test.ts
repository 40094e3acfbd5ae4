import { describe, expect, it } from 'vitest';
import { InputError, InputErrors } from '../errors.js';
import { parseTopology } from './load.js';

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

/** The InputErrors parseTopology throws for `text` (fails the test if it parses). */
function errorsOf(text: string): InputError[] {
  try {
    parseTopology(text, 'lab.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InputErrors);
    const errors = err as InputErrors;
    expect(errors.exitCode).toBe(2);
    for (const e of errors.errors) expect(e).toBeInstanceOf(InputError);
    expect(errors.message).toBe(errors.errors.map((e) => e.message).join('\n'));
    return errors.errors;
  }
  throw new Error('expected parseTopology to fail');
}

/** The only error for `text`: asserts there is exactly one and returns its message. */
function onlyError(text: string): string {
  const errors = errorsOf(text);
  expect(errors.map((e) => e.message)).toHaveLength(1);
  return errors[0]?.message ?? '';
}

describe('parseTopology: valid files', () => {
  it('parses a minimal file and applies the defaults', () => {
    const loaded = parseTopology(yaml('name: lab1', 'nodes:', '  a: {}'), 'some/dir/lab.yaml');
    expect(loaded.file).toBe('some/dir/lab.yaml');
    expect(loaded.dir).toMatch(/[/\\]some[/\\]dir$/);
    expect(loaded.topology).toEqual({
      name: 'lab1',
      defaults: {},
      segments: {},
      nodes: { a: { interfaces: {}, routes: [], services: [] } },
      links: [],
      checks: [],
    });
  });

  it('fills nested defaults: addresses, service ports, null segments', () => {
    const { topology } = parseTopology(
      yaml(
        'name: lab-2',
        'segments:',
        '  lan:',
        'nodes:',
        '  db:',
        '    interfaces:',
        '      eth0: {}',
        '    services:',
        '      - kind: postgres',
        '  web:',
        '    services:',
        '      - { kind: webapp, db: db:5432 }',
        'links:',
        '  - endpoints: [db:eth0, lan]',
      ),
      'lab.yaml',
    );
    expect(topology.segments).toEqual({ lan: {} });
    expect(topology.nodes.db?.interfaces).toEqual({ eth0: { addresses: [] } });
    expect(topology.nodes.db?.services).toEqual([{ kind: 'postgres', port: 5432 }]);
    expect(topology.nodes.web?.services).toEqual([{ kind: 'webapp', port: 8080, db: 'db:5432' }]);
    expect(topology.links).toEqual([{ endpoints: ['db:eth0', 'lan'] }]);
    expect(topology.checks).toEqual([]);
  });

  it('locates values and keys by path, falling back to the nearest existing parent', () => {
    const loaded = parseTopology(
      yaml('name: lab1', 'nodes:', '  a:', '    interfaces:', '      eth0: { addresses: [10.0.0.1/24] }'),
      'lab.yaml',
    );
    expect(loaded.locate(['nodes', 'a', 'interfaces', 'eth0', 'addresses', 0])).toEqual({
      file: 'lab.yaml',
      line: 5,
      col: 27,
    });
    expect(loaded.locate(['nodes', 'a'], 'key')).toEqual({ file: 'lab.yaml', line: 3, col: 3 });
    expect(loaded.locate(['nodes', 'a', 'routes', 0])).toEqual({ file: 'lab.yaml', line: 4, col: 5 });
  });
});

describe('parseTopology: YAML errors', () => {
  it('reports a syntax error at its line:col', () => {
    const errors = errorsOf(yaml('name: lab1', 'nodes:', '  a: {}', ' b: {}'));
    expect(errors.map((e) => e.message)).toEqual([
      'lab.yaml:4:1: All mapping items must start at the same column',
    ]);
    expect(errors[0]?.pos).toEqual({ file: 'lab.yaml', line: 4, col: 1 });
  });

  it('reports an unclosed quote', () => {
    expect(onlyError(yaml('name: "lab1', 'nodes:', '  a: {}'))).toMatch(
      /^lab\.yaml:4:1: Missing closing "quote/,
    );
  });

  it('reports a duplicate key at the second occurrence', () => {
    expect(
      onlyError(yaml('name: lab1', 'nodes:', '  a:', '    interfaces:', '      eth0: {}', '      eth0: {}')),
    ).toMatch(/^lab\.yaml:6:7: /);
    expect(onlyError(yaml('name: lab1', 'nodes:', '  a: {}', 'name: lab2'))).toMatch(/^lab\.yaml:4:1: /);
  });

  it('names the duplicated key', () => {
    expect(
      onlyError(yaml('name: lab1', 'nodes:', '  a:', '    interfaces:', '      eth0: {}', '      eth0: {}')),
    ).toMatch(/^lab\.yaml:6:7: .*eth0/);
  });
});

describe('parseTopology: schema errors', () => {
  it('points an unknown key at the key itself', () => {
    const text = yaml('name: lab1', 'nodes:', '  a:', '    interface: {}');
    expect(onlyError(text)).toBe("lab.yaml:4:5: nodes.a: unknown key 'interface'");
  });

  it('points an unknown top-level key at the key', () => {
    expect(onlyError(yaml('name: lab1', 'nodes:', '  a: {}', 'link: []'))).toBe(
      "lab.yaml:4:1: (top level): unknown key 'link'",
    );
  });

  it('reports a wrong type with the offending value', () => {
    const text = yaml('name: lab1', 'nodes:', '  a:', '    interfaces:', '      eth0: { addresses: 5 }');
    expect(onlyError(text)).toBe('lab.yaml:5:26: nodes.a.interfaces.eth0.addresses: expected array, got 5');
  });

  it('reports a missing required name', () => {
    expect(onlyError(yaml('nodes:', '  a: {}'))).toBe('lab.yaml:1:1: name: missing (string expected)');
  });

  it('reports everything missing from an empty file', () => {
    expect(errorsOf('').map((e) => e.message)).toEqual([
      'lab.yaml:1:1: name: missing (string expected)',
      'lab.yaml:1:1: nodes: missing (record expected)',
    ]);
  });

  it('rejects a bad lab name, quoting it', () => {
    expect(onlyError(yaml('name: Lab_1', 'nodes:', '  a: {}'))).toBe(
      "lab.yaml:1:7: name: lab name must be lower-case letters, digits and single inner dashes (got 'Lab_1')",
    );
  });

  it('rejects a lab name longer than 24 characters', () => {
    expect(onlyError(yaml(`name: ${'a'.repeat(25)}`, 'nodes:', '  a: {}'))).toBe(
      `lab.yaml:1:7: name: lab name is longer than 24 characters (got '${'a'.repeat(25)}')`,
    );
  });

  it('rejects a lab without nodes', () => {
    expect(onlyError(yaml('name: lab1', 'nodes: {}'))).toBe(
      'lab.yaml:2:8: nodes: a lab needs at least one node',
    );
  });

  it('points an invalid service kind at the kind value', () => {
    const text = yaml('name: lab1', 'nodes:', '  a:', '    services:', '      - kind: redis');
    expect(onlyError(text)).toMatch(/^lab\.yaml:5:15: nodes\.a\.services\[0\]\.kind: /);
  });

  it('names the invalid service kind', () => {
    const text = yaml('name: lab1', 'nodes:', '  a:', '    services:', '      - kind: redis');
    expect(onlyError(text)).toMatch(/^lab\.yaml:5:15: .*'redis'/);
  });

  it('points an interface name longer than 15 characters at the map key', () => {
    const text = yaml('name: lab1', 'nodes:', '  a:', '    interfaces:', '      averyverylongname0: {}');
    expect(onlyError(text)).toBe(
      "lab.yaml:5:7: nodes.a.interfaces.averyverylongname0: key 'averyverylongname0': " +
        'interface name is longer than 15 characters (Linux IFNAMSIZ)',
    );
  });

  it('accepts an interface name of exactly 15 characters', () => {
    const text = yaml('name: lab1', 'nodes:', '  a:', '    interfaces:', `      ${'e'.repeat(15)}: {}`);
    expect(Object.keys(parseTopology(text, 'lab.yaml').topology.nodes.a?.interfaces ?? {})).toEqual([
      'e'.repeat(15),
    ]);
  });

  it('rejects a non-net sysctl at its key', () => {
    const text = yaml('name: lab1', 'nodes:', '  a:', '    sysctls:', '      kernel.panic: 1');
    expect(onlyError(text)).toBe(
      "lab.yaml:5:7: nodes.a.sysctls.kernel.panic: key 'kernel.panic': " +
        'only net.* sysctls are per namespace (others would change the host)',
    );
  });

  it('rejects a non-net sysctl in defaults too', () => {
    const text = yaml('name: lab1', 'defaults:', '  sysctls:', '    vm.swappiness: 0', 'nodes:', '  a: {}');
    expect(onlyError(text)).toMatch(
      /^lab\.yaml:4:5: defaults\.sysctls\.vm\.swappiness: key 'vm\.swappiness'/,
    );
  });

  it('rejects a bad HOST:PORT with the offending value', () => {
    const text = yaml(
      'name: lab1',
      'nodes:',
      '  a:',
      '    services:',
      '      - kind: webapp',
      '        db: db1 5432',
    );
    expect(onlyError(text)).toBe(
      "lab.yaml:6:13: nodes.a.services[0].db: expected HOST:PORT (HOST: node, IPv4 or [IPv6]) (got 'db1 5432')",
    );
  });

  it('rejects a listen address without a port', () => {
    const text = yaml(
      'name: lab1',
      'nodes:',
      '  a:',
      '    services:',
      '      - kind: nginx',
      '        http: { listen: 10.0.0.1, upstream: [b:80] }',
    );
    expect(onlyError(text)).toBe(
      'lab.yaml:6:25: nodes.a.services[0].http.listen: expected HOST:PORT (HOST: node, IPv4 or [IPv6]) ' +
        "(got '10.0.0.1')",
    );
  });

  it('reports every schema error of a file together', () => {
    const text = yaml(
      'name: Lab',
      'nodes:',
      '  a:',
      '    interface: {}',
      '    sysctls:',
      '      kernel.panic: 1',
    );
    const messages = errorsOf(text).map((e) => e.message);
    expect(messages).toHaveLength(3);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lab\.yaml:1:7: name: .*'Lab'/),
        expect.stringMatching(/^lab\.yaml:4:5: nodes\.a: unknown key 'interface'/),
        expect.stringMatching(/^lab\.yaml:6:7: nodes\.a\.sysctls\.kernel\.panic: /),
      ]),
    );
  });
});
