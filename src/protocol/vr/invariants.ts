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
  // Each check is an `if` on the condition, so its sentence is only built when it fails.
  const opNumberNow = replica.log.lastOpNumber;
  // State checks.
  if (!(replica.commitNumber <= opNumberNow)) problems.push(`commit-number ${replica.commitNumber} is above op-number ${opNumberNow}`);
  if (!(replica.executedOpNumber <= replica.commitNumber)) problems.push(`executed op ${replica.executedOpNumber} is above commit-number ${replica.commitNumber}`);
  if (!(replica.log.baseOpNumber <= replica.executedOpNumber)) problems.push(`the checkpoint at op ${replica.log.baseOpNumber} is ahead of execution (${replica.executedOpNumber})`);
  if (!(replica.checkpoint.opNumber === replica.log.baseOpNumber)) problems.push(`the base checkpoint (op ${replica.checkpoint.opNumber}) is not where the log starts (op ${replica.log.baseOpNumber})`);
  if (!(replica.lastNormalView <= replica.viewNumber)) problems.push(`last normal view ${replica.lastNormalView} is after the view-number ${replica.viewNumber}`);
  if (!(replica.status !== 'normal' || replica.awaitingState || replica.lastNormalView === replica.viewNumber)) problems.push(`in normal status with the view's log, but the last normal view ${replica.lastNormalView} is not the view-number ${replica.viewNumber}`);
  if (!(!replica.awaitingState || (replica.status === 'normal' && !replica.isPrimary()))) problems.push('only a backup in normal status awaits state');
  // §4.2 with §5.2: a replica that dropped uncommitted ops still has its last normal view's log to offer.
  if (!(!replica.awaitingState || replica.lastNormalLogState !== null)) problems.push(`awaits view ${replica.viewNumber}'s log without the log of its last normal view ${replica.lastNormalView}`);
  if (!(replica.lastNormalLogState === null || replica.lastNormalView < replica.viewNumber)) problems.push(`keeps an older log for its last normal view ${replica.lastNormalView}, which is the current view`);
  const last = replica.log.lastEntry();
  if (!(last === null || last.opNumber === opNumberNow)) problems.push(`the last entry holds op ${last?.opNumber} but the op-number is ${opNumberNow}`);
  if (!(last === null || last.viewNumber <= replica.viewNumber)) problems.push(`the last entry was prepared in view ${last?.viewNumber}, after the view-number ${replica.viewNumber}`);
  if (!(replica.log.entryCount <= limits.logEntriesInMemoryMax)) problems.push(`the log holds ${replica.log.entryCount} entries, above ${limits.logEntriesInMemoryMax}`);
  // §4.3: a recovering replica has forgotten its promises, so it must not make new ones.
  if (!(replica.votesSentWhileRecovering === 0)) problems.push(`sent ${replica.votesSentWhileRecovering} PrepareOk/StartViewChange/DoViewChange/CommitOk while recovering`);
  if (!(replica.resultsSentWhileRecovering === 0)) problems.push(`answered ${replica.resultsSentWhileRecovering} client requests from its state while recovering`);
  if (replica.status === 'recovering') {
    if (!(replica.executedOpNumber === 0 && opNumberNow === 0)) problems.push('a recovering replica holds state it has not recovered yet');
  }
  if (replica.isPrimary()) {
    for (const [backup, acknowledged] of replica.acknowledgedOpNumber) {
      if (!(acknowledged <= opNumberNow)) problems.push(`${backup} is counted as holding op ${acknowledged}, beyond the primary's op-number ${opNumberNow}`);
    }
    if (!(replica.pendingReplies.size <= opNumberNow - replica.executedOpNumber)) problems.push('the primary waits to answer more requests than it has unexecuted ops');
  }
  // Transition checks.
  const previous = replica.previousObserved;
  if (previous !== null) {
    if (!(replica.viewNumber >= previous.viewNumber)) problems.push(`the view-number went back from ${previous.viewNumber} to ${replica.viewNumber}`);
    if (!(replica.commitNumber >= previous.commitNumber)) problems.push(`the commit-number went back from ${previous.commitNumber} to ${replica.commitNumber}`);
    if (!(replica.executedOpNumber >= previous.executedOpNumber)) problems.push(`execution went back from op ${previous.executedOpNumber} to op ${replica.executedOpNumber}`);
  }
  // Updated in place: one memory per replica, not one per step.
  if (previous === null) replica.previousObserved = { viewNumber: replica.viewNumber, commitNumber: replica.commitNumber, executedOpNumber: replica.executedOpNumber };
  else {
    previous.viewNumber = replica.viewNumber;
    previous.commitNumber = replica.commitNumber;
    previous.executedOpNumber = replica.executedOpNumber;
  }
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
  private readonly committedDigest = new Map<number, { digest: string; entry: object; replica: string }>();
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
      const entry = replica.log.entry(op);
      const first = this.committedDigest.get(op);
      if (first === undefined) {
        this.committedDigest.set(op, { digest: commandDigest(entry.command), entry, replica: replica.id });
        continue;
      }
      // Entries are immutable plain data shared through messages: the same object is the same command.
      if (first.entry === entry) continue;
      const digest = commandDigest(entry.command);
      if (first.digest !== digest) problems.push(`committed op ${op} changed: ${first.replica} committed ${first.digest}, ${replica.id} holds ${digest} committed there`);
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
