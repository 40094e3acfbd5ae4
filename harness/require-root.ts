import { InputError } from '../src/errors.js';
import { labPrivileges, PRIVILEGE_HINT } from '../src/util/privileges.js';

export function requireLabPrivileges(): void {
  const { ok, missing } = labPrivileges();
  if (!ok) throw new InputError(`${PRIVILEGE_HINT} (missing ${missing.join(', ')})`);
}
