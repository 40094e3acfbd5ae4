import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../topology/load.js';
import { planLab } from '../topology/plan.js';
import type { NginxService } from '../topology/schema.js';
import { validateTopology } from '../topology/validate.js';
import { NGINX_STREAM_MODULE, nginxConfig } from './nginx.js';

const POST = fileURLToPath(new URL('../../topologies/post.yaml', import.meta.url));
const DIR = '/run/vrrp-harness/post/proxy1/nginx';

const inside = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

describe('nginxConfig for the post proxy', () => {
  let svc: NginxService;
  let conf: string;
  const asked: string[] = [];

  beforeAll(async () => {
    const plan = planLab(await validateTopology(await loadTopology(POST)));
    const proxy1 = plan.nodes.find((n) => n.name === 'proxy1');
    const found = proxy1?.services.find((s): s is NginxService => s.kind === 'nginx');
    if (!proxy1 || !found) throw new Error('post.yaml: proxy1 has no nginx service');
    svc = found;
    // As launchNginx resolves: through the node's endpoints, IPv6 in brackets.
    conf = nginxConfig(svc, DIR, (hp) => {
      asked.push(hp);
      const r = proxy1.endpoints.get(hp);
      if (!r) throw new Error(`unresolved ${hp}`);
      return r.address.includes(':') ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`;
    });
  });

  const block = (name: string): string => {
    const start = conf.indexOf(`\n${name} {\n`);
    expect(start, `${name} block`).toBeGreaterThanOrEqual(0);
    const end = conf.indexOf('\n}\n', start + 1);
    return conf.slice(start + 1, end + 2);
  };

  it('resolves every HOST:PORT of the service, and only those', () => {
    expect(asked.sort()).toEqual(
      ['10.5.247.10:5432', '203.0.113.140:80', 'db1:5432', 'db2:5432', 'web1:8080', 'web2:8080'].sort(),
    );
  });

  it('runs in the foreground with the stream module loaded', () => {
    const lines = conf.split('\n');
    expect(lines[0]).toBe(`load_module ${NGINX_STREAM_MODULE};`);
    expect(lines).toContain('daemon off;');
    expect(lines).toContain('error_log stderr notice;');
    expect(conf.endsWith('}\n')).toBe(true);
  });

  it('listens on the WAN VIP and proxies HTTP to both webs', () => {
    const http = block('http');
    expect(http).toContain('        listen 203.0.113.140:80;');
    expect(http).toMatch(
      /upstream web \{\n\s+server 10\.5\.247\.21:8080 max_fails=1 fail_timeout=2s;\n\s+server 10\.5\.247\.22:8080 max_fails=1 fail_timeout=2s;\n\s+\}/,
    );
    expect(http).toContain('proxy_pass http://web;');
    expect(http).not.toMatch(/web[12]:8080/);
  });

  it('has a stream block listening on the LAN VIP and proxying to both dbs', () => {
    const stream = block('stream');
    expect(stream).toContain('        listen 10.5.247.10:5432;');
    expect(stream).toMatch(
      /upstream db \{\n\s+server 10\.5\.247\.31:5432 max_fails=1 fail_timeout=2s;\n\s+server 10\.5\.247\.32:5432 max_fails=1 fail_timeout=2s;\n\s+\}/,
    );
    expect(stream).toContain('proxy_pass db;');
    expect(stream).not.toMatch(/db[12]:5432/);
  });

  it('keeps the pid, the access log and every temp path inside the given directory', () => {
    const temps = [...conf.matchAll(/^\s*(\w+_temp_path) (\S+);$/gm)].map((m) => [m[1], m[2]]);
    expect(temps.map(([k]) => k)).toEqual([
      'client_body_temp_path',
      'proxy_temp_path',
      'fastcgi_temp_path',
      'uwsgi_temp_path',
      'scgi_temp_path',
    ]);
    for (const [, path] of temps) expect(inside(DIR, path ?? ''), path).toBe(true);
    expect(conf).toContain(`pid ${DIR}/nginx.pid;`);
    expect(conf).toContain(`access_log ${DIR}/access.log;`);
    // The only absolute path outside the directory is the module nginx loads.
    const paths = [...conf.matchAll(/(?<=\s)\/\S+(?=;)/g)].map((m) => m[0]);
    expect(paths.filter((p) => !inside(DIR, p))).toEqual([NGINX_STREAM_MODULE]);
    expect(conf).not.toMatch(/\/var\/(lib|log)\//);
  });

  it('omits the http block for a stream-only service, and the stream block for an http-only one', () => {
    const id = (hp: string) => hp;
    const streamOnly = nginxConfig({ kind: 'nginx', stream: svc.stream }, DIR, id);
    expect(streamOnly).not.toMatch(/^http \{/m);
    expect(streamOnly).not.toContain('_temp_path');
    expect(streamOnly).toMatch(/^stream \{/m);
    const httpOnly = nginxConfig({ kind: 'nginx', http: svc.http }, DIR, id);
    expect(httpOnly).toMatch(/^http \{/m);
    expect(httpOnly).not.toMatch(/^stream \{/m);
    expect(httpOnly).toContain('server web1:8080 max_fails=1 fail_timeout=2s;');
  });
});
