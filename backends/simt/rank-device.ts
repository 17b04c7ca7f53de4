/**
 * A SIMT addon as one device's backend sees it. The addon holds a context per device ordinal (stream,
 * error flag, allocations, events, BLAS handle, recorded steps: backends/program/native/device.h's
 * select) and acts on the selected one, so a backend on device `ordinal` selects it on entry to every
 * call for a device. Several backends of one process — tensor-parallel ranks, one per GPU, run in
 * turns on this thread — then each reach their own device whatever ran before. Selecting the device
 * already selected costs the native call and a comparison (no runtime call), so one device is as fast.
 */
import { GlmError } from '../../core/backend-api/plugin-api.js';

/** The addon's device selection (addon_surface.h: useDevice, and export_device_free's list). */
export interface DeviceSelection {
  useDevice?(ordinal: number): void;
  /** The functions that act on no device's context (the probe, build facts, collective groups, the fault switch). */
  deviceFree?: readonly string[];
}

/**
 * `native` with every device call preceded by selecting `ordinal`; everything else (fields, the functions
 * the addon names device-free) as the addon has it. An addon built before device contexts has no
 * useDevice: it holds one device, so only ordinal 0 can be reached through it.
 */
export function onDevice<A extends object>(backend: string, native: A & DeviceSelection, ordinal: number): A {
  if (!native.useDevice) {
    if (ordinal === 0) return native;
    throw new GlmError('backend', `${backend}: device ${ordinal} needs an addon with a context per device (useDevice); this build holds one device: rebuild it`);
  }
  if (!native.deviceFree) {
    throw new GlmError('backend', `${backend}: the addon selects devices (useDevice) but does not name its device-free functions (deviceFree): rebuild it`);
  }
  const deviceFree = new Set(native.deviceFree);
  const view = Object.create(native) as A;
  for (const key of Object.keys(native)) {
    const member = (native as Record<string, unknown>)[key];
    if (typeof member !== 'function' || deviceFree.has(key)) continue;
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
