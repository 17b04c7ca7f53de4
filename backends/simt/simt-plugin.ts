/**
 * A SIMT backend's plugin from what is its own: how its addon loads, what its probe and device say,
 * whether a vendor BLAS serves its float products, its GEMV default and its environment prefix.
 * Probing, opening and the backend itself (the program runtime with the SIMT target) are shared.
 * Loading a member's module never touches a device or its addon: probe() and open() do.
 */
import { GlmError, PLUGIN_API_VERSION, type Backend, type BackendPlugin, type ExecutionKind, type OpenOptions, type ProbeResult } from '../../core/backend-api/plugin-api.js';
import type { AddonLoad } from '../program/load-addon.js';
import { openDevice } from '../program/open-device.js';
import { ProgramBackend } from '../program/program-backend.js';
import { simtRankClaims } from './capabilities.js';
import { planOptionsFor, type SimtPlanOptions } from './plan-options.js';
import { onDevice } from './rank-device.js';
import type { SimtAddon } from './simt-addon.js';
import { seatRanks, type CollectiveAddon, type RankSeat } from './simt-ranks.js';
import { SIMT_TARGET } from './simt-target.js';

/** What a member makes of its opened device. */
export interface OpenedDevice {
  /** The device in words. */
  readonly device: string;
  /** A vendor BLAS is loaded for float products (cuBLASLt, hipBLAS). */
  readonly vendorBlas: boolean;
  readonly roofline?: Backend['roofline'];
}

type ProbeOf<A extends SimtAddon> = ReturnType<A['probe']>;
type InfoOf<A extends SimtAddon> = ReturnType<A['open']>;

export interface SimtMember<A extends SimtAddon, X extends object> {
  readonly name: string;
  readonly description: string;
  /** The addon in messages: "the CUDA addon's probe failed". */
  readonly addonName: string;
  /** GLM_CUDA, GLM_DCU: <prefix>_REFUSE and the planner's <prefix>_GEMV_ROWS, … (plan-options.ts). */
  readonly envPrefix: string;
  /** Float products of at most this many rows take the GEMV kernel unless the environment says otherwise. */
  readonly gemvRowsDefault: number;
  loadAddon(): AddonLoad<A>;
  /** Where results come from, from the addon alone (its probe failed) or with its probe. */
  execution(addon: A, probe?: ProbeOf<A>): ExecutionKind;
  /** For an available probe: the device in words, or why the backend still cannot run. */
  probedDevice(addon: A, probe: ProbeOf<A>): { readonly device: string } | { readonly unavailable: string };
  openedDevice(addon: A, probe: ProbeOf<A>, info: InfoOf<A>): OpenedDevice;
  /** The member's own fields of its backend object (benchmarks read them). */
  extras?(addon: A): X;
}

/** A SIMT backend: the program backend with the member's addon and own fields. */
export type SimtBackend<A extends SimtAddon, X extends object = object> = ProgramBackend<SimtPlanOptions, A> & X;

/** Peak rates measured on the lent NVIDIA cards (platforms.md): copy counting read + write, fp16 GEMM. */
export function nvidiaRoofline(deviceName: string): Backend['roofline'] {
  if (/H100/.test(deviceName)) return { bytesPerSecond: 3.0e12, flopsPerSecond: 722e12 };
  if (/H200/.test(deviceName)) return { bytesPerSecond: 4.3e12, flopsPerSecond: 788e12 };
  return undefined;
}

async function probeMember<A extends SimtAddon, X extends object>(member: SimtMember<A, X>): Promise<ProbeResult> {
  const loaded = member.loadAddon();
  if ('reason' in loaded) return { available: false, reason: loaded.reason, execution: 'hardware' };
  const addon = loaded.addon;
  let probe: ProbeOf<A>;
  try {
    probe = addon.probe() as ProbeOf<A>;
  } catch (e) {
    return { available: false, reason: `the ${member.addonName} addon's probe failed: ${(e as Error).message}`, execution: member.execution(addon) };
  }
  const execution = member.execution(addon, probe);
  if (!probe.available) return { available: false, reason: probe.reason ?? 'unknown', execution };
  const device = member.probedDevice(addon, probe);
  return 'device' in device ? { available: true, device: device.device, execution } : { available: false, reason: device.unavailable, execution };
}

async function openMember<A extends SimtAddon, X extends object>(member: SimtMember<A, X>, options?: OpenOptions, seat?: RankSeat): Promise<SimtBackend<A, X>> {
  const deviceIndex = seat?.deviceIndex ?? options?.deviceIndex ?? 0;
  const opening = openDevice(member.name, member.loadAddon(), deviceIndex);
  const { probe, info } = opening;
  // Every call of this backend acts on its own device's context (rank-device.ts).
  const native = onDevice(member.name, opening.native, deviceIndex);
  const opened = member.openedDevice(native, probe, info);
  const base = planOptionsFor(member.name, member.envPrefix, info, opened.vendorBlas, member.gemvRowsDefault);
  const emulated = member.execution(native, probe) === 'emulator';
  const backend = new ProgramBackend({
    name: member.name,
    execution: member.execution(native, probe),
    device: seat ? `${opened.device}; rank ${seat.collective.rank} of ${seat.collective.worldSize} (${seat.library})` : opened.device,
    // Ranks of a group run their programs in turns (runFrom), which a single-call step cannot do; on
    // hardware one rank keeps it (its decode step captured with the collective inside).
    native: seat && (emulated || seat.collective.worldSize > 1) ? withoutSteps(native) : native,
    target: seat ? { ...SIMT_TARGET, claims: simtRankClaims(seat.collective.worldSize) } : SIMT_TARGET,
    options: seat ? { ...base, collective: seat.collective } : base,
    refuseVariable: `${member.envPrefix}_REFUSE`,
    ...(opened.roofline ? { roofline: opened.roofline } : {}),
  });
  if (seat) {
    backend.context.onRunFailure = seat.abort;
    const close = backend.close;
    Object.assign(backend, { close: async () => (await close(), seat.release()) });
  } else {
    Object.assign(backend, { openRanks: (worldSize: number) => openMemberRanks(member, worldSize) });
  }
  return Object.assign(backend, member.extras?.(native) ?? ({} as X));
}

/** The addon without its single-call step (runStep), so that every run goes through runFrom. */
function withoutSteps<A extends SimtAddon>(native: A): A {
  const copy = Object.create(native) as A & { runStep?: unknown };
  Object.defineProperty(copy, 'runStep', { value: undefined });
  return copy;
}

/** openRanks(N): N backends joined by the addon's collective group (simt-ranks.ts). */
async function openMemberRanks<A extends SimtAddon, X extends object>(member: SimtMember<A, X>, worldSize: number): Promise<SimtBackend<A, X>[]> {
  const loaded = member.loadAddon();
  if ('reason' in loaded) throw new GlmError('backend', `${member.name} is unavailable: ${loaded.reason}`);
  const seats = seatRanks(member.name, loaded.addon as unknown as CollectiveAddon, worldSize);
  const ranks: SimtBackend<A, X>[] = [];
  try {
    for (const seat of seats) ranks.push(await openMember(member, undefined, seat));
  } catch (e) {
    for (const r of ranks) await r.close();
    for (const seat of seats.slice(ranks.length)) seat.release();
    throw e;
  }
  return ranks;
}

/** The plugin of a SIMT member; its open() gives the member's SimtBackend. */
export function simtPlugin<A extends SimtAddon, X extends object = object>(
  member: SimtMember<A, X>,
): BackendPlugin & { open(options?: OpenOptions): Promise<SimtBackend<A, X>> } {
  return {
    name: member.name,
    apiVersion: PLUGIN_API_VERSION,
    description: member.description,
    probe: () => probeMember(member),
    open: (options) => openMember(member, options),
  };
}
