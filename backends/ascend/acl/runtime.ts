/**
 * CANN opened for use, in CANN's order: aclInit, aclrtSetDevice, then aclnnInit before any other
 * aclnn call, then a stream. Initialisation is per process (aclInit may run once), so a second
 * backend opened in the same process shares it and gets a stream of its own.
 */
import koffi from 'koffi';
import { ACL_ENUMS, ACL_STATUS } from './abi.js';
import { checkAcl } from './acl-error.js';
import type { AclBinding } from './binding.js';

export type Handle = bigint | number;

export interface AclRuntime {
  readonly acl: AclBinding;
  readonly deviceIndex: number;
  readonly stream: Handle;
  /** aclrtGetSocName(), exactly as CANN spells it. */
  readonly socName: string;
  /** The CANN package version ("8.0.RC2"), or why it is unknown. */
  readonly cannVersion: string;
}

let initialised = false;
const devicesSet = new Set<number>();

function initialiseOnce(acl: AclBinding): void {
  if (initialised) return;
  const status = Number(acl.fn['aclInit']!(null));
  // Someone in this process (another binding user) initialised CANN already: that is fine.
  if (status !== ACL_STATUS['ACL_ERROR_REPEAT_INITIALIZE']) checkAcl(acl, 'aclInit', status);
  initialised = true;
}

function setDevice(acl: AclBinding, deviceIndex: number): void {
  checkAcl(acl, `aclrtSetDevice(${deviceIndex})`, acl.fn['aclrtSetDevice']!(deviceIndex));
  if (devicesSet.has(deviceIndex)) return;
  // aclnnInit comes after the device is set and before any other aclnn call (ops-nn docs).
  if (devicesSet.size === 0) checkAcl(acl, 'aclnnInit', acl.fn['aclnnInit']!(null));
  devicesSet.add(deviceIndex);
}

/** aclInit (once per process); returns aclrtGetSocName(). */
export function initialiseAcl(acl: AclBinding): string {
  initialiseOnce(acl);
  return String(acl.fn['aclrtGetSocName']!() ?? '');
}

/** The CANN package's version string, through aclsysGetCANNVersion (CANN 8.x). */
export function cannVersionOf(acl: AclBinding): string {
  if (acl.missing.has('aclsysGetCANNVersion')) return 'version unknown (no aclsysGetCANNVersion)';
  const buffer = Buffer.alloc(koffi.sizeof('aclCANNPackageVersion'));
  const status = Number(acl.fn['aclsysGetCANNVersion']!(ACL_ENUMS['aclCANNPackageName']!['ACL_PKG_NAME_CANN'], buffer));
  if (status !== 0) return `version unknown (aclsysGetCANNVersion returned ${status})`;
  const decoded = koffi.decode(buffer, 'aclCANNPackageVersion') as { version: string };
  return decoded.version || 'version unknown';
}

export function openRuntime(acl: AclBinding, deviceIndex: number): AclRuntime {
  const socName = initialiseAcl(acl);
  const count = new Uint32Array(1);
  checkAcl(acl, 'aclrtGetDeviceCount', acl.fn['aclrtGetDeviceCount']!(count));
  if (deviceIndex < 0 || deviceIndex >= count[0]!) throw new Error(`device ${deviceIndex} does not exist (${count[0]} NPU(s) visible)`);
  setDevice(acl, deviceIndex);
  const stream = new BigUint64Array(1);
  checkAcl(acl, 'aclrtCreateStream', acl.fn['aclrtCreateStream']!(stream));
  return { acl, deviceIndex, stream: stream[0]!, socName, cannVersion: cannVersionOf(acl) };
}
