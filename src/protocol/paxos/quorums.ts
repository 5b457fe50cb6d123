import { assert } from '../../base/assert';

/** The quorum sizes a Multi-Paxos node counts with. */
export interface PaxosQuorums {
  readonly phase1: number;
  readonly phase2: number;
}

/** Quorum sizes as settings give them (null: a majority). */
export interface PaxosQuorumSettings {
  readonly phase1Quorum: number | null;
  readonly phase2Quorum: number | null;
}

/**
 * What is wrong with the quorum sizes on an n-node cluster, per setting. Flexible Paxos
 * (Howard, Malkhi & Spiegelman 2016): safety needs only that every phase-1 quorum meets every
 * phase-2 quorum, |Q1| + |Q2| > N, not that both be majorities. Under the unsafe switch
 * `nonIntersectingQuorums` the sizes need only lie in 1..N.
 */
export function paxosQuorumProblems(nodeCount: number, settings: PaxosQuorumSettings, allowNonIntersecting: boolean): Array<{ field: 'phase1Quorum' | 'phase2Quorum'; message: string }> {
  const problems: Array<{ field: 'phase1Quorum' | 'phase2Quorum'; message: string }> = [];
  for (const field of ['phase1Quorum', 'phase2Quorum'] as const) {
    const size = settings[field];
    if (size !== null && (size < 1 || size > nodeCount)) problems.push({ field, message: `must lie in 1..${nodeCount} (the cluster has ${nodeCount} nodes), got ${size}` });
  }
  if (problems.length > 0 || allowNonIntersecting) return problems;
  const { phase1, phase2 } = resolve(nodeCount, settings, false);
  if (phase1 + phase2 <= nodeCount) {
    const field = settings.phase2Quorum !== null ? 'phase2Quorum' : 'phase1Quorum';
    problems.push({ field, message: `phase-1 and phase-2 quorums must intersect: ${phase1} + ${phase2} ≤ ${nodeCount} nodes (Flexible Paxos needs |Q1| + |Q2| > N; the unsafe switch nonIntersectingQuorums allows it on purpose)` });
  }
  return problems;
}

/**
 * The sizes in force. Without explicit sizes, `nonIntersectingQuorums` shrinks phase 1 to
 * N − majority, so an election can miss what a majority accepted.
 */
export function paxosQuorums(nodeCount: number, settings: PaxosQuorumSettings, allowNonIntersecting: boolean): PaxosQuorums {
  const problems = paxosQuorumProblems(nodeCount, settings, allowNonIntersecting);
  assert(problems.length === 0, () => `paxos: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`);
  return resolve(nodeCount, settings, allowNonIntersecting);
}

function resolve(nodeCount: number, settings: PaxosQuorumSettings, allowNonIntersecting: boolean): PaxosQuorums {
  const majority = Math.floor(nodeCount / 2) + 1;
  const phase2 = settings.phase2Quorum ?? majority;
  if (settings.phase1Quorum !== null) return { phase1: settings.phase1Quorum, phase2 };
  if (allowNonIntersecting && settings.phase2Quorum === null) return { phase1: Math.max(1, nodeCount - majority), phase2 };
  // The smallest phase-1 quorum that meets every phase-2 quorum (a majority when both default on odd N).
  return { phase1: nodeCount - phase2 + 1, phase2 };
}
