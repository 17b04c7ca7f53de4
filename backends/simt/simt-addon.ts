/**
 * What the SIMT family needs of a member's native addon: the program runtime's surface, a probe that
 * says why it cannot run, and the opened device's description (the planner sizes work to it).
 */
import type { ProgramAddon } from '../program/native-addon.js';

/** What the SIMT family reads of a member's device description. */
export interface SimtDeviceInfo {
  readonly name: string;
  readonly totalMemory: number;
  readonly multiprocessors: number;
  readonly driverVersion: number;
  readonly runtimeVersion: number;
  readonly l2Bytes: number;
  readonly emulated: boolean;
}

export interface SimtProbe {
  readonly available: boolean;
  readonly reason?: string;
  readonly device?: SimtDeviceInfo;
  readonly emulated: boolean;
}

/** The codes an addon was compiled with, by their names in launch-codes.ts (a test compares them). */
export interface CompiledLaunchCodes {
  readonly op: Readonly<Record<string, number>>;
  readonly dtype: Readonly<Record<string, number>>;
  readonly gemmPath: Readonly<Record<string, number>>;
}

/** A SIMT member's addon: the program runtime's part, its probe and device open. */
export interface SimtAddon extends ProgramAddon {
  probe(): SimtProbe;
  open(deviceIndex: number): SimtDeviceInfo;
  /** The launch codes compiled in (generated from launch-codes.ts at build time). */
  launchCodes(): CompiledLaunchCodes;
}
