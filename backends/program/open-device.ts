import { GlmError } from '../../core/backend-api/plugin-api.js';

/** What opening needs of a native addon: a probe that says why it cannot run, and open(device). */
interface OpenableAddon {
  probe(): { readonly available: boolean; readonly reason?: string };
  open(deviceIndex: number): unknown;
}

/**
 * The addon as loaded, its probe and the opened device; every way this fails is a one-line backend
 * error naming the backend and the reason (the library not built or not found, no device, a driver
 * error opening it).
 */
export function openDevice<A extends OpenableAddon>(
  name: string,
  loaded: { readonly addon: A | null; readonly reason?: string },
  deviceIndex: number,
): { native: A; probe: ReturnType<A['probe']>; info: ReturnType<A['open']> } {
  if (!loaded.addon) throw new GlmError('backend', `${name} is unavailable: ${loaded.reason}`);
  const native = loaded.addon;
  const probe = native.probe() as ReturnType<A['probe']>;
  if (!probe.available) throw new GlmError('backend', `${name} is unavailable: ${probe.reason}`);
  try {
    return { native, probe, info: native.open(deviceIndex) as ReturnType<A['open']> };
  } catch (e) {
    throw new GlmError('backend', `${name}: opening device ${deviceIndex} failed: ${(e as Error).message}`);
  }
}
