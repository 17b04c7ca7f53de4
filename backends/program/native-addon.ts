/**
 * What the program runtime needs of a family's native addon: device memory as numeric addresses,
 * one call that runs a launch program (backends/program/native/program.h), events and the error
 * flag. Each backend's addon has more (its probe, its build facts); this is the common part.
 */
export interface ProgramAddon {
  allocate(bytes: number): number;
  free(address: number): void;
  write(address: number, bytes: Uint8Array): void;
  read(address: number, length: number): Uint8Array;
  fill(address: number, byte: number, length: number): void;
  run(program: Float64Array, startEvent?: number, endEvent?: number): void;
  /**
   * Optional: run the program from word `start`; returns where it stopped — program.length when done,
   * else a record that waits for other programs of this process (a collective's peers, run in turns).
   */
  runFrom?(program: Float64Array, start: number): number;
  finish(readFlag: boolean): number;
  /**
   * Optional: uploads, the program and downloads with one wait, replaying a recorded program when
   * `repeated` (downloads fill the given arrays); returns the error flag like finish().
   */
  runStep?(
    program: Float64Array,
    uploads: readonly (readonly [number, Uint8Array])[],
    downloads: readonly (readonly [number, Uint8Array])[],
    repeated: boolean,
    readFlag: boolean,
    startEvent?: number,
    endEvent?: number,
  ): number;
  memoryInfo(): { free: number; total: number };
  eventCreate(): number;
  eventRecord(id: number): void;
  eventElapsed(start: number, end: number): number;
  /** Optional: the device's allocations not yet released, counted by its allocator (leak checks). */
  memoryStats?(): { liveBytes: number; liveAllocations: number };
  /**
   * Emulated devices only (fault injection, backends/program/native/fault_injection.h): fail the nth
   * `kind` event from now once (0 disarms), the counts since, and the kinds the device has.
   */
  setFault?(kind: string, n: number): void;
  faultCounts?(): Record<string, number>;
  readonly faultKinds?: { readonly kinds: readonly string[]; readonly absent: Readonly<Record<string, string>> };
  /** Uniform values in [low, high) (benchmarks' random weights); dtype as the family's dtype code. */
  fillRandom(address: number, count: number, dtypeCode: number, low: number, high: number, seed: number): void;
}
