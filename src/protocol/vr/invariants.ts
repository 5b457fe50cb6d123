import { limits } from '../../base/limits';
import { commandDigest } from '../../kv/command';
import type { ClusterChecker, Replica } from '../replica';
import type { VrMessage, VrPersistRecord } from './messages';
import type { VrReplica } from './replica';

/**
 * Invariants of a VR replica (state checks, then transition checks against the previous call)
 * and of a VR cluster. Each check is one sentence; the simulator runs them after every step.
 */
export function checkReplicaInvariants(replica: VrReplica): string[] {
  const problems: string[] = [];
  const check = (holds: boolean, sentence: string): void => {
    if (!holds) problems.push(sentence);
  };
  const opNumberNow = replica.log.lastOpNumber;
  // State checks.
  check(replica.commitNumber <= opNumberNow, `commit-number ${replica.commitNumber} is above op-number ${opNumberNow}`);
  check(replica.executedOpNumber <= replica.commitNumber, `executed op ${replica.executedOpNumber} is above commit-number ${replica.commitNumber}`);
  check(replica.log.baseOpNumber <= replica.executedOpNumber, `the checkpoint at op ${replica.log.baseOpNumber} is ahead of execution (${replica.executedOpNumber})`);
  check(replica.checkpoint.opNumber === replica.log.baseOpNumber, `the base checkpoint (op ${replica.checkpoint.opNumber}) is not where the log starts (op ${replica.log.baseOpNumber})`);
  check(replica.lastNormalView <= replica.viewNumber, `last normal view ${replica.lastNormalView} is after the view-number ${replica.viewNumber}`);
  check(replica.status !== 'normal' || replica.awaitingState || replica.lastNormalView === replica.viewNumber, `in normal status with the view's log, but the last normal view ${replica.lastNormalView} is not the view-number ${replica.viewNumber}`);
  check(!replica.awaitingState || (replica.status === 'normal' && !replica.isPrimary()), 'only a backup in normal status awaits state');
  const last = replica.log.lastEntry();
  check(last === null || last.opNumber === opNumberNow, `the last entry holds op ${last?.opNumber} but the op-number is ${opNumberNow}`);
  check(last === null || last.viewNumber <= replica.viewNumber, `the last entry was prepared in view ${last?.viewNumber}, after the view-number ${replica.viewNumber}`);
  check(replica.log.entryCount <= limits.logEntriesInMemoryMax, `the log holds ${replica.log.entryCount} entries, above ${limits.logEntriesInMemoryMax}`);
  // §4.3: a recovering replica has forgotten its promises, so it must not make new ones.
  check(replica.votesSentWhileRecovering === 0, `sent ${replica.votesSentWhileRecovering} PrepareOk/StartViewChange/DoViewChange/CommitOk while recovering`);
  check(replica.resultsSentWhileRecovering === 0, `answered ${replica.resultsSentWhileRecovering} client requests from its state while recovering`);
  if (replica.status === 'recovering') check(replica.executedOpNumber === 0 && opNumberNow === 0, 'a recovering replica holds state it has not recovered yet');
  if (replica.isPrimary()) {
    for (const [backup, acknowledged] of replica.acknowledgedOpNumber) {
      check(acknowledged <= opNumberNow, `${backup} is counted as holding op ${acknowledged}, beyond the primary's op-number ${opNumberNow}`);
    }
    check(replica.pendingReplies.size <= opNumberNow - replica.executedOpNumber, 'the primary waits to answer more requests than it has unexecuted ops');
  }
  // Transition checks.
  const previous = replica.previousObserved;
  if (previous !== null) {
    check(replica.viewNumber >= previous.viewNumber, `the view-number went back from ${previous.viewNumber} to ${replica.viewNumber}`);
    check(replica.commitNumber >= previous.commitNumber, `the commit-number went back from ${previous.commitNumber} to ${replica.commitNumber}`);
    check(replica.executedOpNumber >= previous.executedOpNumber, `execution went back from op ${previous.executedOpNumber} to op ${replica.executedOpNumber}`);
  }
  replica.previousObserved = { viewNumber: replica.viewNumber, commitNumber: replica.commitNumber, executedOpNumber: replica.executedOpNumber };
  return problems;
}

/**
 * Cluster-wide safety of VR, remembered across calls:
 * - at most one replica acts as primary of a view (and it is the round-robin one);
 * - a committed op never changes: the digest first seen committed at an op-number is the one
 *   every replica ever holds committed there (this also says op-numbers of committed entries agree).
 */
export class VrClusterChecker implements ClusterChecker<VrMessage, VrPersistRecord> {
  private readonly primaryByView = new Map<number, string>();
  private readonly committedDigest = new Map<number, { digest: string; replica: string }>();
  /** Per replica instance: committed ops already compared, so each step costs only what is new. */
  private readonly checkedUpTo = new WeakMap<object, number>();
  private prunedUpTo = 0;
  private highestCommitSeen = 0;

  check(replicas: ReadonlyArray<Replica<VrMessage, VrPersistRecord>>): string[] {
    const problems: string[] = [];
    let lowestBase = Number.POSITIVE_INFINITY;
    for (const generic of replicas) {
      const replica = generic as VrReplica;
      lowestBase = Math.min(lowestBase, replica.log.baseOpNumber);
      this.checkPrimary(replica, problems);
      this.checkCommitted(replica, problems);
    }
    this.prune(lowestBase);
    return problems;
  }

  private checkPrimary(replica: VrReplica, problems: string[]): void {
    if (!replica.isPrimary()) return;
    const view = replica.viewNumber;
    if (replica.primaryOf(view) !== replica.id) problems.push(`${replica.id} acts as primary of view ${view}, which belongs to ${replica.primaryOf(view)}`);
    const known = this.primaryByView.get(view);
    if (known === undefined) this.primaryByView.set(view, replica.id);
    else if (known !== replica.id) problems.push(`two primaries in view ${view}: ${known} and ${replica.id}`);
  }

  private checkCommitted(replica: VrReplica, problems: string[]): void {
    const from = Math.max(this.checkedUpTo.get(replica) ?? 0, replica.log.baseOpNumber, this.prunedUpTo);
    const to = Math.min(replica.commitNumber, replica.log.lastOpNumber);
    for (let op = from + 1; op <= to; op++) {
      const digest = commandDigest(replica.log.entry(op).command);
      const first = this.committedDigest.get(op);
      if (first === undefined) this.committedDigest.set(op, { digest, replica: replica.id });
      else if (first.digest !== digest) problems.push(`committed op ${op} changed: ${first.replica} committed ${first.digest}, ${replica.id} holds ${digest} committed there`);
    }
    if (to > from) this.checkedUpTo.set(replica, to);
    this.highestCommitSeen = Math.max(this.highestCommitSeen, to);
  }

  /**
   * Forget digests no live replica can commit again: every replica's future commits lie above its
   * checkpoint, and a restarted one recovers from a primary's checkpoint, which is never lower.
   * A hard window of in-memory entries bounds the map when a replica stays far behind.
   */
  private prune(lowestBase: number): void {
    const upTo = Math.max(Number.isFinite(lowestBase) ? lowestBase : 0, this.highestCommitSeen - limits.logEntriesInMemoryMax);
    if (upTo <= this.prunedUpTo) return;
    for (let op = this.prunedUpTo + 1; op <= upTo; op++) this.committedDigest.delete(op);
    this.prunedUpTo = upTo;
  }
}
