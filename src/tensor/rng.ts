/**
 * Seeded pseudo-random numbers, identical on every machine.
 *
 * Generator: xoshiro128** (Blackman & Vigna 2018), 4 x 32-bit state, seeded from one integer by splitmix32.
 * uniform(): the top 24 bits of the next output / 2^24, so values are exact float32 numbers in [0, 1).
 * normal():  Box-Muller, using two uniforms (u1 in (0, 1]): sqrt(-2 ln u1) * cos(2 pi u2).
 * Only integer arithmetic and Math.log/cos/sqrt are involved; Math.log and Math.cos are correctly rounded
 * enough in V8 that the same seed gives the same numbers on every x86-64 and ARM machine we have seen.
 */
export type RngState = [number, number, number, number];

export class Generator {
  private s: Uint32Array = new Uint32Array(4);

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Reset the stream: the same seed always gives the same sequence. */
  manualSeed(seed: number): this {
    let z = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b) >>> 0;
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (t ^ (t >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    return this;
  }

  /** Next raw 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1), a multiple of 2^-24. */
  uniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** Standard normal by Box-Muller (one value per call; the second value is discarded for simplicity). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Integer uniform in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo));
  }

  getState(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  setState(state: readonly number[]): this {
    for (let i = 0; i < 4; i++) this.s[i] = state[i] >>> 0;
    return this;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The default generator used when no `generator` option is given (like torch's global generator). */
export const defaultGenerator = new Generator(0);

/** Seed the default generator, as `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
