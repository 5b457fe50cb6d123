import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { assert } from './assert';

/**
 * A seeded pseudo-random stream. Each component of a run (the network, each node, the
 * workload, the nemesis) draws from its own stream, derived from the run's seed and the
 * component's name, so a change in one component does not reshuffle the others.
 */
export interface Prng {
  /** A float in [0, 1). */
  float(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with the given probability (0..1). */
  chance(probability: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/** FNV-1a over a string, to turn a component name into 32 bits of seed material. */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

class XoroshiroPrng implements Prng {
  private readonly generator: JumpableRandomGenerator;

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed | 0);
    // The first outputs of a freshly seeded xoroshiro are poorly mixed; skip them.
    for (let i = 0; i < 8; i++) this.generator.next();
  }

  float(): number {
    const high = (this.generator.next() >>> 0) >>> 5; // 27 bits
    const low = (this.generator.next() >>> 0) >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  int(min: number, max: number): number {
    assert(Number.isInteger(min) && Number.isInteger(max), 'prng.int bounds must be integers');
    assert(min <= max, `prng.int: min ${min} > max ${max}`);
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    if (probability <= 0) return false;
    if (probability >= 1) return true;
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'prng.pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }
}

/** The stream named `component` of the run seeded with `seed`. */
export function prngStream(seed: number, component: string): Prng {
  assert(Number.isSafeInteger(seed), `seed must be a safe integer, got ${seed}`);
  const mixed = (Math.imul(seed ^ (seed / 4294967296), 0x9e3779b1) ^ hashName(component)) | 0;
  return new XoroshiroPrng(mixed);
}
