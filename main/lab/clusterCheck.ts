import { limits } from '../../src/base/limits';
import type { NodeId } from '../../src/base/ids';
import type { SafetyFacts } from '../../src/protocol/replica';

/**
 * The cluster-wide safety check of the live runtime (ARCHITECTURE §6), where the replicas live in
 * other threads: it runs over the plain facts each protocol exports (`safetyFacts`: the era and
 * whether the replica leads it, the digests of its committed entries), never over the replicas'
 * objects. It checks, remembering what it saw across checks:
 * - one leader per era (Raft: one leader per term; VR: one primary per view; Multi-Paxos: one
 *   leader per ballot);
 * - committed entries never differ: no two replicas, and no replica at two moments, hold
 *   different commands committed at one index (Raft's log matching and leader completeness as
 *   they show in committed logs; VR: committed ops never change; Paxos: the decided prefix).
 * Facts of different workers are taken at slightly different moments: both properties hold
 * between any states of two replicas, so this gives no false alarms, only a sample of the states.
 */
export class LiveClusterCheck {
  private readonly leaderOfEra = new Map<string, NodeId>();
  /** The first digest seen committed at each index, and who held it (a window of `limits.appliedIndicesKeptMax`). */
  private readonly committed = new Map<number, { readonly digest: string; readonly node: NodeId }>();
  private highestIndex = 0;
  /** How many checks ran. */
  checkCount = 0;

  /** Checks the facts of the replicas that answered; each broken invariant as a sentence. */
  check(facts: readonly SafetyFacts[]): string[] {
    this.checkCount++;
    const broken: string[] = [];
    for (const fact of facts) {
      if (fact.leads) this.checkLeader(fact, broken);
      this.checkCommitted(fact, broken);
    }
    return broken;
  }

  private checkLeader(fact: SafetyFacts, broken: string[]): void {
    const key = `${fact.eraName} ${fact.era}`;
    const known = this.leaderOfEra.get(key);
    if (known === undefined) this.leaderOfEra.set(key, fact.node);
    else if (known !== fact.node) broken.push(`election safety: ${known} and ${fact.node} both led ${key}`);
  }

  private checkCommitted(fact: SafetyFacts, broken: string[]): void {
    const floor = this.highestIndex - limits.appliedIndicesKeptMax;
    fact.committed.forEach((digest, offset) => {
      const index = fact.committedFrom + offset;
      if (index <= floor) return;
      const known = this.committed.get(index);
      if (known === undefined) {
        this.committed.set(index, { digest, node: fact.node });
        this.highestIndex = Math.max(this.highestIndex, index);
      } else if (known.digest !== digest) {
        broken.push(`committed entries differ at index ${index}: ${known.node} committed ${known.digest}, ${fact.node} holds ${digest} committed there`);
      }
    });
    for (const index of this.committed.keys()) {
      if (index > this.highestIndex - limits.appliedIndicesKeptMax) break; // insertion order is mostly index order
      this.committed.delete(index);
    }
  }
}
