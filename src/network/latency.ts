import { assert, assertNever } from '../base/assert';
import type { Prng } from '../base/prng';

/** A one-way latency distribution, parameters in ms (ARCHITECTURE §4, §7). */
export type LatencySpec =
  | { readonly distribution: 'fixed'; readonly value: number }
  | { readonly distribution: 'uniform'; readonly min: number; readonly max: number }
  | { readonly distribution: 'normal'; readonly mean: number; readonly stddev: number }
  | { readonly distribution: 'lognormal'; readonly median: number; readonly p99: number }
  | { readonly distribution: 'exponential'; readonly mean: number };

/** z-score of the 99th percentile of the standard normal. */
const z99 = 2.3263478740408408;

/** One standard normal draw (Box–Muller; one of the pair is discarded to keep streams simple). */
function standardNormal(prng: Prng): number {
  const u1 = 1 - prng.float(); // (0, 1]
  const u2 = prng.float();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** The lognormal spec last drawn from and its parameters: links share one spec object, so this nearly always hits. */
let lognormalSpec: LatencySpec | null = null;
let lognormalMu = 0;
let lognormalSigma = 0;

/** Draws one latency in whole µs (never negative). */
export function sampleLatencyUs(spec: LatencySpec, prng: Prng): number {
  let ms: number;
  switch (spec.distribution) {
    case 'fixed':
      ms = spec.value;
      break;
    case 'uniform':
      ms = spec.min + prng.float() * (spec.max - spec.min);
      break;
    case 'normal':
      ms = spec.mean + spec.stddev * standardNormal(prng);
      break;
    case 'lognormal': {
      // median = e^mu; p99 = e^(mu + z99·sigma), computed once per spec (the same doubles every time).
      if (spec !== lognormalSpec) {
        lognormalSpec = spec;
        lognormalMu = Math.log(spec.median);
        lognormalSigma = Math.log(spec.p99 / spec.median) / z99;
      }
      ms = Math.exp(lognormalMu + lognormalSigma * standardNormal(prng));
      break;
    }
    case 'exponential':
      ms = -spec.mean * Math.log(1 - prng.float());
      break;
    default:
      return assertNever(spec, 'latency distribution');
  }
  return Math.max(0, Math.round(ms * 1000));
}

/** The distribution's mean, ms (before rounding to µs and the floor at 0). */
export function latencyMeanMs(spec: LatencySpec): number {
  switch (spec.distribution) {
    case 'fixed':
      return spec.value;
    case 'uniform':
      return (spec.min + spec.max) / 2;
    case 'normal':
    case 'exponential':
      return spec.mean;
    case 'lognormal':
      // σ from the p99 as the sampler takes it; the mean is median · e^(σ²/2).
      return spec.median * Math.exp((Math.log(spec.p99 / spec.median) / z99) ** 2 / 2);
    default:
      return assertNever(spec, 'latency distribution');
  }
}

/** The distribution's 99th percentile, ms (the swarm's timing rule holds timeouts above it). */
export function latencyP99Ms(spec: LatencySpec): number {
  switch (spec.distribution) {
    case 'fixed':
      return spec.value;
    case 'uniform':
      return spec.min + 0.99 * (spec.max - spec.min);
    case 'normal':
      return spec.mean + z99 * spec.stddev;
    case 'lognormal':
      return spec.p99;
    case 'exponential':
      return spec.mean * Math.log(100);
    default:
      return assertNever(spec, 'latency distribution');
  }
}

/** Checks a spec's parameters; returns the problem as a sentence, or null. */
export function latencyProblem(spec: LatencySpec): string | null {
  const finite = (value: number) => Number.isFinite(value) && value >= 0;
  switch (spec.distribution) {
    case 'fixed':
      return finite(spec.value) ? null : 'value must be a number ≥ 0';
    case 'uniform':
      return finite(spec.min) && finite(spec.max) && spec.min <= spec.max ? null : 'needs 0 ≤ min ≤ max';
    case 'normal':
      return finite(spec.mean) && finite(spec.stddev) ? null : 'mean and stddev must be numbers ≥ 0';
    case 'lognormal':
      return spec.median > 0 && spec.p99 >= spec.median && Number.isFinite(spec.p99) ? null : 'needs 0 < median ≤ p99';
    case 'exponential':
      return finite(spec.mean) ? null : 'mean must be a number ≥ 0';
    default:
      return assertNever(spec, 'latency distribution');
  }
}

export function assertLatency(spec: LatencySpec): void {
  const problem = latencyProblem(spec);
  assert(problem === null, () => `latency ${spec.distribution}: ${problem}`);
}
