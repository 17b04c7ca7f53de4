/**
 * A launch program's record as read back (record-reader.ts): its op or host step and its arguments,
 * decoded by the kinds of the op's parameters. Its own file so that what reads decoded records
 * (launchers, written-ranges.ts, the device's op calls) need not import the reader.
 */

export interface TensorArg {
  readonly dtype: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly storageElements: number;
  /** The un-offset storage base on the device. */
  readonly address: number;
}

export interface ScalarValue {
  readonly scalar: number;
  readonly dtype: number;
}

export type DecodedArg = TensorArg | null | readonly TensorArg[] | ScalarValue | readonly number[] | number | boolean | string;

export interface DecodedRecord {
  readonly code: number;
  readonly tag: number;
  /** The op (aclnn records) or the host step. */
  readonly name: string;
  readonly args: readonly DecodedArg[];
  /** A host step's wrapped op and its arguments. */
  readonly wrapped: readonly DecodedArg[];
}
