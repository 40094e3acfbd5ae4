import { join } from 'node:path';
import type { WebappService } from '../topology/schema.js';
import { programPath } from '../util/program.js';
import { daemonSpec, type Launch, type ServiceContext } from './service.js';

/** The compiled server program, beside this file (src/ → dist/src/ after the build). */
// Resolved when first run, not at import: unit tests import this module without a build.
const serverProgram = () => programPath(import.meta.url, './webapp-server.js');

export function launchWebapp(ctx: ServiceContext, svc: WebappService): Launch {
  const db = svc.db ? ctx.node.endpoints.get(svc.db) : undefined;
  const argv = [process.execPath, serverProgram(), '--name', ctx.node.name, '--port', String(svc.port)];
  if (db) argv.push('--db', `${db.address}:${db.port}`);
  return {
    spec: daemonSpec(ctx, 'webapp', argv, join(ctx.dir, 'webapp.log')),
    ready: /^listening on /,
    readyTimeoutMs: 10_000,
  };
}
