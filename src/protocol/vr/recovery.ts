import { assert } from '../../base/assert';
import type { NodeId } from '../../base/ids';
import type { RecoveryMessage, RecoveryResponseMessage } from './messages';
import { advanceCommitNumber, sendPrepareOk } from './normal';
import type { VrReplica } from './replica';
import { adoptLogState } from './stateTransfer';

/**
 * §4.3 recovery. VR keeps nothing on disk, so a restarted replica has forgotten everything,
 * including promises it made (PrepareOks, DoViewChanges). It must not vote, prepare or answer
 * clients until it has learned the current state from f + 1 replicas, the primary of the latest
 * view among them; the nonce tells its own answers from those to an earlier recovery.
 */

/** §4.3 step 1: pick a nonce and ask every other replica. */
export function startRecovery(replica: VrReplica): void {
  assert(replica.status === 'recovering', 'recovery runs in recovering status');
  replica.nonce = replica.prng.int(1, 2 ** 31 - 1);
  replica.recoveryResponses = new Map();
  sendRecovery(replica);
}

function sendRecovery(replica: VrReplica): void {
  replica.resendDeadlineTick = replica.nowTick + replica.commitIntervalTicks;
  replica.broadcast({ kind: 'Recovery', nonce: replica.nonce });
}

/** Messages may be lost and peers may be changing views: ask again until recovered. */
export function onRecoveryTimeout(replica: VrReplica): void {
  sendRecovery(replica);
}

/** §4.3 step 2: only a replica in normal status answers; only the primary sends its log. */
export function onRecovery(replica: VrReplica, from: NodeId, message: RecoveryMessage): void {
  if (replica.status !== 'normal') return replica.ignore(from, message.kind, 'not-normal');
  replica.send(from, {
    kind: 'RecoveryResponse',
    viewNumber: replica.viewNumber,
    nonce: message.nonce,
    state: replica.isPrimary() ? replica.logState() : null,
  });
}

/** §4.3 step 3: f + 1 answers with our nonce, including the primary of the latest view among them. */
export function onRecoveryResponse(replica: VrReplica, from: NodeId, message: RecoveryResponseMessage): void {
  if (replica.status !== 'recovering') return replica.ignore(from, message.kind, 'not-recovering');
  if (message.nonce !== replica.nonce) return replica.ignore(from, message.kind, 'wrong-nonce');
  const previous = replica.recoveryResponses.get(from);
  if (previous !== undefined && previous.viewNumber > message.viewNumber) return replica.ignore(from, message.kind, 'older-view');
  replica.recoveryResponses.set(from, message);
  if (replica.recoveryResponses.size < replica.failuresTolerated + 1) return;
  let latestView = 0;
  for (const response of replica.recoveryResponses.values()) latestView = Math.max(latestView, response.viewNumber);
  const primary = replica.primaryOf(latestView);
  const fromPrimary = replica.recoveryResponses.get(primary);
  if (fromPrimary === undefined || fromPrimary.viewNumber !== latestView || fromPrimary.state === null) return;
  completeRecovery(replica, fromPrimary);
}

function completeRecovery(replica: VrReplica, response: RecoveryResponseMessage): void {
  const state = response.state;
  assert(state !== null, 'the primary sends its state');
  adoptLogState(replica, state);
  replica.recoveryResponses = new Map();
  replica.becomeBackup(response.viewNumber);
  advanceCommitNumber(replica, Math.min(state.commitNumber, replica.log.lastOpNumber));
  // Now a backup of the view: acknowledge what the primary is still waiting on.
  if (replica.log.lastOpNumber > replica.commitNumber) sendPrepareOk(replica);
}
