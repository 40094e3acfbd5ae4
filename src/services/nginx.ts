import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeFailure } from '../errors.js';
import type { NginxService } from '../topology/schema.js';
import { daemonSpec, type Launch, type ServiceContext } from './service.js';

export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

type Resolve = (hostPort: string) => string;

/**
 * nginx.conf for a proxy: an HTTP upstream and/or a TCP stream upstream, each listening on a VIP.
 * Short connect timeouts and next-upstream retries so a dead backend costs one request a second, not
 * a minute. Every path lives in the service directory; nothing touches /var/lib/nginx or /var/log.
 */
export function nginxConfig(svc: NginxService, dir: string, resolve: Resolve): string {
  const servers = (list: string[]) =>
    list.map((u) => `        server ${resolve(u)} max_fails=1 fail_timeout=2s;`).join('\n');
  const out = [
    `load_module ${NGINX_STREAM_MODULE};`,
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    'error_log stderr notice;',
    'user nobody nogroup;',
    'events { worker_connections 512; }',
  ];
  if (svc.http) {
    out.push(
      'http {',
      `    access_log ${join(dir, 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (k) => `    ${k}_temp_path ${join(dir, 'tmp', k)};`,
      ),
      '    upstream web {',
      servers(svc.http.upstream),
      '    }',
      '    server {',
      `        listen ${resolve(svc.http.listen)};`,
      '        location / {',
      '            proxy_pass http://web;',
      '            proxy_connect_timeout 1s;',
      '            proxy_read_timeout 5s;',
      '            proxy_next_upstream error timeout http_502;',
      '            proxy_set_header X-Forwarded-For $remote_addr;',
      '            add_header X-Proxy $hostname always;',
      '        }',
      '    }',
      '}',
    );
  }
  if (svc.stream) {
    out.push(
      'stream {',
      '    upstream db {',
      servers(svc.stream.upstream),
      '    }',
      '    server {',
      `        listen ${resolve(svc.stream.listen)};`,
      '        proxy_pass db;',
      '        proxy_connect_timeout 1s;',
      '    }',
      '}',
    );
  }
  return `${out.join('\n')}\n`;
}

export async function launchNginx(ctx: ServiceContext, svc: NginxService): Promise<Launch> {
  if (svc.stream && !existsSync(NGINX_STREAM_MODULE)) {
    throw new RuntimeFailure(
      `nginx stream module missing (${NGINX_STREAM_MODULE}): apt-get install libnginx-mod-stream`,
    );
  }
  await mkdir(join(ctx.dir, 'tmp'), { recursive: true });
  const conf = join(ctx.dir, 'nginx.conf');
  const resolve: Resolve = (hp) => {
    const r = ctx.node.endpoints.get(hp);
    if (!r) return hp;
    return r.address.includes(':') ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`;
  };
  await writeFile(conf, nginxConfig(svc, ctx.dir, resolve));
  return {
    // -e: the error log before the config is read would otherwise go to /var/log/nginx.
    spec: daemonSpec(
      ctx,
      'nginx',
      ['nginx', '-c', conf, '-p', ctx.dir, '-e', 'stderr'],
      join(ctx.dir, 'nginx.log'),
    ),
    ready: /start worker process/,
    readyTimeoutMs: 10_000,
  };
}
