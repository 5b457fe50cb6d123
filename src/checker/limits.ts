import { assert } from '../base/assert';

/** The checker's bounds, named with the qualifier last (STYLE.md). */
export const checkerLimits = {
  /** Bytes the memo table of one partition may hold before the verdict is `unknown`. */
  memoryBytesMax: 1024 * 1024 * 1024,
  /** Search iterations between two looks at the clock and the cancel flag. */
  stepsBetweenChecks: 4096,
  /** Operations one partition may hold (a bitset word per 32, a stack slot each). */
  operationsPerPartitionMax: 10_000_000,
} as const;

assert(checkerLimits.stepsBetweenChecks > 0, 'checker limits: steps between checks must be positive');
assert(checkerLimits.memoryBytesMax >= 1024 * 1024, 'checker limits: at least 1 MiB of memo');
