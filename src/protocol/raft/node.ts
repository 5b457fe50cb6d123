import { LogFacts } from '../logFacts';
import { assert, assertNever } from '../../base/assert';
import { logIndex, term, type LogIndex, type NodeId, type Term } from '../../base/ids';
import type { Prng } from '../../base/prng';
import type { ClientReply, ClientRequest, KvResult } from '../../kv/command';
import { HybridLogicalClock } from '../../kv/hlc';
import { LocalWrites } from '../../kv/localWrites';
import { copyKvSnapshot, KvStore } from '../../kv/store';
import type { RaftSettings } from '../settings';
import type { ObservedEvent, Outbound, Ready, Replica, ReplicaOptions, ReplicaView, Role, UnsafeSwitch } from '../replica';
import { campaign, onRequestPreVote, onRequestPreVoteReply, onRequestVote, onRequestVoteReply } from './election';
import { checkNodeInvariants, type NodeCheckMemory } from './invariants';
import { RaftLog } from './log';
import type { RaftDisk, RaftEntry, RaftMessage, RaftPersistRecord, RaftSnapshot } from './messages';
import { newProgress, type Progress } from './progress';
import { ReadQueue, serveRaftSessionReads } from './reads';
import { SessionReads, replyWithSession, sessionPosition } from '../sessionReads';
import {
  broadcastAppend,
  broadcastRound,
  commitTo,
  onAppendEntries,
  onAppendEntriesReply,
  onInstallSnapshot,
  onInstallSnapshotReply,
} from './replication';
import { catchUpOnLog, forwardLocalWrites, onForwardWrites, serveRequest } from './requests';

/** Why a message was not acted on; reported as an `ignored` event so the UI can say why. */
export type IgnoreReason =
  | 'stale-term'
  | 'leader-is-fresh' // §6: a vote request within the minimum election timeout of hearing from a leader
  | 'not-candidate'
  | 'not-pre-candidate'
  | 'not-leader'
  | 'stale-reply'
  | 'unknown-peer'
  | 'split-leadership'; // only under an unsafe switch: another leader claims this term

/** Timeouts in ticks of the local clock, derived once from the settings. */
export interface RaftTicks {
  readonly electionTimeoutTicksMin: number;
  readonly electionTimeoutTicksMax: number;
  readonly heartbeatTicks: number;
  /** Lease length on the leader's clock (§8 and the dissertation §6.4.1). */
  readonly leaseTicks: number;
}

export function raftTicks(settings: RaftSettings, tickMs: number, leaseWithoutClockBound: boolean): RaftTicks {
  const [minimumMs, maximumMs] = settings.electionTimeoutMs;
  assert(minimumMs > 0 && minimumMs <= maximumMs, `raft: election timeout range [${minimumMs}, ${maximumMs}] is not valid`);
  assert(settings.heartbeatMs > 0 && settings.heartbeatMs < minimumMs, 'raft: the heartbeat must be shorter than the election timeout');
  assert(settings.leaseMs < minimumMs, `raft: leaseMs ${settings.leaseMs} must stay below the election timeout ${minimumMs}`);
  assert(settings.clockDriftBoundPpm >= 0 && settings.clockDriftBoundPpm < 1_000_000, 'raft: clock drift bound out of range');
  assert(settings.snapshotEveryEntries >= 1, 'raft: snapshotEveryEntries must be at least 1');
  assert(settings.maxEntriesPerAppend >= 1, 'raft: maxEntriesPerAppend must be at least 1');
  const toTicks = (ms: number): number => Math.max(1, Math.round(ms / tickMs));
  // The lease shrinks by the drift bound: a leader whose clock runs slow by up to the bound still
  // lets it expire before any follower's election timer can (dissertation §6.4.1).
  const leaseMsBounded = leaseWithoutClockBound ? settings.leaseMs : (settings.leaseMs * (1_000_000 - settings.clockDriftBoundPpm)) / 1_000_000;
  return {
    electionTimeoutTicksMin: toTicks(minimumMs),
    electionTimeoutTicksMax: toTicks(maximumMs),
    heartbeatTicks: toTicks(settings.heartbeatMs),
    leaseTicks: Math.floor(leaseMsBounded / tickMs),
  };
}

/** A request waiting for its log entry to be applied. */
export interface PendingWrite {
  readonly request: ClientRequest;
  /** Already acknowledged (write ack `leader`): apply sends nothing more. */
  readonly acknowledged: boolean;
}

/**
 * A Raft replica (Ongaro & Ousterhout, extended paper), sans-IO in the shape of etcd-io/raft:
 * `step` normalises the term and dispatches; roles change only in `become*`; outputs are queued
 * and drained by `ready()`. State fields carry the names of Figure 2.
 */
export class RaftNode implements Replica<RaftMessage, RaftPersistRecord> {
  readonly id: NodeId;
  readonly peers: readonly NodeId[];
  readonly replicas: readonly NodeId[];
  readonly settings: RaftSettings;
  readonly ticks: RaftTicks;
  readonly unsafe: ReadonlySet<UnsafeSwitch>;
  private readonly prng: Prng;

  // Figure 2, persistent state on all servers.
  currentTerm: Term = term(0);
  votedFor: NodeId | null = null;
  /** What the log does to itself, reported in the trace (protocol/logFacts.ts). */
  private readonly logFacts = new LogFacts();
  readonly log = new RaftLog(this.logFacts);
  // Figure 2, volatile state on all servers.
  commitIndex: LogIndex = logIndex(0);
  lastApplied: LogIndex = logIndex(0);
  store = new KvStore();
  /** The newest snapshot (§7), sent to followers whose nextIndex fell behind it. */
  snapshot: RaftSnapshot | null = null;

  role: Role = 'follower';
  leaderId: NodeId | null = null;
  /** Ticks since the election timer was reset (followers, candidates) or the CheckQuorum window began (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** This term's election timeout, drawn from [min, max] ticks at every reset (§5.2). */
  randomizedElectionTimeout = 0;
  /** Ticks since start: the leader's local clock for leases. */
  tickCount = 0;
  /** Votes (or pre-votes) received in the current campaign. */
  readonly votes = new Map<NodeId, boolean>();
  // Figure 2, volatile state on leaders (reinitialised after election).
  readonly progress = new Map<NodeId, Progress>();
  /** The leader's broadcast round counter; replies echo it (ReadIndex, lease). */
  round = 0;
  readonly reads = new ReadQueue();
  readonly pendingWrites = new Map<number, PendingWrite>();
  /** ARCHITECTURE §5 (AP): stamps local writes, and every write this node appends as leader. */
  readonly hlc: HybridLogicalClock;
  /** Writes accepted with write ack `local`, not yet applied here from the log. */
  readonly localWrites = new LocalWrites();
  /** `session` and `sync` reads waiting for this node to apply their session's position (protocol/sessionReads.ts). */
  readonly sessionReads = new SessionReads();

  private persistQueue: RaftPersistRecord[] = [];
  private messageQueue: Array<Outbound<RaftMessage>> = [];
  private replyQueue: ClientReply[] = [];
  private eventQueue: ObservedEvent[] = [];
  /** What the last `checkInvariants` saw, for the transition checks and to keep the log walk incremental. */
  private checked: NodeCheckMemory = { term: term(0), commitIndex: logIndex(0), logCheckedThrough: 0, truncationCount: 0 };

  constructor(options: ReplicaOptions<RaftSettings, RaftDisk>) {
    assert(options.replicas.includes(options.id), `raft: ${options.id} is not among the replicas`);
    assert(new Set(options.replicas).size === options.replicas.length, 'raft: replica ids repeat');
    this.id = options.id;
    this.replicas = [...options.replicas];
    this.peers = options.replicas.filter((peer) => peer !== options.id);
    this.settings = options.settings;
    this.unsafe = options.unsafe;
    this.prng = options.prng;
    this.ticks = raftTicks(options.settings, options.tickMs, options.unsafe.has('leaseWithoutClockBound'));
    this.hlc = new HybridLogicalClock(options.id, options.localClockUs);
    if (options.disk !== null) this.restore(options.disk);
    if (options.incarnation > 0) this.logFacts.restored(this.log.snapshotIndex, this.log.slice(this.log.firstIndex, this.log.lastIndex), this.lastApplied);
    this.resetElectionTimer();
    // Every replica starts (and restarts) as a follower of its durable term: say so, as VR and
    // Multi-Paxos do, so a replay knows the role before the first change.
    this.observeRole();
  }

  /** Restart from the durable state: term, vote, snapshot and log (Figure 2, persistent state). Copies everything. */
  private restore(disk: RaftDisk): void {
    this.currentTerm = disk.term;
    this.votedFor = disk.votedFor;
    if (disk.snapshot !== null) {
      this.snapshot = copyRaftSnapshot(disk.snapshot);
      this.store = KvStore.fromSnapshot(this.snapshot.state);
      this.commitIndex = disk.snapshot.index;
      this.lastApplied = disk.snapshot.index;
    }
    this.log.restore(disk.snapshot?.index ?? logIndex(0), disk.snapshot?.term ?? term(0), disk.entries);
    this.checked = { term: this.currentTerm, commitIndex: this.commitIndex, logCheckedThrough: 0, truncationCount: 0 };
  }

  get quorum(): number {
    return Math.floor(this.replicas.length / 2) + 1;
  }

  // ---- inputs -------------------------------------------------------------------------------

  tick(): void {
    this.tickCount++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
    if (this.localWrites.size > 0 && this.tickCount % this.ticks.heartbeatTicks === 0) this.onForwardTimeout();
  }

  /** ARCHITECTURE §5 (AP): local writes are forwarded again every heartbeat interval until applied here. */
  private onForwardTimeout(): void {
    forwardLocalWrites(this);
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) this.onElectionTimeout();
  }

  /** §5.2: "If a follower receives no communication over a period of time … it begins an election." */
  private onElectionTimeout(): void {
    this.electionElapsed = 0;
    campaign(this, this.settings.preVote ? 'pre-vote' : 'vote');
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.ticks.electionTimeoutTicksMin) {
      this.electionElapsed = 0;
      if (this.settings.checkQuorum) this.onCheckQuorumTimeout();
      if (this.role !== 'leader') return;
    }
    if (this.heartbeatElapsed >= this.ticks.heartbeatTicks) this.onHeartbeatTimeout();
  }

  /** CheckQuorum (dissertation §6.2): a leader that has not heard from a majority within an election timeout steps down. */
  private onCheckQuorumTimeout(): void {
    let active = 1;
    for (const progress of this.progress.values()) {
      if (progress.recentActive) active++;
      progress.recentActive = false;
    }
    if (active < this.quorum) this.becomeFollower(this.currentTerm, null);
  }

  /** §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries)." */
  private onHeartbeatTimeout(): void {
    this.heartbeatElapsed = 0;
    broadcastRound(this);
  }

  receive(from: NodeId, message: RaftMessage): void {
    this.step(from, message);
    serveRaftSessionReads(this);
  }

  request(request: ClientRequest): void {
    serveRequest(this, request);
  }

  /** The single dispatcher: normalise the term (Figure 2, "Rules for all servers"), then hand the message to its handler. */
  step(from: NodeId, message: RaftMessage): void {
    if (!this.peers.includes(from)) return this.ignore(message, from, 'unknown-peer');
    // Forwarded local writes are a proposal, not an RPC of Figure 2: their term is not compared.
    if (message.kind === 'ForwardWrites') return onForwardWrites(this, from, message);
    if (message.term > this.currentTerm) {
      const isVoteRequest = message.kind === 'RequestVote' || message.kind === 'RequestPreVote';
      // §6: "if a server receives a RequestVote RPC within the minimum election timeout of hearing
      // from a current leader, it does not update its term or grant its vote."
      if (isVoteRequest && this.leaderIsFresh()) return this.ignore(message, from, 'leader-is-fresh');
      // A pre-vote request, and a granted pre-vote, carry a term nobody has entered yet (§9.6).
      const futureTerm = message.kind === 'RequestPreVote' || (message.kind === 'RequestPreVoteReply' && message.voteGranted);
      if (!futureTerm) {
        const fromLeader = message.kind === 'AppendEntries' || message.kind === 'InstallSnapshot';
        this.becomeFollower(message.term, fromLeader ? from : null);
      }
    } else if (message.term < this.currentTerm) {
      return this.onStaleTerm(from, message);
    }
    switch (message.kind) {
      case 'RequestVote':
        return onRequestVote(this, from, message);
      case 'RequestVoteReply':
        return onRequestVoteReply(this, from, message);
      case 'RequestPreVote':
        return onRequestPreVote(this, from, message);
      case 'RequestPreVoteReply':
        return onRequestPreVoteReply(this, from, message);
      case 'AppendEntries':
        return onAppendEntries(this, from, message);
      case 'AppendEntriesReply':
        return onAppendEntriesReply(this, from, message);
      case 'InstallSnapshot':
        return onInstallSnapshot(this, from, message);
      case 'InstallSnapshotReply':
        return onInstallSnapshotReply(this, from, message);
      default:
        return assertNever(message, 'raft message');
    }
  }

  /**
   * Figure 2: "Reply false if term < currentTerm." Requests get an answer carrying our term so a
   * stale leader or candidate learns it is behind; stale replies are dropped (§5.1).
   */
  private onStaleTerm(from: NodeId, message: RaftMessage): void {
    this.ignore(message, from, 'stale-term');
    const replyTerm = this.currentTerm;
    switch (message.kind) {
      case 'RequestVote':
        return this.send(from, { kind: 'RequestVoteReply', term: replyTerm, voteGranted: false });
      case 'RequestPreVote':
        return this.send(from, { kind: 'RequestPreVoteReply', term: replyTerm, voteGranted: false });
      case 'AppendEntries':
      case 'InstallSnapshot':
        return this.send(from, {
          kind: 'AppendEntriesReply',
          term: replyTerm,
          success: false,
          matchIndex: logIndex(0),
          rejectedIndex: logIndex(0),
          conflictIndex: logIndex(0),
          conflictTerm: term(0),
          round: message.round,
        });
      default:
        return;
    }
  }

  /** §6 (disruptive servers): a leader was heard from within the minimum election timeout. */
  leaderIsFresh(): boolean {
    return this.leaderId !== null && this.electionElapsed < this.ticks.electionTimeoutTicksMin;
  }

  // ---- role changes -------------------------------------------------------------------------

  becomeFollower(newTerm: Term, leader: NodeId | null): void {
    assert(newTerm >= this.currentTerm, `raft: ${this.id} would move back from term ${this.currentTerm} to ${newTerm}`);
    const wasLeader = this.role === 'leader';
    if (newTerm > this.currentTerm) {
      this.currentTerm = newTerm;
      this.votedFor = null;
      this.persistHardState();
    }
    this.role = 'follower';
    this.leaderId = leader;
    this.resetElectionTimer();
    if (wasLeader) this.stepDownCleanup();
    this.observeRole();
  }

  /** §9.6 PreVote: ask whether an election would be won before disturbing anyone's term. */
  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'raft: a leader cannot become a pre-candidate');
    this.role = 'pre-candidate';
    this.leaderId = null;
    this.votes.clear();
    this.votes.set(this.id, true);
    this.resetElectionTimer();
    this.observeRole();
  }

  /** §5.2: "a follower increments its current term and transitions to candidate state … votes for itself." */
  becomeCandidate(): void {
    assert(this.role !== 'leader', 'raft: a leader cannot become a candidate');
    this.currentTerm = term(this.currentTerm + 1);
    this.votedFor = this.id;
    this.persistHardState();
    this.role = 'candidate';
    this.leaderId = null;
    this.votes.clear();
    this.votes.set(this.id, true);
    this.resetElectionTimer();
    this.observeRole();
  }

  /** §5.2 a candidate with votes from a majority becomes leader; §8: it commits a blank no-op entry at the start of its term. */
  becomeLeader(): void {
    assert(this.role === 'candidate', `raft: only a candidate becomes leader, ${this.id} is ${this.role}`);
    assert(this.votedFor === this.id, 'raft: a leader voted for itself');
    this.role = 'leader';
    this.leaderId = this.id;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.progress.clear();
    for (const peer of this.peers) this.progress.set(peer, newProgress(this.log.lastIndex));
    this.observeRole();
    // Every write this leader stamps must beat every entry already in its log (kv/store.ts).
    catchUpOnLog(this);
    this.appendLocal(null);
    broadcastAppend(this);
  }

  /** What a leader drops when it stops leading: reads in flight fail (they took no effect). */
  private stepDownCleanup(): void {
    this.progress.clear();
    for (const read of this.reads.drain()) this.reply(read.request, { type: 'fail', reason: 'not-leader' });
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.prng.int(this.ticks.electionTimeoutTicksMin, this.ticks.electionTimeoutTicksMax);
  }

  // ---- helpers shared by the handlers ---------------------------------------------------------

  /** Leader: append a command (null = no-op) at the end of its own log and persist it (Figure 2, "Leader Append-Only"). */
  appendLocal(command: RaftNodeCommand): LogIndex {
    assert(this.role === 'leader', 'raft: only the leader appends client entries');
    const entry = { index: logIndex(this.log.lastIndex + 1), term: this.currentTerm, command };
    this.log.append(entry, true);
    this.persist({ kind: 'append', entries: [entry] });
    // A one-node cluster commits on its own append.
    if (this.replicas.length === 1) maybeCommitSolo(this);
    return entry.index;
  }

  /** Takes a snapshot of the applied state and drops the log prefix it covers (§7). */
  takeSnapshot(): void {
    const index = this.lastApplied;
    const indexTerm = this.log.termAt(index);
    assert(indexTerm !== null, `raft: no term for applied index ${index}`);
    const snapshot: RaftSnapshot = { index, term: indexTerm, state: this.store.snapshot() };
    this.log.compactTo(index, indexTerm);
    this.snapshot = snapshot;
    this.persist({ kind: 'snapshot', snapshot });
    this.observe({ kind: 'snapshot', index });
  }

  /** §7: a follower's state machine replaced by a leader's snapshot. */
  installStateMachine(snapshot: RaftSnapshot): void {
    this.snapshot = copyRaftSnapshot(snapshot);
    this.store = KvStore.fromSnapshot(this.snapshot.state);
    this.commitIndex = snapshot.index;
    this.lastApplied = snapshot.index;
    // Requests waiting on entries the snapshot covers can no longer learn their result here.
    for (const index of [...this.pendingWrites.keys()]) if (index <= snapshot.index) this.pendingWrites.delete(index);
  }

  /**
   * False when an unsafe switch is on that can break Raft's safety properties on purpose; the
   * assertions that guard them then give way, so the anomaly happens and the checkers catch it.
   */
  get safetyAssumed(): boolean {
    return !(this.unsafe.has('commitPriorTermByCount') || this.unsafe.has('voteWithoutLogCheck') || this.unsafe.has('replyBeforePersist'));
  }

  persistHardState(): void {
    this.persist({ kind: 'hard-state', term: this.currentTerm, votedFor: this.votedFor });
  }

  persist(record: RaftPersistRecord): void {
    this.persistQueue.push(record);
  }

  send(to: NodeId, message: RaftMessage): void {
    assert(to !== this.id, 'raft: a node does not message itself');
    this.messageQueue.push({ to, message });
  }

  reply(request: ClientRequest, result: KvResult): void {
    const appliedHere = request.command.f !== 'read' && this.store.appliedResult(request.clientId, request.sequence) !== null;
    const index = sessionPosition(request, result, { applied: this.lastApplied, last: this.log.lastIndex, appliedHere });
    this.replyQueue.push(replyWithSession({ requestId: request.requestId, clientId: request.clientId, result, leaderHint: this.leaderId }, index));
  }

  observe(event: ObservedEvent): void {
    this.logFacts.flushInto(this.eventQueue);
    this.eventQueue.push(event);
  }

  ignore(message: RaftMessage, from: NodeId, reason: IgnoreReason): void {
    this.observe({ kind: 'ignored', message: message.kind, from, reason });
  }

  observeRole(): void {
    this.observe({ kind: 'role', role: this.role, term: this.currentTerm, leader: this.leaderId });
  }

  /** Called when a follower learns who leads its term, so the trace shows the leader it believes in. */
  learnLeader(leader: NodeId): void {
    if (this.leaderId === leader) return;
    this.leaderId = leader;
    this.observeRole();
  }

  // ---- outputs and observation -----------------------------------------------------------------

  ready(): Ready<RaftMessage, RaftPersistRecord> {
    this.logFacts.flushInto(this.eventQueue, this.lastApplied);
    const batch = { persist: this.persistQueue, messages: this.messageQueue, replies: this.replyQueue, events: this.eventQueue };
    this.persistQueue = [];
    this.messageQueue = [];
    this.replyQueue = [];
    this.eventQueue = [];
    return batch;
  }

  /** True when ready() would return something. */
  hasReady(): boolean {
    return this.persistQueue.length + this.messageQueue.length + this.replyQueue.length + this.eventQueue.length > 0;
  }

  view(): ReplicaView {
    return {
      id: this.id,
      role: this.role,
      term: this.currentTerm,
      leader: this.leaderId,
      commitIndex: this.commitIndex,
      appliedIndex: this.lastApplied,
      lastIndex: this.log.lastIndex,
      snapshotIndex: this.log.snapshotIndex,
      logEntryCount: this.log.entryCount,
    };
  }

  /** The local view: applied state with the pending local writes over it (ARCHITECTURE §5, AP). */
  keyValues(): ReadonlyMap<string, string> {
    this.localWrites.settle(this.store);
    return this.localWrites.keyValues(this.store);
  }

  checkInvariants(): string[] {
    const broken = checkNodeInvariants(this, this.checked);
    this.checked = { term: this.currentTerm, commitIndex: this.commitIndex, logCheckedThrough: this.log.lastIndex, truncationCount: this.log.truncationCount };
    return broken;
  }
}

export type RaftNodeCommand = RaftEntry['command'];

/** A deep copy of a snapshot (timestamps included), so a replica never shares state with a disk or a message. */
function copyRaftSnapshot(snapshot: RaftSnapshot): RaftSnapshot {
  return { index: snapshot.index, term: snapshot.term, state: copyKvSnapshot(snapshot.state) };
}

/** One-node cluster: the leader alone is a majority, so its own append commits (§5.3). */
function maybeCommitSolo(node: RaftNode): void {
  commitTo(node, node.log.lastIndex);
}
