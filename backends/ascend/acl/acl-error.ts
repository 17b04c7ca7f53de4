/** A failed CANN call as an error: the call, its status and CANN's own message (aclGetRecentErrMsg). */
import { ACL_STATUS } from './abi.js';
import type { AclBinding } from './binding.js';

const STATUS_NAMES = new Map(Object.entries(ACL_STATUS).map(([name, code]) => [code, name]));

export class AclCallError extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${call} returned ${status}${STATUS_NAMES.has(status) ? ` (${STATUS_NAMES.get(status)})` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'AclCallError';
  }
}

/** CANN's message for the last failure on this thread, trimmed to one line. */
export function recentErrorMessage(acl: AclBinding): string {
  try {
    const text = acl.fn['aclGetRecentErrMsg']!() as string | null;
    return (text ?? '').replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Throws AclCallError unless `status` is success. */
export function checkAcl(acl: AclBinding, call: string, status: unknown): void {
  const code = Number(status);
  if (code !== 0) throw new AclCallError(call, code, recentErrorMessage(acl));
}
