import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Path of a compiled program the harness runs inside a lab (injector, prober, web app), next to the
 * calling module. Under vitest the caller is a .ts source in src/; the program is then taken from the
 * build in dist/ (`npm test` builds first).
 */
export function programPath(callerUrl: string, name: string): string {
  const beside = fileURLToPath(new URL(name, callerUrl));
  if (existsSync(beside)) return beside;
  const built = beside.replace(/\/src\/(?!.*\/src\/)/, '/dist/src/');
  if (existsSync(built)) return built;
  throw new Error(`program ${name} not found at ${beside} or ${built}: run npm run build`);
}

/** The project's root (where package.json is), from a module inside it: the same from src/ and dist/src/. */
export function projectRoot(callerUrl: string): string {
  let dir = fileURLToPath(new URL('.', callerUrl));
  while (!existsSync(`${dir}/package.json`) || dir.endsWith('/src/') || dir.includes('/node_modules/')) {
    const up = dir.replace(/[^/]+\/$/, '');
    if (up === dir) throw new Error('project root not found');
    dir = up;
  }
  return dir.replace(/\/$/, '');
}
