import { limits } from '../../base/limits';
import { LogFacts } from '../logFacts';
import { assert, assertNever } from '../../base/assert';
import { type ClientId, type NodeId, type Slot, slot as toSlot } from '../../base/ids';
import type { Prng } from '../../base/prng';
import type { ClientReply, ClientRequest, KvResult } from '../../kv/command';
import { commandDigest } from '../../kv/command';
import { HybridLogicalClock } from '../../kv/hlc';
import { LocalWrites } from '../../kv/localWrites';
import { copyKvSnapshot, KvStore } from '../../kv/store';
import { clientSender, type ObservedEvent, type Outbound, type Ready, type Replica, type ReplicaOptions, type ReplicaView, type Role, type UnsafeSwitch } from '../replica';
import type { PaxosSettings } from '../settings';
import { onP1a, onP2a } from './acceptor';
import { backoffTicks, electionTimeoutTicks, onElectionTimeout, onHeartbeat, onHeartbeatReply, onHeartbeatTimeout, onScoutResendTimeout } from './election';
import { checkNodeInvariants, type NodeCheckMemory } from './invariants';
import { type Commander, onP1b, onP2b, type Scout, startScout } from './leader';
import { ballotNumber, ballotZero, compareBallots, formatBallot, type Ballot, type Decision, type PaxosDisk, type PaxosMessage, type PaxosMessageKind, type PaxosPersistRecord, type PaxosSnapshot, type PValue } from './messages';
import { type PendingRead, afterExecute, failReads } from './reads';
import { SessionReads, replyWithSession, sessionPosition } from '../sessionReads';
import { execute, learn, onCatchUp, onCatchUpReply } from './replica';
import { forwardLocalWrites, onForwardWrites, serveRequest } from './requests';
import { type PaxosQuorums, paxosQuorums } from './quorums';

/** Why a message or request was not acted on; reported as an `ignored` event so the UI can say why. */
export type PaxosIgnoreReason =
  | 'unknown-peer'
  | 'lower-ballot'
  | 'stale-reply'
  | 'not-leader'
  | 'leader-is-fresh'
  | 'lease-granted'
  | 'slot-compacted'
  | 'not-ahead'
  | 'older-request'
  | 'duplicate-in-progress';

/** A write waiting for its slot to execute. */
export interface PendingWrite {
  readonly request: ClientRequest;
  /** Already acknowledged (write ack `leader`): execution sends nothing more. */
  readonly acknowledged: boolean;
}


function ticksOf(ms: number, tickMs: number): number {
  return Math.max(1, Math.round(ms / tickMs));
}

/**
 * A Multi-Paxos node (Lamport, "Paxos Made Simple" §3; van Renesse & Altinbuken, "Paxos Made
 * Moderately Complex"): replica, leader and acceptor collocated, sans-IO. Handlers live beside
 * this file by concern (acceptor.ts, leader.ts, replica.ts, election.ts, reads.ts, requests.ts)
 * and take the node as their first argument; roles change only in the `become*` methods here.
 * Roles map onto the shared ones: `leader` (an adopted ballot), `candidate` (a scout running),
 * `follower` (acceptor and replica only). The `term` a view reports is the ballot as one number.
 */
export class PaxosNode implements Replica<PaxosMessage, PaxosPersistRecord> {
  readonly id: NodeId;
  readonly replicas: readonly NodeId[];
  readonly peers: readonly NodeId[];
  readonly settings: PaxosSettings;
  readonly unsafe: ReadonlySet<UnsafeSwitch>;
  readonly prng: Prng;
  readonly phase1Quorum: number;
  readonly phase2Quorum: number;
  /** Acknowledgements (the leader's own included) that meet every phase-1 quorum: N − |Q1| + 1. */
  readonly readQuorum: number;

  readonly heartbeatTicks: number;
  readonly electionTimeoutTicksMin: number;
  readonly electionTimeoutTicksMax: number;
  readonly backoffTicksMax: number;
  /** How long an acceptor promises no other ballot after acknowledging a round. */
  readonly leaseGrantTicks: number;
  /** How long the leader trusts a lease: shortened by the clock-drift bound. */
  readonly leaseHeldTicks: number;

  // ---- Acceptor (durable) ------------------------------------------------------------------------
  /** PMMC's acceptor ballot_num: the highest ballot promised. */
  promised: Ballot = ballotZero;
  /** PMMC's accepted, keeping per slot the pvalue with the highest ballot. */
  accepted = new Map<number, PValue>();
  /** What this acceptor does to its pvalues, reported in the trace as its log (protocol/logFacts.ts). */
  readonly logFacts = new LogFacts();

  // ---- Replica ------------------------------------------------------------------------------------
  /** Decided slots above the snapshot (PMMC's decisions). */
  decisions = new Map<number, Decision>();
  /** PMMC's slot_out − 1: every slot up to here is executed. */
  executedSlot: Slot = toSlot(0);
  snapshot: PaxosSnapshot | null = null;
  store = new KvStore();
  /** ARCHITECTURE §5 (AP): stamps local writes, and every write this node proposes as leader. */
  readonly hlc: HybridLogicalClock;
  readonly localWrites = new LocalWrites();
  /** `session` and `sync` reads waiting for this node to execute their session's slot (protocol/sessionReads.ts). */
  readonly sessionReads = new SessionReads();

  // ---- Leader -------------------------------------------------------------------------------------
  role: Role = 'follower';
  /** PMMC's leader ballot_num: this node's own ballot, adopted when role is leader. */
  ballot: Ballot;
  /** Who this node believes leads. */
  leaderId: NodeId | null = null;
  scout: Scout | null = null;
  commanders = new Map<number, Commander>();
  /** PMMC's slot_in: the next slot for a new command. */
  nextSlot: Slot = toSlot(1);
  /** The highest slot phase 1 reported or the node knew when its ballot was adopted. */
  adoptedThroughSlot: Slot = toSlot(0);
  readonly pendingWrites = new Map<number, PendingWrite>();
  /** Per client, its latest command proposed here and the slot (client sessions). */
  readonly proposedSessions = new Map<ClientId, { sequence: number; slot: Slot }>();

  // ---- Timers (local ticks) ---------------------------------------------------------------------
  nowTick = 0;
  electionDeadlineTick = 0;
  heartbeatDeadlineTick = 0;
  lastHeardLeaderTick = Number.NEGATIVE_INFINITY;
  /** Consecutive preemptions since a leader was last heard (the backoff grows with it). */
  preemptionCount = 0;
  catchUpSentTick = Number.NEGATIVE_INFINITY;
  /** Paxos Made Live §5.2: this acceptor promised no ballot but `leaseGrantedTo` before this tick. */
  leaseGrantedUntilTick = 0;
  leaseGrantedTo: Ballot | null = null;

  // ---- Reads (reads.ts) ---------------------------------------------------------------------------
  round = 0;
  roundSentTick = new Map<number, number>();
  acknowledgedRound = new Map<NodeId, number>();
  confirmedRound = 0;
  leaseExpiresTick = 0;
  pendingReads: PendingRead[] = [];

  // ---- Invariant bookkeeping ------------------------------------------------------------------------
  /** Slots whose accepted pvalue changed since the cluster checker last looked. */
  acceptedSinceCheck: number[] = [];
  acceptedSinceCheckOverflowed = false;
  /** Acceptances of a ballot below the promise (only `acceptWithoutPromiseCheck` makes them). */
  acceptedBelowPromise: string[] = [];
  /** Two different decisions learned for one slot (only an unsafe switch allows it). */
  conflictingDecisions: string[] = [];
  highestSlotSeen = 0;
  checked: NodeCheckMemory | null = null;

  private persistQueue: PaxosPersistRecord[] = [];
  private messageQueue: Array<Outbound<PaxosMessage>> = [];
  private replyQueue: ClientReply[] = [];
  private eventQueue: ObservedEvent[] = [];

  constructor(options: ReplicaOptions<PaxosSettings, PaxosDisk>) {
    const { settings, tickMs } = options;
    assert(options.replicas.includes(options.id), `paxos: ${options.id} is not among the replicas`);
    assert(new Set(options.replicas).size === options.replicas.length, 'paxos: replica ids repeat');
    assert(tickMs > 0, 'paxos: tickMs is positive');
    assert(settings.electionTimeoutMs[0] > 0 && settings.electionTimeoutMs[0] <= settings.electionTimeoutMs[1], 'paxos: electionTimeoutMs is [min, max]');
    assert(settings.heartbeatMs > 0 && settings.heartbeatMs < settings.electionTimeoutMs[0], 'paxos: the heartbeat is shorter than the election timeout');
    assert(settings.leaseMs < settings.electionTimeoutMs[0], 'paxos: leaseMs stays below the election timeout');
    assert(settings.clockDriftBoundPpm >= 0 && settings.clockDriftBoundPpm < 1_000_000, 'paxos: clockDriftBoundPpm within 0..1e6');
    assert(settings.snapshotEveryEntries >= 1 && settings.windowSlots >= 1 && settings.maxEntriesPerMessage >= 1, 'paxos: positive sizes');
    this.id = options.id;
    this.replicas = [...options.replicas];
    this.peers = this.replicas.filter((peer) => peer !== options.id);
    this.settings = settings;
    this.unsafe = options.unsafe;
    this.prng = options.prng;
    const quorums: PaxosQuorums = paxosQuorums(this.replicas.length, settings, this.unsafe.has('nonIntersectingQuorums'));
    this.phase1Quorum = quorums.phase1;
    this.phase2Quorum = quorums.phase2;
    this.readQuorum = this.replicas.length - quorums.phase1 + 1;
    this.heartbeatTicks = ticksOf(settings.heartbeatMs, tickMs);
    this.electionTimeoutTicksMin = ticksOf(settings.electionTimeoutMs[0], tickMs);
    this.electionTimeoutTicksMax = Math.max(this.electionTimeoutTicksMin, ticksOf(settings.electionTimeoutMs[1], tickMs));
    this.backoffTicksMax = Math.max(this.electionTimeoutTicksMax, ticksOf(settings.backoffMaxMs, tickMs));
    this.leaseGrantTicks = ticksOf(settings.leaseMs, tickMs);
    // A lease granted for leaseMs of an acceptor's clock lasts at least leaseMs / (1 + ρ) of true
    // time, and the leader's clock may run slow by ρ: it trusts (1 − ρ) / (1 + ρ) of it.
    const drift = settings.clockDriftBoundPpm / 1_000_000;
    this.leaseHeldTicks = this.unsafe.has('leaseWithoutClockBound') ? this.leaseGrantTicks : Math.floor((this.leaseGrantTicks * (1 - drift)) / (1 + drift));
    this.hlc = new HybridLogicalClock(options.id, options.localClockUs);
    this.ballot = { round: 0, node: options.id };
    if (options.disk !== null) this.restore(options.disk);
    else if (options.incarnation > 0) this.logFacts.restored(0, [], 0);
    this.electionDeadlineTick = electionTimeoutTicks(this);
    this.observeRole();
  }

  /** Restart from the durable state: the acceptor's promise and pvalues, the snapshot and the decisions after it. */
  private restore(disk: PaxosDisk): void {
    this.promised = disk.promised;
    this.ballot = { round: disk.promised.round, node: this.id };
    for (const pvalue of Object.values(disk.accepted)) this.accepted.set(pvalue.slot, pvalue);
    if (disk.snapshot !== null) {
      this.snapshot = { slot: disk.snapshot.slot, state: copyKvSnapshot(disk.snapshot.state) };
      this.store = KvStore.fromSnapshot(this.snapshot.state);
      this.executedSlot = disk.snapshot.slot;
    }
    for (const decision of Object.values(disk.decisions)) if (decision.slot > this.executedSlot) this.decisions.set(decision.slot, decision);
    for (const held of this.accepted.keys()) this.highestSlotSeen = Math.max(this.highestSlotSeen, held);
    for (const held of this.decisions.keys()) this.highestSlotSeen = Math.max(this.highestSlotSeen, held);
    const held = [...this.accepted.values()].filter((pvalue) => pvalue.slot > (this.snapshot?.slot ?? 0)).sort((a, b) => a.slot - b.slot);
    this.logFacts.restored(this.snapshot?.slot ?? 0, held.map((pvalue) => ({ index: pvalue.slot, term: ballotNumber(pvalue.ballot) })), this.executedSlot);
    execute(this);
  }

  get snapshotSlot(): Slot {
    return this.snapshot?.slot ?? toSlot(0);
  }

  // ---- Inputs ---------------------------------------------------------------------------------------

  tick(): void {
    this.nowTick++;
    switch (this.role) {
      case 'leader':
        if (this.nowTick >= this.heartbeatDeadlineTick) onHeartbeatTimeout(this);
        break;
      case 'candidate':
        if (this.nowTick >= this.electionDeadlineTick) onElectionTimeout(this);
        else if (this.scout !== null && this.nowTick >= this.scout.sentTick + this.heartbeatTicks) onScoutResendTimeout(this);
        break;
      default:
        if (this.nowTick >= this.electionDeadlineTick) onElectionTimeout(this);
        break;
    }
    if (this.nowTick % this.heartbeatTicks === 0) this.onPeriodTimeout();
    afterExecute(this);
  }

  /** Every heartbeat period: local writes forwarded again, and a gap in the decisions fetched from the leader. */
  private onPeriodTimeout(): void {
    if (this.localWrites.size > 0) forwardLocalWrites(this);
    const gap = this.decisions.size > this.executedSlot - this.snapshotSlot;
    if (gap && this.leaderId !== null && this.leaderId !== this.id) this.requestCatchUp(this.leaderId);
  }

  receive(from: NodeId, message: PaxosMessage): void {
    if (!this.peers.includes(from)) return this.ignoreMessage(message.kind, from, 'unknown-peer');
    this.onMessage(from, message);
    afterExecute(this);
  }

  request(request: ClientRequest): void {
    serveRequest(this, request);
    afterExecute(this);
  }

  /** The one dispatcher (STYLE): every message kind to its `on<Message>` handler. */
  private onMessage(from: NodeId, message: PaxosMessage): void {
    switch (message.kind) {
      case 'P1a':
        return onP1a(this, from, message);
      case 'P1b':
        return onP1b(this, from, message);
      case 'P2a':
        return onP2a(this, from, message);
      case 'P2b':
        return onP2b(this, from, message);
      case 'Decide':
        return learn(this, message.decisions);
      case 'Heartbeat':
        return onHeartbeat(this, from, message);
      case 'HeartbeatReply':
        return onHeartbeatReply(this, from, message);
      case 'CatchUp':
        return onCatchUp(this, from, message);
      case 'CatchUpReply':
        return onCatchUpReply(this, message);
      case 'ForwardWrites':
        return onForwardWrites(this, from, message);
      default:
        return assertNever(message, 'paxos message');
    }
  }

  // ---- Role changes (only here) ---------------------------------------------------------------------

  /** PMS §3: a node that hears no leader becomes a proposer with a ballot above any it has seen. */
  becomeCandidate(): void {
    const wasLeading = this.role === 'leader';
    this.ballot = { round: Math.max(this.promised.round, this.ballot.round) + 1, node: this.id };
    this.role = 'candidate';
    this.leaderId = null;
    this.commanders = new Map();
    this.electionDeadlineTick = this.nowTick + electionTimeoutTicks(this);
    if (wasLeading) this.leaveLeadership();
    this.observeRole();
    startScout(this);
  }

  /** PMMC Leader on ⟨adopted⟩: active; the caller proposes pmax and the no-ops. */
  becomeLeader(): void {
    assert(this.role === 'candidate', () => `paxos: only a candidate becomes leader, ${this.id} is ${this.role}`);
    // No unsafe switch breaks this: each changes what an acceptor accepts, persists or reports, or
    // how many answer, never its own promise while its scout runs (a higher one preempts the scout).
    assert(compareBallots(this.promised, this.ballot) === 0, () => `paxos: a leader’s own acceptor promised its ballot (${this.id} promised ${formatBallot(this.promised)}, leads ${formatBallot(this.ballot)})`);
    this.role = 'leader';
    this.leaderId = this.id;
    this.scout = null;
    this.commanders = new Map();
    this.preemptionCount = 0;
    this.acknowledgedRound = new Map();
    this.roundSentTick = new Map();
    this.confirmedRound = this.round;
    this.leaseExpiresTick = 0;
    this.heartbeatDeadlineTick = this.nowTick;
    this.observeRole();
  }

  becomeFollower(leader: NodeId | null): void {
    const wasLeading = this.role === 'leader';
    this.role = 'follower';
    this.leaderId = leader;
    this.scout = null;
    this.commanders = new Map();
    if (wasLeading) this.leaveLeadership();
    this.observeRole();
  }

  /** Reads have no effect, so they fail; writes in flight stay pending (their slot may still be decided). */
  private leaveLeadership(): void {
    failReads(this);
    this.leaseExpiresTick = 0;
    this.acknowledgedRound = new Map();
    this.roundSentTick = new Map();
    this.confirmedRound = this.round;
  }

  /**
   * PMMC Leader on ⟨preempted, b'⟩: a higher ballot exists. With backoff the node waits a random,
   * growing delay before its next ballot; without, it retries at the next tick.
   */
  preempted(higher: Ballot): void {
    if (this.role === 'follower') return;
    assert(compareBallots(higher, this.ballot) > 0, 'paxos: preempted only by a higher ballot');
    this.preemptionCount++;
    // PMMC: "ballot_num := (r' + 1, λ)" when it next tries; remember r' until then.
    this.ballot = { round: higher.round, node: this.id };
    this.becomeFollower(null);
    this.electionDeadlineTick = this.nowTick + backoffTicks(this);
  }

  // ---- Acceptor state changes ---------------------------------------------------------------------

  /** Raises the promise (PMS §2.2 phase 1(b)); a running scout or leadership of a lower ballot is preempted. */
  promise(ballot: Ballot): void {
    assert(compareBallots(ballot, this.promised) > 0, 'paxos: promises only increase');
    this.promised = ballot;
    this.persist({ kind: 'promise', ballot });
    if (this.role !== 'follower' && compareBallots(ballot, this.ballot) > 0) this.preempted(ballot);
  }

  /** An acceptor heard the leader of a ballot at least its promise: follow it and restart the election timer. */
  hearLeader(ballot: Ballot): void {
    if (compareBallots(ballot, this.promised) < 0 || ballot.node === this.id || this.role !== 'follower') return;
    this.lastHeardLeaderTick = this.nowTick;
    this.preemptionCount = 0;
    this.electionDeadlineTick = this.nowTick + electionTimeoutTicks(this);
    if (this.leaderId === ballot.node) return;
    this.leaderId = ballot.node;
    this.observeRole();
  }

  /** A leader was heard within the minimum election timeout. */
  leaderIsFresh(): boolean {
    return this.leaderId !== null && this.leaderId !== this.id && this.nowTick - this.lastHeardLeaderTick < this.electionTimeoutTicksMin;
  }

  /** Asks `from` for the decisions after the executed slot, at most once per heartbeat period. */
  requestCatchUp(from: NodeId): void {
    if (from === this.id || this.nowTick < this.catchUpSentTick + this.heartbeatTicks) return;
    this.catchUpSentTick = this.nowTick;
    this.send(from, { kind: 'CatchUp', fromSlot: toSlot(this.executedSlot + 1) });
  }

  noteAccepted(slotNumber: number): void {
    this.highestSlotSeen = Math.max(this.highestSlotSeen, slotNumber);
    if (this.acceptedSinceCheck.length >= limits.paxosNotesPendingMax) this.acceptedSinceCheckOverflowed = true;
    else this.acceptedSinceCheck.push(slotNumber);
  }

  noteConflictingDecision(held: Decision, other: Decision): void {
    if (this.conflictingDecisions.length >= limits.paxosNotesPendingMax) return;
    this.conflictingDecisions.push(`slot ${held.slot} was decided twice: ${commandDigest(held.command)} and ${commandDigest(other.command)}`);
  }

  // ---- Outputs ----------------------------------------------------------------------------------------

  /** `acceptorForgetsPromise` (unsafe): the acceptor's promises and pvalues never reach the disk. */
  persist(record: PaxosPersistRecord): void {
    if (this.unsafe.has('acceptorForgetsPromise') && (record.kind === 'promise' || record.kind === 'accept')) return;
    this.persistQueue.push(record);
  }

  send(to: NodeId, message: PaxosMessage): void {
    assert(to !== this.id, 'paxos: a node does not message itself');
    this.messageQueue.push({ to, message });
  }

  broadcast(message: PaxosMessage): void {
    for (const peer of this.peers) this.send(peer, message);
  }

  reply(request: ClientRequest, result: KvResult): void {
    const appliedHere = request.command.f !== 'read' && this.store.appliedResult(request.clientId, request.sequence) !== null;
    const index = sessionPosition(request, result, { applied: this.executedSlot, last: Math.max(this.executedSlot, this.nextSlot - 1), appliedHere });
    this.replyQueue.push(replyWithSession({ requestId: request.requestId, clientId: request.clientId, result, leaderHint: this.leaderId }, index));
  }

  replyNotLeader(request: ClientRequest): void {
    const hint = this.leaderId;
    this.reply(request, { type: 'fail', reason: hint === null || hint === this.id ? 'unavailable' : 'not-leader' });
  }

  observe(event: ObservedEvent): void {
    this.logFacts.flushInto(this.eventQueue);
    this.eventQueue.push(event);
  }

  ignoreMessage(message: PaxosMessageKind, from: NodeId, reason: PaxosIgnoreReason): void {
    this.observe({ kind: 'ignored', message, from, reason });
  }

  /** A client request not acted on: the event names the client as its sender. */
  ignoreRequest(request: ClientRequest, reason: PaxosIgnoreReason): void {
    this.observe({ kind: 'ignored', message: 'Request', from: clientSender(request.clientId), reason });
  }

  private observeRole(): void {
    const ballot = this.role === 'follower' ? this.promised : this.ballot;
    this.observe({ kind: 'role', role: this.role, term: ballotNumber(ballot), leader: this.leaderId });
  }

  ready(): Ready<PaxosMessage, PaxosPersistRecord> {
    this.logFacts.flushInto(this.eventQueue, this.executedSlot);
    const batch = { persist: this.persistQueue, messages: this.messageQueue, replies: this.replyQueue, events: this.eventQueue };
    this.persistQueue = [];
    this.messageQueue = [];
    this.replyQueue = [];
    this.eventQueue = [];
    return batch;
  }

  // ---- Observation ------------------------------------------------------------------------------------

  view(): ReplicaView {
    return {
      id: this.id,
      role: this.role,
      term: ballotNumber(this.role === 'follower' ? this.promised : this.ballot),
      leader: this.leaderId,
      commitIndex: this.executedSlot,
      appliedIndex: this.executedSlot,
      lastIndex: Math.max(this.highestSlotSeen, this.executedSlot, this.nextSlot - 1),
      snapshotIndex: this.snapshotSlot,
      logEntryCount: this.decisions.size + this.accepted.size,
      acceptedCount: this.accepted.size,
    };
  }

  /** The local view: executed state with the pending local writes over it (ARCHITECTURE §5, AP). */
  keyValues(): ReadonlyMap<string, string> {
    this.localWrites.settle(this.store);
    return this.localWrites.keyValues(this.store);
  }

  checkInvariants(): string[] {
    return checkNodeInvariants(this);
  }
}
