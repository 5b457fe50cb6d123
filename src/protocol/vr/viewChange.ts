import { assert } from '../../base/assert';
import { type NodeId, type ViewNumber, viewNumber } from '../../base/ids';
import type { DoViewChangeMessage, StartViewChangeMessage, StartViewMessage, VrLogState } from './messages';
import { advanceCommitNumber, sendPrepareOk } from './normal';
import type { VrIgnoreReason, VrReplica } from './replica';
import { adoptLogState } from './stateTransfer';

/**
 * §4.2 view changes. A backup that hears nothing from the primary starts a view change; f + 1
 * replicas that agree send DoViewChange to the new primary (round-robin), which takes the log
 * with the largest last-normal view, then the largest op-number, and starts the view.
 */

/** Timer in normal status (backup) or in view-change status (resend, or give up on this view). */
export function onViewChangeTimeout(replica: VrReplica): void {
  if (replica.status === 'normal') {
    assert(!replica.isPrimary(), 'a primary does not time itself out');
    // §6: while the lease this backup granted runs, it promised not to start a view change.
    if (replica.nowTick < replica.leaseGrantedUntilTick) {
      replica.viewChangeDeadlineTick = replica.leaseGrantedUntilTick;
      return;
    }
    return startViewChange(replica, viewNumber(replica.viewNumber + 1));
  }
  assert(replica.status === 'view-change', 'view-change timers run in view-change status');
  // The view change for this view did not complete in time: try the next primary.
  if (replica.nowTick >= replica.viewChangeDeadlineTick) return startViewChange(replica, viewNumber(replica.viewNumber + 1));
  // Messages may be lost: say it again (and DoViewChange too, if the new primary is another replica).
  replica.resendDeadlineTick = replica.nowTick + replica.commitIntervalTicks;
  replica.broadcast({ kind: 'StartViewChange', viewNumber: replica.viewNumber });
  if (replica.doViewChangeSent && replica.primaryOf(replica.viewNumber) !== replica.id) sendDoViewChange(replica);
}

/** §4.2 step 1: advance the view-number, set status view-change, and tell everyone. */
export function startViewChange(replica: VrReplica, view: ViewNumber): void {
  replica.becomeViewChange(view);
  replica.broadcast({ kind: 'StartViewChange', viewNumber: view });
  checkStartViewChangeQuorum(replica);
}

/** Guards shared by StartViewChange and DoViewChange; joins a newer view change. Returns the reason to ignore, if any. */
function normaliseViewChangeView(replica: VrReplica, view: ViewNumber): VrIgnoreReason | null {
  if (replica.status === 'recovering') return 'recovering';
  if (view < replica.viewNumber) return 'older-view';
  if (view === replica.viewNumber) return replica.status === 'normal' ? 'view-already-started' : null;
  // §6: a backup that granted a lease does not help depose that primary before the lease ends.
  if (replica.status === 'normal' && !replica.isPrimary() && replica.nowTick < replica.leaseGrantedUntilTick) return 'lease-granted';
  // §4.2: a StartViewChange or DoViewChange for a newer view starts our own view change.
  startViewChange(replica, view);
  return null;
}

export function onStartViewChange(replica: VrReplica, from: NodeId, message: StartViewChangeMessage): void {
  const reason = normaliseViewChangeView(replica, message.viewNumber);
  if (reason !== null) return replica.ignore(from, message.kind, reason);
  assert(replica.status === 'view-change' && replica.viewNumber === message.viewNumber, 'in the view change of the message');
  replica.startViewChangeFrom.add(from);
  checkStartViewChangeQuorum(replica);
}

/** §4.2 step 2: StartViewChange from f other replicas: send DoViewChange to the new primary. */
function checkStartViewChangeQuorum(replica: VrReplica): void {
  if (replica.status !== 'view-change' || replica.doViewChangeSent) return;
  if (replica.startViewChangeFrom.size < replica.quorum - 1) return;
  sendDoViewChange(replica);
}

function sendDoViewChange(replica: VrReplica): void {
  assert(replica.status === 'view-change', 'DoViewChange is sent in view-change status');
  replica.doViewChangeSent = true;
  // The log of the last normal view, even if this replica has since dropped part of it (learnNewerView).
  const state = replica.lastNormalLogState ?? replica.logState();
  const primary = replica.primaryOf(replica.viewNumber);
  if (primary === replica.id) {
    replica.doViewChangeFrom.set(replica.id, { lastNormalView: replica.lastNormalView, state });
    return checkDoViewChangeQuorum(replica);
  }
  replica.send(primary, { kind: 'DoViewChange', viewNumber: replica.viewNumber, lastNormalView: replica.lastNormalView, state });
}

export function onDoViewChange(replica: VrReplica, from: NodeId, message: DoViewChangeMessage): void {
  const reason = normaliseViewChangeView(replica, message.viewNumber);
  if (reason !== null) return replica.ignore(from, message.kind, reason);
  if (replica.primaryOf(message.viewNumber) !== replica.id) return replica.ignore(from, message.kind, 'not-primary-of-view');
  assert(replica.status === 'view-change' && replica.viewNumber === message.viewNumber, 'in the view change of the message');
  replica.doViewChangeFrom.set(from, { lastNormalView: message.lastNormalView, state: message.state });
  checkDoViewChangeQuorum(replica);
}

/** §4.2 step 3: f + 1 DoViewChange messages, this replica's own among them. */
function checkDoViewChangeQuorum(replica: VrReplica): void {
  if (replica.status !== 'view-change' || !replica.doViewChangeFrom.has(replica.id)) return;
  if (replica.doViewChangeFrom.size < replica.quorum) return;
  startView(replica);
}

/**
 * §4.2 steps 3–4: take the log from the DoViewChange with the largest v', then the largest n;
 * the commit-number is the largest received. Unsafe switch `startViewWithOwnLog` (ARCHITECTURE §6)
 * keeps this replica's own log instead, which can drop committed ops.
 */
function startView(replica: VrReplica): void {
  const own = replica.doViewChangeFrom.get(replica.id);
  assert(own !== undefined, 'the new primary counts its own DoViewChange');
  let chosen = own;
  let commitNumber = 0;
  for (const candidate of replica.doViewChangeFrom.values()) {
    commitNumber = Math.max(commitNumber, candidate.state.commitNumber);
    if (isMoreUpToDate(candidate, chosen)) chosen = candidate;
  }
  if (replica.unsafe.has('startViewWithOwnLog')) chosen = own;
  adoptLogState(replica, chosen.state);
  replica.becomePrimary(replica.viewNumber);
  advanceCommitNumber(replica, Math.min(commitNumber, replica.log.lastOpNumber));
  replica.broadcast({ kind: 'StartView', viewNumber: replica.viewNumber, state: replica.logState() });
}

function isMoreUpToDate(a: { lastNormalView: ViewNumber; state: VrLogState }, b: { lastNormalView: ViewNumber; state: VrLogState }): boolean {
  if (a.lastNormalView !== b.lastNormalView) return a.lastNormalView > b.lastNormalView;
  return a.state.opNumber > b.state.opNumber;
}

/** §4.2 step 5: replace the log with the new primary's, become a backup, acknowledge what is uncommitted. */
export function onStartView(replica: VrReplica, from: NodeId, message: StartViewMessage): void {
  if (replica.status === 'recovering') return replica.ignore(from, message.kind, 'recovering');
  if (message.viewNumber < replica.viewNumber) return replica.ignore(from, message.kind, 'older-view');
  if (message.viewNumber === replica.viewNumber && replica.status === 'normal') return replica.ignore(from, message.kind, 'view-already-started');
  if (from !== replica.primaryOf(message.viewNumber)) return replica.ignore(from, message.kind, 'not-from-primary');
  adoptLogState(replica, message.state);
  replica.becomeBackup(message.viewNumber);
  advanceCommitNumber(replica, Math.min(message.state.commitNumber, replica.log.lastOpNumber));
  if (replica.log.lastOpNumber > replica.commitNumber) sendPrepareOk(replica);
}
