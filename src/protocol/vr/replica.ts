import { LogFacts } from '../logFacts';
import { assert, assertNever } from '../../base/assert';
import { type ClientId, type NodeId, type OpNumber, type ViewNumber, opNumber, viewNumber } from '../../base/ids';
import { limits } from '../../base/limits';
import type { Prng } from '../../base/prng';
import type { ClientReply, ClientRequest, KvResult } from '../../kv/command';
import { HybridLogicalClock } from '../../kv/hlc';
import { LocalWrites } from '../../kv/localWrites';
import { KvStore } from '../../kv/store';
import { clientSender, type ObservedEvent, type Outbound, type Ready, type Replica, type ReplicaOptions, type ReplicaView, type Role, type UnsafeSwitch } from '../replica';
import type { VrSettings } from '../settings';
import { checkReplicaInvariants } from './invariants';
import { VrLog } from './log';
import type { PrepareMessage, RecoveryResponseMessage, VrCheckpoint, VrDisk, VrLogState, VrMessage, VrMessageKind, VrPersistRecord } from './messages';
import { catchUpOnLog, forwardLocalWrites, onCommit, onCommitOk, onForwardWrites, onHeartbeatTimeout, onPrepare, onPrepareOk, onRequest } from './normal';
import { type PendingRead, afterReadInput, failReads } from './reads';
import { SessionReads, replyWithSession, sessionPosition } from '../sessionReads';
import { onRecovery, onRecoveryResponse, onRecoveryTimeout, startRecovery } from './recovery';
import { onGetState, onNewState, onStateTransferTimeout } from './stateTransfer';
import { onDoViewChange, onStartView, onStartViewChange, onViewChangeTimeout } from './viewChange';

/** §4: a replica is in normal operation, in a view change, or recovering after a restart. */
export type VrStatus = 'normal' | 'view-change' | 'recovering';

/** Why a message or request was not acted on; reported as an `ignored` event (STYLE: guard clauses). */
export type VrIgnoreReason =
  | 'from-self'
  | 'unknown-replica'
  | 'older-view'
  | 'newer-view'
  | 'other-view'
  | 'recovering'
  | 'not-recovering'
  | 'not-normal'
  | 'not-primary'
  | 'not-backup'
  | 'not-from-primary'
  | 'not-primary-of-view'
  | 'view-already-started'
  | 'lease-granted'
  | 'wrong-nonce'
  | 'already-held'
  | 'stale-state'
  | 'older-request'
  | 'duplicate-in-progress';

/** A request in the log that has not been executed yet: the in-flight half of the §4 client table. */
export interface ClientTableEntry {
  readonly sequence: number;
  readonly opNumber: OpNumber;
}

/**
 * Most ops a primary keeps prepared but uncommitted; beyond it new requests get `unavailable`
 * (a minority primary must not grow its log without bound).
 */
export const uncommittedOpsMax = limits.entriesPerMessageMax;
/**
 * Most log entries one NewState carries. §5.2's NEWSTATE carries l, "its log after n'": state
 * transfer brings a lagging replica up to date, so it is not bounded by the normal case's
 * `maxEntriesPerMessage`. With one entry per NewState a backup gained one op per round trip,
 * slower than its primary took them, and never converged (swarm vr seed 260: 8-25 ms links,
 * about 30 ops/s fetched against 90 ops/s prepared, n3 stayed 100-200 ops behind after the
 * heal). The bound is the primary's window of uncommitted ops, the largest batch the lab lets
 * a message carry: a round trip brings at least as many ops as the primary can commit in one,
 * and the Prepares the backup holds meanwhile extend its log from there. Entries, not bytes: a
 * logged command is a short key and value, so 1024 of them make tens of kilobytes.
 */
export const stateTransferEntriesMax = uncommittedOpsMax;
/** Out-of-order Prepares a backup holds while it waits for the gap to fill. */
export const preparesWaitingMax = limits.entriesPerMessageMax;
/** Reads a primary holds while it confirms its primacy. */
export const pendingReadsMax = limits.entriesPerMessageMax * 4;

/** Milliseconds of the local clock to whole ticks, at least one. */
function ticksOf(ms: number, tickMs: number): number {
  return Math.max(1, Math.round(ms / tickMs));
}

/**
 * A Viewstamped Replication replica (Liskov & Cowling, "Viewstamped Replication Revisited",
 * 2012), sans-IO: inputs are `tick`, `receive` and `request`; outputs are drained by `ready`.
 * The state uses the paper's words. Handlers live beside this file by concern (normal.ts,
 * viewChange.ts, recovery.ts, stateTransfer.ts, reads.ts) and take the replica as their first
 * argument; role changes happen only in the `become*` methods here.
 */
export class VrReplica implements Replica<VrMessage, VrPersistRecord> {
  readonly id: NodeId;
  /** The configuration (§4): every replica, sorted as the host gave them; the primary is replicas[v mod n]. */
  readonly replicas: readonly NodeId[];
  readonly settings: VrSettings;
  readonly unsafe: ReadonlySet<UnsafeSwitch>;
  readonly prng: Prng;
  readonly incarnation: number;
  /** Replicas that make a quorum: f + 1 when n = 2f + 1 (a majority for any n). */
  readonly quorum: number;
  /** f: how many replicas may fail at once. */
  readonly failuresTolerated: number;

  readonly commitIntervalTicks: number;
  readonly viewChangeTimeoutTicksMin: number;
  readonly viewChangeTimeoutTicksMax: number;
  /** How long a backup promises not to join a view change after hearing from its primary (§6). */
  readonly leaseGrantTicks: number;
  /** How long the primary trusts a granted lease: shortened by the clock-drift bound. */
  readonly leaseHeldTicks: number;

  // ---- §4 replica state ----------------------------------------------------------------------
  viewNumber: ViewNumber = viewNumber(0);
  status: VrStatus = 'normal';
  /** The latest view in which this replica's status was normal (v' of DoViewChange). */
  lastNormalView: ViewNumber = viewNumber(0);
  /**
   * The log this replica held in `lastNormalView`, kept from when it dropped its uncommitted ops
   * on hearing of a newer view (§5.2) until it is normal again with that view's log; null while
   * the log in hand is that log. Its DoViewChange offers this one (see learnNewerView).
   */
  lastNormalLogState: VrLogState | null = null;
  /** What the log does to itself, reported in the trace (protocol/logFacts.ts). */
  private readonly logFacts = new LogFacts();
  log = new VrLog(opNumber(0), this.logFacts);
  commitNumber: OpNumber = opNumber(0);
  /** Ops executed on the service (the "up-call" of §4.1). Never above commitNumber. */
  executedOpNumber: OpNumber = opNumber(0);
  store = new KvStore();
  /** The checkpoint the log continues from (§5.1): state after op `log.baseOpNumber`. */
  checkpoint: VrCheckpoint = { opNumber: opNumber(0), snapshot: { values: [], sessions: [] } };
  /** A later checkpoint that becomes the base at the next one, so a short lag never needs a whole checkpoint. */
  checkpointNext: VrCheckpoint | null = null;
  /** §4 client-table, in-flight part: the latest logged but unexecuted request per client. Executed results live in the store's sessions. */
  clientTable = new Map<ClientId, ClientTableEntry>();
  /** ARCHITECTURE §5 (AP): stamps local writes, and every write this replica prepares as primary. */
  readonly hlc: HybridLogicalClock;
  /** Writes accepted with write ack `local`, not yet executed here from the log. */
  readonly localWrites = new LocalWrites();
  /** `session` and `sync` reads waiting for this replica to execute their session's op-number (protocol/sessionReads.ts). */
  readonly sessionReads = new SessionReads();

  // ---- Timers (local ticks) --------------------------------------------------------------------
  nowTick = 0;
  viewChangeDeadlineTick = 0;
  heartbeatDeadlineTick = 0;
  resendDeadlineTick = 0;

  // ---- View change (§4.2) -----------------------------------------------------------------------
  startViewChangeFrom = new Set<NodeId>();
  doViewChangeFrom = new Map<NodeId, { lastNormalView: ViewNumber; state: VrLogState }>();
  doViewChangeSent = false;

  // ---- Primary ------------------------------------------------------------------------------------
  /** Highest op-number each backup has acknowledged in this view (cumulative PrepareOk). */
  acknowledgedOpNumber = new Map<NodeId, number>();
  /** Requests this primary received, to answer once their op executes. */
  pendingReplies = new Map<number, ClientRequest>();
  /** Writes this primary acknowledged at prepare (write ack `leader`, MongoDB w:1), by op-number: the leader read path shows them (reads.ts). */
  acknowledgedAtPrepare = new Map<number, { readonly clientId: ClientId; readonly sequence: number }>();
  /** op-number when this replica became primary: everything up to it came from earlier views. */
  viewStartOpNumber: OpNumber = opNumber(0);

  // ---- Reads (reads.ts) ---------------------------------------------------------------------------
  /** Latest confirmation round started (a Commit broadcast), and when. */
  roundNumber = 0;
  roundSentTick = new Map<number, number>();
  acknowledgedRound = new Map<NodeId, number>();
  confirmedRoundNumber = 0;
  leaseExpiresTick = 0;
  pendingReads: PendingRead[] = [];

  // ---- Backup -------------------------------------------------------------------------------------
  /** §6: this backup promised not to take part in a view change before this tick. */
  leaseGrantedUntilTick = 0;
  /** Latest round number heard from the primary, echoed in PrepareOk. */
  primaryRoundNumber = 0;
  preparesWaiting = new Map<number, PrepareMessage>();
  stateTransfer: { target: NodeId; sentTick: number } | null = null;
  /** Joined the current view by state transfer and has not fetched its log yet (see becomeBackup). */
  awaitingState = false;

  // ---- Recovery (§4.3) ----------------------------------------------------------------------------
  nonce = 0;
  recoveryResponses = new Map<NodeId, RecoveryResponseMessage>();

  // ---- Invariant bookkeeping ------------------------------------------------------------------------
  /** PrepareOk, DoViewChange and StartViewChange sent while recovering: must stay 0 (§4.3). */
  votesSentWhileRecovering = 0;
  /** State-machine results returned to clients while recovering: must stay 0 (§4.3). */
  resultsSentWhileRecovering = 0;
  /** What the previous invariant check saw, for transition checks. */
  previousObserved: { viewNumber: number; commitNumber: number; executedOpNumber: number } | null = null;

  private messages: Array<Outbound<VrMessage>> = [];
  private replies: ClientReply[] = [];
  private events: ObservedEvent[] = [];

  constructor(options: ReplicaOptions<VrSettings, VrDisk>) {
    const { settings, tickMs } = options;
    assert(options.replicas.includes(options.id), 'a replica is part of its configuration');
    assert(new Set(options.replicas).size === options.replicas.length, 'replica ids are distinct');
    assert(tickMs > 0, 'tickMs is positive');
    assert(settings.viewChangeTimeoutMs[0] <= settings.viewChangeTimeoutMs[1], 'viewChangeTimeoutMs is [min, max]');
    assert(settings.commitIntervalMs > 0, 'commitIntervalMs is positive');
    assert(settings.checkpointEveryOps >= 1, 'checkpointEveryOps is at least 1');
    assert(settings.maxEntriesPerMessage >= 1 && settings.maxEntriesPerMessage <= limits.entriesPerMessageMax, 'maxEntriesPerMessage within limits');
    assert(2 * settings.checkpointEveryOps + uncommittedOpsMax <= limits.logEntriesInMemoryMax, 'two checkpoints of ops plus the uncommitted ones fit in memory');
    assert(settings.clockDriftBoundPpm >= 0 && settings.clockDriftBoundPpm < 1_000_000, 'clockDriftBoundPpm within 0..1e6');
    this.id = options.id;
    this.replicas = options.replicas;
    this.settings = settings;
    this.unsafe = options.unsafe;
    this.prng = options.prng;
    this.incarnation = options.incarnation;
    this.hlc = new HybridLogicalClock(options.id, options.localClockUs);
    this.quorum = Math.floor(this.replicas.length / 2) + 1;
    this.failuresTolerated = this.replicas.length - this.quorum;
    this.commitIntervalTicks = ticksOf(settings.commitIntervalMs, tickMs);
    this.viewChangeTimeoutTicksMin = ticksOf(settings.viewChangeTimeoutMs[0], tickMs);
    this.viewChangeTimeoutTicksMax = Math.max(this.viewChangeTimeoutTicksMin, ticksOf(settings.viewChangeTimeoutMs[1], tickMs));
    this.leaseGrantTicks = ticksOf(settings.leaseMs, tickMs);
    // §6: a lease granted for leaseMs of the backup's clock lasts at least leaseMs / (1 + ρ) of
    // true time, and the primary's clock may run slow by ρ: it trusts (1 − ρ) / (1 + ρ) of it.
    const drift = settings.clockDriftBoundPpm / 1_000_000;
    this.leaseHeldTicks = this.unsafe.has('leaseWithoutClockBound') ? this.leaseGrantTicks : Math.floor((this.leaseGrantTicks * (1 - drift)) / (1 + drift));
    if (options.incarnation > 0) {
      this.logFacts.restored(0, [], 0);
      // §4.3: a restarted replica has lost its state and must recover it from its peers.
      this.becomeRecovering();
      startRecovery(this);
    } else if (this.primaryOf(this.viewNumber) === this.id) {
      this.becomePrimary(this.viewNumber);
    } else {
      this.becomeBackup(this.viewNumber);
    }
  }

  // ---- Inputs ---------------------------------------------------------------------------------------

  tick(): void {
    this.nowTick++;
    switch (this.status) {
      case 'normal':
        if (this.isPrimary()) {
          if (this.nowTick >= this.heartbeatDeadlineTick) onHeartbeatTimeout(this);
        } else {
          if (this.nowTick >= this.viewChangeDeadlineTick) onViewChangeTimeout(this);
          else if (this.stateTransfer !== null && this.nowTick >= this.stateTransfer.sentTick + this.commitIntervalTicks) onStateTransferTimeout(this);
        }
        break;
      case 'view-change':
        if (this.nowTick >= this.viewChangeDeadlineTick || this.nowTick >= this.resendDeadlineTick) onViewChangeTimeout(this);
        break;
      case 'recovering':
        if (this.nowTick >= this.resendDeadlineTick) onRecoveryTimeout(this);
        break;
      default:
        assertNever(this.status, 'status');
    }
    if (this.localWrites.size > 0 && this.nowTick % this.commitIntervalTicks === 0) this.onForwardTimeout();
    afterReadInput(this);
  }

  /** ARCHITECTURE §5 (AP): local writes are forwarded again every commit interval until executed here. */
  private onForwardTimeout(): void {
    forwardLocalWrites(this);
  }

  receive(from: NodeId, message: VrMessage): void {
    if (from === this.id) return this.ignore(from, message.kind, 'from-self');
    if (!this.replicas.includes(from)) return this.ignore(from, message.kind, 'unknown-replica');
    this.onMessage(from, message);
    afterReadInput(this);
  }

  request(request: ClientRequest): void {
    onRequest(this, request);
    afterReadInput(this);
  }

  /** The one dispatcher (STYLE): every message kind to its `on<Message>` handler. */
  private onMessage(from: NodeId, message: VrMessage): void {
    switch (message.kind) {
      case 'Prepare':
        return onPrepare(this, from, message);
      case 'PrepareOk':
        return onPrepareOk(this, from, message);
      case 'Commit':
        return onCommit(this, from, message);
      case 'CommitOk':
        return onCommitOk(this, from, message);
      case 'StartViewChange':
        return onStartViewChange(this, from, message);
      case 'DoViewChange':
        return onDoViewChange(this, from, message);
      case 'StartView':
        return onStartView(this, from, message);
      case 'Recovery':
        return onRecovery(this, from, message);
      case 'RecoveryResponse':
        return onRecoveryResponse(this, from, message);
      case 'GetState':
        return onGetState(this, from, message);
      case 'NewState':
        return onNewState(this, from, message);
      case 'ForwardWrites':
        return onForwardWrites(this, from, message);
      default:
        return assertNever(message, 'vr message');
    }
  }

  // ---- Outputs ----------------------------------------------------------------------------------------

  ready(): Ready<VrMessage, VrPersistRecord> {
    this.logFacts.flushInto(this.events, this.executedOpNumber);
    const batch = { persist: [], messages: this.messages, replies: this.replies, events: this.events };
    this.messages = [];
    this.replies = [];
    this.events = [];
    return batch;
  }

  send(to: NodeId, message: VrMessage): void {
    assert(to !== this.id, 'a replica does not message itself');
    if (this.status === 'recovering' && isVote(message.kind)) this.votesSentWhileRecovering++;
    this.messages.push({ to, message });
  }

  broadcast(message: VrMessage): void {
    for (const other of this.replicas) if (other !== this.id) this.send(other, message);
  }

  reply(request: ClientRequest, result: KvResult): void {
    const fromStateMachine = result.type === 'ok' || result.reason === 'cas-mismatch';
    if (this.status === 'recovering' && fromStateMachine) this.resultsSentWhileRecovering++;
    const appliedHere = request.command.f !== 'read' && this.store.appliedResult(request.clientId, request.sequence) !== null;
    const index = sessionPosition(request, result, { applied: this.executedOpNumber, last: this.log.lastOpNumber, appliedHere });
    this.replies.push(replyWithSession({ requestId: request.requestId, clientId: request.clientId, result, leaderHint: this.leaderHint() }, index));
  }

  observe(event: ObservedEvent): void {
    this.logFacts.flushInto(this.events);
    this.events.push(event);
  }

  ignore(from: NodeId, message: VrMessageKind, reason: VrIgnoreReason): void {
    this.observe({ kind: 'ignored', message, from, reason });
  }

  /** A client request not acted on: the event names the client as its sender. */
  ignoreRequest(request: ClientRequest, reason: VrIgnoreReason): void {
    this.observe({ kind: 'ignored', message: 'Request', from: clientSender(request.clientId), reason });
  }

  // ---- Role changes (only here) --------------------------------------------------------------------

  /** §4.1: normal operation as the primary of `view`. */
  becomePrimary(view: ViewNumber): void {
    assert(this.primaryOf(view) === this.id, () => `${this.id} is not the primary of view ${view}`);
    assert(view >= this.viewNumber, 'views only move forward');
    this.viewNumber = view;
    this.status = 'normal';
    this.awaitingState = false;
    this.lastNormalView = view;
    this.lastNormalLogState = null;
    this.viewStartOpNumber = this.log.lastOpNumber;
    // Every write this primary stamps must beat every op already in its log (kv/store.ts).
    catchUpOnLog(this);
    this.acknowledgedOpNumber = new Map(this.otherReplicas().map((other) => [other, 0]));
    this.pendingReplies = new Map();
    this.resetReads();
    this.stateTransfer = null;
    this.preparesWaiting.clear();
    this.heartbeatDeadlineTick = this.nowTick; // announce the view's commit-number at the next tick
    this.observeRole();
  }

  /**
   * §4.1: normal operation as a backup of `view`. With `awaitingState`, the replica joined the
   * view by state transfer (§5.2) and holds only its committed prefix: until the view's log
   * arrives it keeps its previous last-normal view and sends no acknowledgements, so a
   * DoViewChange never presents that prefix as the whole log of `view` (§4.2 picks logs by v').
   */
  becomeBackup(view: ViewNumber, options: { awaitingState?: boolean } = {}): void {
    assert(this.primaryOf(view) !== this.id, () => `${this.id} is the primary of view ${view}, not a backup`);
    assert(view >= this.viewNumber, 'views only move forward');
    const reads = this.leavePrimary();
    if (view !== this.viewNumber) this.forgetPrimaryRounds();
    this.viewNumber = view;
    this.status = 'normal';
    this.awaitingState = options.awaitingState === true;
    if (!this.awaitingState) {
      this.lastNormalView = view;
      this.lastNormalLogState = null;
    }
    this.resetViewChangeTimer();
    this.observeRole();
    failReads(this, reads, 'not-leader');
  }

  /** §4.2 step 1: status view-change for `view`, with a fresh vote count. */
  becomeViewChange(view: ViewNumber): void {
    assert(view > this.viewNumber, () => `a view change moves to a newer view (${view} after ${this.viewNumber})`);
    const reads = this.leavePrimary();
    this.forgetPrimaryRounds();
    this.viewNumber = view;
    this.status = 'view-change';
    this.awaitingState = false;
    this.startViewChangeFrom = new Set();
    this.doViewChangeFrom = new Map();
    this.doViewChangeSent = false;
    this.stateTransfer = null;
    this.preparesWaiting.clear();
    this.resetViewChangeTimer();
    this.resendDeadlineTick = this.nowTick + this.commitIntervalTicks;
    this.observeRole();
    failReads(this, reads, 'not-leader');
  }

  /** §4.3: a restarted replica knows nothing and takes no part until it has recovered. */
  becomeRecovering(): void {
    this.status = 'recovering';
    this.awaitingState = false;
    this.observeRole();
  }

  /** Returns the reads to fail once the new role is set (so their replies carry the new hint). */
  private leavePrimary(): PendingRead[] {
    if (!this.isPrimary()) return [];
    // Reads have no effect, so failing them is safe; writes in flight stay unanswered (unknown).
    const reads = this.pendingReads;
    this.pendingReads = [];
    this.pendingReplies = new Map();
    this.resetReads();
    return reads;
  }

  /** Round numbers belong to one primary in one view: a backup forgets the last view's. */
  private forgetPrimaryRounds(): void {
    this.primaryRoundNumber = 0;
  }

  private resetReads(): void {
    this.roundSentTick = new Map();
    this.acknowledgedRound = new Map();
    this.confirmedRoundNumber = this.roundNumber;
    this.leaseExpiresTick = 0;
  }

  private observeRole(): void {
    this.observe({ kind: 'role', role: this.role(), term: this.viewNumber, leader: this.status === 'normal' ? this.primaryOf(this.viewNumber) : null });
  }

  resetViewChangeTimer(): void {
    this.viewChangeDeadlineTick = this.nowTick + this.prng.int(this.viewChangeTimeoutTicksMin, this.viewChangeTimeoutTicksMax);
  }

  // ---- Queries ------------------------------------------------------------------------------------

  /** §4: the primary of a view is chosen round-robin from the configuration. */
  primaryOf(view: number): NodeId {
    return this.replicas[view % this.replicas.length] as NodeId;
  }

  isPrimary(): boolean {
    return this.status === 'normal' && this.primaryOf(this.viewNumber) === this.id;
  }

  otherReplicas(): NodeId[] {
    return this.replicas.filter((other) => other !== this.id);
  }

  /** Who a client should ask instead: the primary of the current view, once it is known to run. */
  leaderHint(): NodeId | null {
    return this.status === 'normal' ? this.primaryOf(this.viewNumber) : null;
  }

  /** The log as DoViewChange, StartView and RecoveryResponse carry it: checkpoint at the executed op, then the rest. */
  logState(): VrLogState {
    return {
      checkpoint: { opNumber: this.executedOpNumber, snapshot: this.store.snapshot() },
      entries: this.log.entriesAfter(this.executedOpNumber),
      opNumber: this.log.lastOpNumber,
      commitNumber: this.commitNumber,
    };
  }

  role(): Role {
    switch (this.status) {
      case 'normal':
        return this.isPrimary() ? 'primary' : 'backup';
      case 'view-change':
        return 'view-change';
      case 'recovering':
        return 'recovering';
      default:
        return assertNever(this.status, 'status');
    }
  }

  view(): ReplicaView {
    return {
      id: this.id,
      role: this.role(),
      term: this.viewNumber,
      leader: this.leaderHint(),
      commitIndex: this.commitNumber,
      appliedIndex: this.executedOpNumber,
      lastIndex: this.log.lastOpNumber,
      snapshotIndex: this.log.baseOpNumber,
      logEntryCount: this.log.entryCount,
    };
  }

  /** The local view: executed state with the pending local writes over it (ARCHITECTURE §5, AP). */
  keyValues(): ReadonlyMap<string, string> {
    this.localWrites.settle(this.store);
    return this.localWrites.keyValues(this.store);
  }

  checkInvariants(): string[] {
    return checkReplicaInvariants(this);
  }
}

function isVote(kind: VrMessageKind): boolean {
  return kind === 'PrepareOk' || kind === 'DoViewChange' || kind === 'StartViewChange' || kind === 'CommitOk';
}
