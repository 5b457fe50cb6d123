import type { SweepSeedOutcome } from '../../src/contract/lab';

/** The summary's violation counts (ARCHITECTURE §11), named the same on every screen that shows them. */
export const violationLabels: ReadonlyArray<{ readonly key: keyof SweepSeedOutcome['violations']; readonly label: string }> = [
  { key: 'linearizability', label: 'keys not linearizable (checker)' },
  { key: 'staleRead', label: 'stale reads' },
  { key: 'lostWrite', label: 'lost acknowledged writes' },
  { key: 'monotonicRead', label: 'monotonic-read breaks' },
  { key: 'readYourWrites', label: 'read-your-writes breaks' },
  { key: 'divergence', label: 'divergent keys' },
];
