/**
 * A SIMT addon as one device's backend sees it. The addon holds a context per device ordinal (stream,
 * error flag, allocations, events, BLAS handle, recorded steps: backends/program/native/device.h's
 * select) and acts on the selected one, so a backend on device `ordinal` selects it on entry to every
 * call for a device. Several backends of one process — tensor-parallel ranks, one per GPU, run in
 * turns on this thread — then each reach their own device whatever ran before. Selecting the device
 * already selected costs the native call and a comparison (no runtime call), so one device is as fast.
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';

/** The addon's device selection (addon_surface.h: useDevice). */
export interface DeviceSelection {
  useDevice?(ordinal: number): void;
}

/** Addon functions that touch no device's context: the probe, build facts, collective groups, the process-wide fault switch. */
const DEVICE_FREE = new Set([
  'probe',
  'launchCodes',
  'useDevice',
  'deviceCount',
  'collectiveOpen',
  'collectiveClose',
  'collectiveAbort',
  'collectiveLibrary',
  'setFault',
  'faultCounts',
]);

/**
 * `native` with every device call preceded by selecting `ordinal`; everything else (fields, device-free
 * functions) as the addon has it. An addon built before device contexts has no useDevice: it holds one
 * device, so only ordinal 0 can be reached through it.
 */
export function onDevice<A extends object>(backend: string, native: A & DeviceSelection, ordinal: number): A {
  if (!native.useDevice) {
    if (ordinal === 0) return native;
    throw new GlmError('backend', `${backend}: device ${ordinal} needs an addon with a context per device (useDevice); this build holds one device: rebuild it`);
  }
  const view = Object.create(native) as A;
  for (const key of Object.keys(native)) {
    const member = (native as Record<string, unknown>)[key];
    if (typeof member !== 'function' || DEVICE_FREE.has(key)) continue;
    const call = member as (...args: unknown[]) => unknown;
    Object.defineProperty(view, key, {
      value: (...args: unknown[]) => {
        native.useDevice!(ordinal);
        return call.apply(native, args);
      },
    });
  }
  return view;
}
