import { assert } from '../../base/assert';
import type { NodeId, ViewNumber } from '../../base/ids';
import { KvStore } from '../../kv/store';
import type { GetStateMessage, NewStateMessage, VrCheckpoint, VrLogState } from './messages';
import { drainWaitingPrepares, executeCommitted, learnCommitNumber, sendPrepareOk } from './normal';
import { stateTransferEntriesMax, type VrReplica } from './replica';

/**
 * §5.1 checkpoints and §5.2 state transfer.
 *
 * Checkpoints: every `checkpointEveryOps` executed ops a replica snapshots its store. It keeps
 * two: the older one is the log's base (entries before it are truncated), the newer one becomes
 * the base at the next checkpoint. So the log holds between one and two intervals of executed
 * ops plus the unexecuted suffix, and a backup that lags by less than an interval catches up
 * from log entries alone.
 *
 * State transfer, extended for truncation: GetState names the op-number after which the
 * requester wants entries. When the responder has truncated past it, NewState carries the
 * responder's base checkpoint and the entries after it; the requester installs the checkpoint
 * (replacing its store) if it is ahead of what it executed. NewState carries the whole log after
 * the requested op, up to `stateTransferEntriesMax` entries (replica.ts says why not the normal
 * case's `maxEntriesPerMessage`); the requester asks again until it has the responder's op-number.
 */

/** After each executed op: take a checkpoint every `checkpointEveryOps` and truncate the log behind the previous one. */
export function maybeCheckpoint(replica: VrReplica): void {
  const latest = replica.checkpointNext ?? replica.checkpoint;
  if (replica.executedOpNumber - latest.opNumber < replica.settings.checkpointEveryOps) return;
  const taken: VrCheckpoint = { opNumber: replica.executedOpNumber, snapshot: replica.store.snapshot() };
  const previous = replica.checkpointNext;
  replica.checkpointNext = taken;
  if (previous === null) return;
  replica.log.truncateBefore(previous.opNumber);
  replica.checkpoint = previous;
  replica.observe({ kind: 'snapshot', index: previous.opNumber });
}

/** Replaces the store with a checkpoint received from another replica (it is ahead of our execution). */
function installCheckpoint(replica: VrReplica, checkpoint: VrCheckpoint): void {
  assert(checkpoint.opNumber > replica.executedOpNumber, 'a checkpoint is installed only when it is ahead');
  replica.store = KvStore.fromSnapshot(checkpoint.snapshot);
  replica.log.reset(checkpoint.opNumber);
  replica.executedOpNumber = checkpoint.opNumber;
  replica.checkpoint = checkpoint;
  replica.checkpointNext = null;
  replica.preparesWaiting.clear();
  replica.clientTable = new Map();
  if (checkpoint.opNumber > replica.commitNumber) {
    replica.commitNumber = checkpoint.opNumber;
    replica.observe({ kind: 'commit', commitIndex: checkpoint.opNumber });
  }
  replica.observe({ kind: 'snapshot', index: checkpoint.opNumber });
}

/**
 * Takes a whole log from StartView, the chosen DoViewChange or the primary's RecoveryResponse.
 * Ops this replica executed are committed, hence the same in every later log (§4.2's safety
 * argument), so it keeps its own entries up to its executed op-number and takes the rest; when
 * the incoming checkpoint is ahead of its execution, it installs the checkpoint first.
 * Executing up to the new commit-number is left to the caller, after the role change.
 */
export function adoptLogState(replica: VrReplica, state: VrLogState): void {
  const executed = replica.executedOpNumber;
  if (executed >= state.checkpoint.opNumber) {
    replica.log.truncateAfter(executed);
    for (const entry of state.entries) if (entry.opNumber > executed) replica.log.append(entry);
  } else {
    installCheckpoint(replica, state.checkpoint);
    for (const entry of state.entries) replica.log.append(entry);
  }
  replica.preparesWaiting.clear();
  rebuildClientTable(replica);
}

/** The in-flight client table follows the log's unexecuted suffix (§4.2 step 5: "update the client table"). */
function rebuildClientTable(replica: VrReplica): void {
  replica.clientTable = new Map();
  for (const entry of replica.log.entriesAfter(replica.executedOpNumber)) {
    replica.clientTable.set(entry.command.clientId, { sequence: entry.command.sequence, opNumber: entry.opNumber });
  }
}

/**
 * §5.2: a replica that learns of a newer view (or that the view it is changing to has started)
 * without a StartView: its uncommitted ops may not survive, so it keeps only the committed
 * prefix, joins the view as a backup awaiting state, and fetches the rest from the sender.
 *
 * The dropped ops may be committed all the same, by replicas that did not say so: a view's
 * commit-number reaches backups later, if ever. Until this replica holds the new view's log it
 * keeps the log it had in its last normal view, and a DoViewChange meanwhile offers that log
 * with that v' (§4.2), as it would have before. Offering only the prefix under the same v' lost
 * committed ops when the new view's primary crashed and the other holders had too (swarm vr
 * seed 586: ops 24-27, committed in view 2, were reused in view 4).
 */
export function learnNewerView(replica: VrReplica, from: NodeId, view: ViewNumber): void {
  assert(view > replica.viewNumber || (view === replica.viewNumber && replica.status === 'view-change'), 'the view is newer');
  executeCommitted(replica);
  if (replica.lastNormalLogState === null) replica.lastNormalLogState = replica.logState();
  replica.log.truncateAfter(replica.commitNumber);
  rebuildClientTable(replica);
  replica.becomeBackup(view, { awaitingState: true });
  replica.preparesWaiting.clear();
  requestState(replica, from, { force: true });
}

/** §5.2: ask `target` for everything after our op-number (one request in flight, retried on a timer). */
export function requestState(replica: VrReplica, target: NodeId, options: { force?: boolean } = {}): void {
  if (target === replica.id) return;
  if (replica.stateTransfer !== null && options.force !== true) return;
  replica.stateTransfer = { target, sentTick: replica.nowTick };
  replica.send(target, { kind: 'GetState', viewNumber: replica.viewNumber, opNumber: replica.log.lastOpNumber });
}

export function onStateTransferTimeout(replica: VrReplica): void {
  assert(replica.stateTransfer !== null, 'a state transfer is pending');
  requestState(replica, replica.primaryOf(replica.viewNumber), { force: true });
}

/** §5.2: a replica in normal status in the same view answers with what follows op n'. */
export function onGetState(replica: VrReplica, from: NodeId, message: GetStateMessage): void {
  if (replica.status !== 'normal') return replica.ignore(from, message.kind, 'not-normal');
  if (message.viewNumber !== replica.viewNumber) return replica.ignore(from, message.kind, 'other-view');
  // Answer even when there is nothing newer: an empty NewState tells a replica awaiting state
  // that it already holds this view's log.
  const truncated = message.opNumber < replica.log.baseOpNumber;
  const after = truncated ? replica.log.baseOpNumber : Math.min(message.opNumber, replica.log.lastOpNumber);
  replica.send(from, {
    kind: 'NewState',
    viewNumber: replica.viewNumber,
    checkpoint: truncated ? replica.checkpoint : null,
    entries: replica.log.entriesAfter(after, stateTransferEntriesMax),
    opNumber: replica.log.lastOpNumber,
    commitNumber: replica.commitNumber,
  });
}

/**
 * §5.2: append what arrived, execute what is committed, and ask again if more remains. Only a
 * NewState that brought something (or shows the log complete) ends the request in flight: a
 * duplicate, or the answer to a request the timer already repeated, would otherwise start a
 * second chain of requests beside it, and chains never end while the log is behind (swarm vr
 * seed 97: GetState doubled every 100 ms until the simulator stopped the run).
 */
export function onNewState(replica: VrReplica, from: NodeId, message: NewStateMessage): void {
  if (replica.status !== 'normal') return replica.ignore(from, message.kind, 'not-normal');
  if (message.viewNumber !== replica.viewNumber) return replica.ignore(from, message.kind, 'other-view');
  if (replica.isPrimary()) return replica.ignore(from, message.kind, 'not-backup');
  const lastBefore = replica.log.lastOpNumber;
  const checkpoint = message.checkpoint;
  const installs = checkpoint !== null && checkpoint.opNumber > replica.executedOpNumber;
  if (installs) installCheckpoint(replica, checkpoint);
  const first = message.entries[0];
  if (first !== undefined && first.opNumber > replica.log.lastOpNumber + 1) {
    if (installs) replica.stateTransfer = null;
    return replica.ignore(from, message.kind, 'stale-state');
  }
  for (const entry of message.entries) {
    if (entry.opNumber !== replica.log.lastOpNumber + 1) continue; // already held
    replica.log.append(entry);
    replica.clientTable.set(entry.command.clientId, { sequence: entry.command.sequence, opNumber: entry.opNumber });
  }
  drainWaitingPrepares(replica);
  if (replica.awaitingState && replica.log.lastOpNumber >= message.opNumber) {
    // The log now reaches the primary's op-number of a moment in this view, so it holds the
    // view's starting log: it is this view's log, and this replica may acknowledge again.
    replica.awaitingState = false;
    replica.lastNormalView = replica.viewNumber;
    replica.lastNormalLogState = null;
  }
  if (installs || replica.log.lastOpNumber > lastBefore || replica.log.lastOpNumber >= message.opNumber) replica.stateTransfer = null;
  sendPrepareOk(replica);
  learnCommitNumber(replica, Math.min(message.commitNumber, replica.log.lastOpNumber));
  if (message.opNumber > replica.log.lastOpNumber) requestState(replica, from);
}
