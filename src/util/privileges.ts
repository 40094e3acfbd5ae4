import { readFileSync } from 'node:fs';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

/** Effective capabilities of this process, from /proc/self/status. */
function capEff(): bigint {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)/m);
    return line?.[1] ? BigInt(`0x${line[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

/** Labs need CAP_NET_ADMIN (links, addresses) and CAP_SYS_ADMIN (ip netns add/exec mounts and setns). */
export function labPrivileges(): { ok: boolean; missing: string[] } {
  const caps = capEff();
  const missing = [
    ...((caps >> CAP_NET_ADMIN) & 1n ? [] : ['CAP_NET_ADMIN']),
    ...((caps >> CAP_SYS_ADMIN) & 1n ? [] : ['CAP_SYS_ADMIN']),
  ];
  return { ok: missing.length === 0, missing };
}

export const PRIVILEGE_HINT =
  'labs create network namespaces and run daemons in them: run as root (sudo) or with CAP_NET_ADMIN and CAP_SYS_ADMIN';
