/**
 * The summary's violation counts (ARCHITECTURE §6, §11), named and explained once: the CLI, the
 * HTML report and the results screen all show these labels, so one number has one name. The oracle
 * counts operations against the truth order (the log's order, known only to the simulator's
 * omniscient view); the checker judges keys from the history alone; divergence compares replicas.
 */
import type { ViolationKind } from './oracle';

/** A summary count (`violations.<key>`) with its label and what it counts. */
export interface ViolationCountDefinition {
  readonly key: 'linearizability' | ViolationKind | 'divergence';
  /** How every screen names the number. */
  readonly label: string;
  /** The singular, for "1 stale read" and per-key sentences. */
  readonly one: string;
  /** Who counts it and what: shown as the label's explanation. */
  readonly meaning: string;
}

export const violationCounts: readonly ViolationCountDefinition[] = [
  {
    key: 'linearizability',
    label: 'keys not linearizable (checker)',
    one: 'key not linearizable (checker)',
    meaning: 'keys whose history alone admits no order consistent with real time (the end-of-run linearizability check, per key)',
  },
  {
    key: 'staleRead',
    label: 'stale reads (oracle)',
    one: 'stale read (oracle)',
    meaning: 'ok reads that returned a value older, in the log\'s order, than a write that had completed before the read began',
  },
  {
    key: 'lostWrite',
    label: 'lost acknowledged writes (oracle)',
    one: 'lost acknowledged write (oracle)',
    meaning: 'writes answered ok whose value never took effect in the log\'s order',
  },
  {
    key: 'monotonicRead',
    label: 'monotonic-read breaks (oracle)',
    one: 'monotonic-read break (oracle)',
    meaning: 'a client read a value older, in the log\'s order, than one it had read before',
  },
  {
    key: 'readYourWrites',
    label: 'read-your-writes breaks (oracle)',
    one: 'read-your-writes break (oracle)',
    meaning: 'a client read a value older, in the log\'s order, than its own acknowledged write',
  },
  {
    key: 'divergence',
    label: 'divergent keys (replicas)',
    one: 'divergent key (replicas)',
    meaning: 'keys on which replicas that reach each other, or stand at the same applied position, still hold different values after the quiet period',
  },
];

/** The oracle's kinds (the four counts it makes per operation), in the order above. */
export const oracleKinds: readonly ViolationKind[] = ['staleRead', 'lostWrite', 'monotonicRead', 'readYourWrites'];

/** The definition of one count. */
export function violationCount(key: ViolationCountDefinition['key']): ViolationCountDefinition {
  return violationCounts.find((definition) => definition.key === key) as ViolationCountDefinition;
}

/** "1 stale read (oracle)", "3 stale reads (oracle)". */
export function countedViolations(key: ViolationCountDefinition['key'], count: number): string {
  const definition = violationCount(key);
  return `${count} ${count === 1 ? definition.one : definition.label}`;
}
