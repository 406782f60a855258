/**
 * Seeded random numbers for everything that draws them: token sampling, parameter initialisation,
 * batch sampling, and the tests' inputs. One generator, so the same seed gives the same streams on
 * every machine.
 */

/**
 * mulberry32: tiny, fast and good enough for sampling; the whole state is one uint32, so a
 * generation can be reproduced (or resumed) from `state`.
 */
export class SeededRandom {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** The generator's whole state: assigning a saved value replays the same sequence. */
  get state(): number {
    return this.s;
  }
  set state(v: number) {
    this.s = v >>> 0;
  }
}

/**
 * SeededRandom that also draws normal(0, 1) numbers: Box-Muller on two uniforms gives two
 * independent normals; the second is kept for the next call (so a normal costs one uniform on
 * average). The kept one is not part of `state`: assigning `state` drops it.
 */
export class NormalRandom extends SeededRandom {
  private spare: number | undefined;

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.next())); // 1 - u is in (0, 1]: log never sees 0
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  override get state(): number {
    return super.state;
  }
  override set state(v: number) {
    super.state = v;
    this.spare = undefined;
  }
}
