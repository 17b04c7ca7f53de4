import { GlmError } from '../errors.js';

/**
 * A seeded PRNG: xoshiro128** (Blackman & Vigna) with its 128-bit state filled by splitmix64, as the
 * authors recommend. Integer arithmetic only (Math.imul, 32-bit shifts), so the uint32 stream is
 * identical on every platform; Math.random cannot be seeded, and generation and random weights must be
 * reproducible from `--seed`.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Box–Muller makes two normals per draw; the second is kept for the next call. */
  private spareNormal: number | undefined;

  /** `seed`: any safe integer or bigint; negative values wrap to their 64-bit two's complement. */
  constructor(seed: number | bigint) {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new GlmError('usage', `seed must be an integer, got ${seed}`);
    }
    let state = BigInt.asUintN(64, BigInt(seed));
    const splitmix64 = (): bigint => {
      state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
      let z = state;
      z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
      z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
      return z ^ (z >> 31n);
    };
    const a = splitmix64();
    const b = splitmix64();
    // Low word first: the same order as a C `uint32_t s[4]` filled from two uint64 values.
    this.s0 = Number(a & 0xffffffffn);
    this.s1 = Number(a >> 32n);
    this.s2 = Number(b & 0xffffffffn);
    this.s3 = Number(b >> 32n);
    // An all-zero state would output zeros forever; splitmix64 practically never gives it, but be sure.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws), the full resolution of a double. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992; // (high·2^26 + low) / 2^53
  }

  /**
   * Standard normal by Box–Muller. Math.log/cos/sin are not required by ECMAScript to be correctly
   * rounded, so the last bit may differ between JS engines; V8 (Node) uses the same fdlibm port on every
   * platform, which is what makes random weights reproducible here.
   */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const u1 = 1 - this.nextFloat(); // in (0, 1]: log(0) would be -Infinity
    const u2 = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
