import { assert, assertNever } from '../base/assert';
import { type NodeId, type RequestId, clientId, nodeIds, requestId } from '../base/ids';
import { limits } from '../base/limits';
import { type Prng, prngStream } from '../base/prng';
import { type ClientReply, type ClientRequest, type ConsistencyPolicy, type KvCommand, policyCp } from '../kv/command';
import { NodeClock } from '../network/clock';
import { type LatencySpec, sampleLatencyUs } from '../network/latency';
import { NetworkModel, linkFaultsDefault } from '../network/network';
import type { PartitionSpec } from '../network/partitions';
import type { ClusterChecker, ObservedEvent, ProtocolDefinition, Replica, ReplicaView, UnsafeSwitch } from '../protocol/replica';
import { leadersOf, reachesMajority } from '../run/leaders';
import { NetworkFaults, toLinkFaults } from '../run/networkFaults';
import { observedTraceEvent } from '../run/observed';
import { sendLine } from '../history/messageFields';
import { ClusterSafety } from '../run/safety';
import { EventQueue } from './queue';
import type { MessageStats, NetworkChange, SimClusterOptions } from './options';
import { SimEvent } from './simEvent';

/** A broken protocol invariant; the message names the seed that reproduces it. */
export class SimInvariantError extends Error {
  constructor(
    message: string,
    readonly seed: number,
    readonly timeUs: number,
  ) {
    super(message);
    this.name = 'SimInvariantError';
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- a cluster hosts one protocol whose message types it never looks into */
type AnyProtocol<Settings> = ProtocolDefinition<Settings, any, any, any>;
type AnyReplica = Replica<any, any>;
export type { MessageStats, NetworkChange, SimClusterOptions } from './options';

interface NodeSlot {
  readonly id: NodeId;
  readonly index: number;
  replica: AnyReplica | null;
  disk: unknown;
  incarnation: number;
  /** Bumped whenever the pending tick must be forgotten (crash, resume, clock change). */
  tickGeneration: number;
  paused: boolean;
  /** Messages that reached a paused node, delivered in order when it resumes. */
  inbox: SimEvent[];
  readonly clock: NodeClock;
  /** Local time (µs) of the next tick. */
  nextTickLocalUs: number;
  /** The disk is busy writing until this true time (µs); later batches wait behind it. */
  diskBusyUntilUs: number;
  /** Persist records written but not yet durable, in order (lost on a crash with amnesia). */
  pendingPersist: Array<{ readonly records: readonly unknown[]; readonly durableAtUs: number }>;
  readonly prng: Prng;
}

/**
 * The deterministic discrete-event simulator (ARCHITECTURE §3): virtual time in integer µs, events
 * ordered by (time, sequence), one Prng stream per component. It hosts one protocol's
 * replicas through the replica contract, carries their messages over the faulty network,
 * keeps their disks, and checks invariants after every step.
 */
export class SimCluster<Settings> {
  readonly ids: readonly NodeId[];
  readonly seed: number;
  readonly stats: MessageStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, bytes: 0, byKind: {} };
  readonly network: NetworkModel;
  /** State-machine and election safety over what the replicas report, and every broken invariant. */
  readonly safety: ClusterSafety;
  private readonly networkFaults: NetworkFaults;

  private readonly queue = new EventQueue<SimEvent>();
  private readonly slots: NodeSlot[];
  private readonly protocol: AnyProtocol<Settings>;
  private readonly clusterChecker: ClusterChecker<any, any>;
  private readonly unsafe: ReadonlySet<UnsafeSwitch>;
  private readonly tickUs: number;
  private readonly fsyncUs: number;
  private readonly clientLatency: LatencySpec;
  private readonly clientPrng: Prng;
  private readonly invariantMode: 'throw' | 'record';
  private readonly checking: boolean;
  /** The unsafe switch `replyBeforePersist`, looked up once: drain consults it after every input. */
  private readonly replyBeforePersist: boolean;
  private timeUs = 0;
  private messageIdNext = 0;
  private requestIdNext = 0;
  private submitSequenceNext = 0;
  private eventsProcessed = 0;
  private readonly replies = new Map<RequestId, ClientReply>();
  /** Requests made through `submit`, whose replies `reply(id)` returns. */
  private readonly submitted = new Set<RequestId>();
  /** Cache of `liveReplicas()`, cleared whenever a replica starts or crashes. */
  private live: AnyReplica[] | null = null;

  constructor(private readonly options: SimClusterOptions<Settings>) {
    assert(options.nodes >= limits.nodesMin && options.nodes <= limits.nodesMax, () => `nodes must be ${limits.nodesMin}..${limits.nodesMax}, got ${options.nodes}`);
    assert(options.tickMs >= limits.tickMsMin && options.tickMs <= limits.tickMsMax, () => `tickMs out of range: ${options.tickMs}`);
    this.protocol = options.protocol;
    this.seed = options.seed;
    this.ids = nodeIds(options.nodes);
    this.unsafe = new Set(options.unsafe ?? []);
    this.tickUs = Math.round(options.tickMs * 1000);
    this.fsyncUs = Math.round((options.fsyncMs ?? 0) * 1000);
    this.clientLatency = options.clientLatencyMs ?? { distribution: 'fixed', value: 0.5 };
    this.clientPrng = prngStream(options.seed, 'client-links');
    this.invariantMode = options.onInvariantBroken ?? (this.unsafe.size > 0 ? 'record' : 'throw');
    this.checking = options.checkInvariants ?? true;
    this.replyBeforePersist = this.unsafe.has('replyBeforePersist');
    this.network = new NetworkModel(this.ids, toLinkFaults(linkFaultsDefault, options.network ?? {}), prngStream(options.seed, 'network'));
    this.networkFaults = new NetworkFaults(this.network, this.ids, (event) => this.options.trace?.(event), () => this.timeUs);
    this.safety = new ClusterSafety(this.ids, {
      firstApply: (index, digest) => this.options.onFirstApply?.(index, digest),
      broken: (node, problem, first) => this.broken(node, problem, first),
    });
    this.clusterChecker = this.protocol.createClusterChecker();
    this.slots = this.ids.map((id, index) => ({
      id,
      index,
      replica: null,
      disk: null,
      incarnation: 0,
      tickGeneration: 0,
      paused: false,
      inbox: [],
      clock: new NodeClock(),
      nextTickLocalUs: 0,
      diskBusyUntilUs: 0,
      pendingPersist: [],
      prng: prngStream(options.seed, `node:${id}`),
    }));
    for (const slot of this.slots) this.startReplica(slot);
  }

  // ---- Time -------------------------------------------------------------------------------

  get nowUs(): number {
    return this.timeUs;
  }

  get nowMs(): number {
    return this.timeUs / 1000;
  }

  get eventCount(): number {
    return this.eventsProcessed;
  }

  /** Runs every event up to and including `untilUs`, then sets the clock there. */
  runUntilTime(untilUs: number): void {
    assert(untilUs >= this.timeUs, 'time does not run backwards');
    for (;;) {
      if (this.queue.peekTimeUs() > untilUs) break;
      this.step();
    }
    this.timeUs = untilUs;
  }

  runFor(ms: number): void {
    this.runUntilTime(this.timeUs + Math.round(ms * 1000));
  }

  /** Runs until the predicate holds (checked after every event) or the timeout passes. */
  runUntil(predicate: () => boolean, timeoutMs: number): boolean {
    const deadline = this.timeUs + Math.round(timeoutMs * 1000);
    if (predicate()) return true;
    for (;;) {
      if (this.queue.peekTimeUs() > deadline) break;
      this.step();
      if (predicate()) return true;
    }
    this.timeUs = deadline;
    return predicate();
  }

  /** Runs `action` at a future virtual time, in order with everything else (faults, clients). */
  at(timeUs: number, action: () => void): void {
    assert(timeUs >= this.timeUs, () => `cannot schedule in the past (${timeUs} < ${this.timeUs})`);
    this.queue.push(timeUs, SimEvent.call(action));
  }

  /** Processes the next event. */
  step(): void {
    const timeUs = this.queue.peekTimeUs();
    const event = this.queue.pop();
    assert(event !== undefined && timeUs >= this.timeUs, 'step on an empty queue, or events out of time order');
    if (this.queue.size >= limits.simEventsPendingMax) assert(false, `more than ${limits.simEventsPendingMax} pending events: runaway simulation (seed ${this.seed})`);
    this.timeUs = timeUs;
    this.eventsProcessed++;
    switch (event.kind) {
      case 'tick':
        this.onTick(event.node, event.generation);
        break;
      case 'deliver':
        this.onDeliver(event);
        break;
      case 'request':
        this.onRequest(event.node, event.request as ClientRequest);
        break;
      case 'reply': {
        const reply = event.reply as ClientReply;
        // Only submitted requests are looked up later; keeping every workload reply made the map grow for the whole run.
        if (this.submitted.has(reply.requestId)) this.replies.set(reply.requestId, reply);
        this.options.onReply?.(reply);
        break;
      }
      case 'release':
        this.onRelease(event);
        break;
      case 'durable':
        this.onDurable(event.node, event.generation);
        break;
      case 'call':
        (event.action as () => void)();
        break;
      default:
        assertNever(event.kind, 'simulator event');
    }
    SimEvent.recycle(event); // a no-op for an event a paused node's inbox holds
  }

  // ---- Replica hosting -----------------------------------------------------------------------

  private startReplica(slot: NodeSlot): void {
    const clock = slot.clock;
    this.live = null;
    slot.replica = this.protocol.create({
      id: slot.id,
      replicas: this.ids,
      settings: this.options.settings,
      tickMs: this.options.tickMs,
      prng: slot.prng,
      disk: slot.disk,
      incarnation: slot.incarnation,
      unsafe: this.unsafe,
      localClockUs: () => clock.localUs(this.timeUs),
    });
    slot.nextTickLocalUs = clock.localUs(this.timeUs) + this.tickUs;
    this.scheduleTick(slot);
    this.drain(slot);
  }

  private scheduleTick(slot: NodeSlot): void {
    const timeUs = Math.max(this.timeUs, slot.clock.trueUsAt(slot.nextTickLocalUs));
    this.queue.push(timeUs, SimEvent.tick(slot.index, slot.tickGeneration));
  }

  private onTick(index: number, generation: number): void {
    const slot = this.slots[index] as NodeSlot;
    if (slot.tickGeneration !== generation || slot.replica === null || slot.paused) return;
    slot.replica.tick();
    this.afterInput(slot);
    slot.nextTickLocalUs += this.tickUs;
    this.scheduleTick(slot);
  }

  private onDeliver(event: SimEvent): void {
    const slot = this.slots[event.node] as NodeSlot;
    const from = this.ids[event.from] as NodeId;
    const kind = this.protocol.messageKind(event.message);
    const heartbeat = this.protocol.isHeartbeat(event.message);
    if (slot.replica === null) return this.dropped(event.id, from, slot.id, kind, 'down', heartbeat);
    // A cut made while the message was in flight drops it too.
    if (this.network.isBlockedByIndex(event.from, event.node)) return this.dropped(event.id, from, slot.id, kind, 'partition', heartbeat);
    if (slot.paused) {
      event.held = true;
      return void slot.inbox.push(event);
    }
    this.stats.delivered++;
    this.options.trace?.(heartbeat ? { t: this.timeUs, kind: 'deliver', id: event.id, from, to: slot.id, message: kind, heartbeat } : { t: this.timeUs, kind: 'deliver', id: event.id, from, to: slot.id, message: kind });
    slot.replica.receive(from, event.message);
    this.afterInput(slot);
  }

  private dropped(id: number, from: NodeId, to: NodeId, message: string, reason: string, heartbeat: boolean): void {
    this.stats.dropped++;
    this.options.trace?.(heartbeat ? { t: this.timeUs, kind: 'drop', id, from, to, message, reason, heartbeat } : { t: this.timeUs, kind: 'drop', id, from, to, message, reason });
  }

  private onRequest(index: number, request: ClientRequest): void {
    const slot = this.slots[index] as NodeSlot;
    if (slot.replica === null) return; // a crashed node answers nothing; the client times out
    if (slot.paused) return void slot.inbox.push(Object.assign(SimEvent.request(index, request), { held: true }));
    slot.replica.request(request);
    this.afterInput(slot);
  }

  private afterInput(slot: NodeSlot): void {
    this.drain(slot);
    if (this.checking) this.checkInvariants(slot);
  }

  /**
   * Carries out one Ready batch. Host rule (ARCHITECTURE §2): persist records are durable before the
   * batch's messages and replies leave. The disk writes in order, so a batch also waits for the
   * writes of earlier batches. `replyBeforePersist` breaks the rule on purpose.
   */
  private drain(slot: NodeSlot): void {
    const replica = slot.replica;
    assert(replica !== null, 'drain of a crashed node');
    const ready = replica.ready();
    for (const event of ready.events) this.observe(slot, event);
    const persisting = ready.persist.length > 0;
    if (persisting) this.write(slot, ready.persist);
    if (ready.messages.length === 0 && ready.replies.length === 0) return;
    const releaseUs = this.replyBeforePersist ? this.timeUs : Math.max(this.timeUs, slot.diskBusyUntilUs);
    if (releaseUs === this.timeUs) {
      this.release(slot, ready.messages, ready.replies);
    } else {
      this.queue.push(releaseUs, SimEvent.release(slot.index, slot.incarnation, ready.messages, ready.replies));
    }
  }

  private write(slot: NodeSlot, records: readonly unknown[]): void {
    if (this.fsyncUs === 0) {
      slot.disk = this.protocol.applyPersist(slot.disk, records);
      return;
    }
    const durableAtUs = Math.max(this.timeUs, slot.diskBusyUntilUs) + this.fsyncUs;
    slot.diskBusyUntilUs = durableAtUs;
    slot.pendingPersist.push({ records, durableAtUs });
    this.queue.push(durableAtUs, SimEvent.durable(slot.index, slot.incarnation));
  }

  private onDurable(index: number, incarnation: number): void {
    const slot = this.slots[index] as NodeSlot;
    if (slot.incarnation !== incarnation) return; // settled when the node crashed
    const head = slot.pendingPersist[0];
    if (head === undefined || head.durableAtUs > this.timeUs) return;
    slot.pendingPersist.shift();
    slot.disk = this.protocol.applyPersist(slot.disk, head.records);
  }

  private onRelease(event: SimEvent): void {
    const slot = this.slots[event.node] as NodeSlot;
    if (slot.incarnation !== event.generation || slot.replica === null) return; // crashed before its disk caught up
    this.release(slot, event.messages ?? [], event.replies ?? []);
  }

  private release(slot: NodeSlot, messages: ReadonlyArray<{ to: NodeId; message: unknown }>, replies: readonly ClientReply[]): void {
    for (const { to, message } of messages) this.send(slot, to, message);
    for (const reply of replies) {
      const delayUs = sampleLatencyUs(this.clientLatency, this.clientPrng);
      this.queue.push(this.timeUs + delayUs, SimEvent.reply(reply));
    }
  }

  private send(slot: NodeSlot, to: NodeId, message: unknown): void {
    const id = this.messageIdNext++;
    const kind = this.protocol.messageKind(message);
    const stats = this.stats;
    stats.sent++;
    stats.bytes += this.protocol.messageSize(message);
    stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
    const heartbeat = this.protocol.isHeartbeat(message);
    this.options.trace?.(sendLine(this.timeUs, id, slot.id, to, kind, message, heartbeat));
    const network = this.network;
    const toIndex = network.index(to);
    const copies = network.decide(slot.index, toIndex, this.timeUs);
    if (copies === 0) return this.dropped(id, slot.id, to, kind, network.decidedDropReason ?? 'random', heartbeat);
    this.queue.push(this.timeUs + network.decidedDelayUs, SimEvent.deliver(slot.index, toIndex, message, id));
    if (copies === 2) {
      stats.duplicated++;
      this.queue.push(this.timeUs + network.decidedDuplicateDelayUs, SimEvent.deliver(slot.index, toIndex, message, id));
    }
  }

  private observe(slot: NodeSlot, event: ObservedEvent): void {
    const traced = observedTraceEvent(this.timeUs, slot.id, event);
    if (traced !== null) this.options.trace?.(traced);
    this.safety.observe(slot.id, event);
    this.options.onObserved?.(slot.id, event);
  }

  // ---- Invariants ------------------------------------------------------------------------------

  private checkInvariants(slot: NodeSlot): void {
    const replica = slot.replica;
    if (replica !== null) for (const problem of replica.checkInvariants()) this.safety.replicaBroken(slot.id, problem);
    for (const problem of this.clusterChecker.check(this.liveReplicas())) this.safety.clusterBroken(problem);
  }

  /** The replicas that are up, in node order; rebuilt only after a crash or a start. */
  private liveReplicas(): readonly AnyReplica[] {
    if (this.live === null) {
      const live: AnyReplica[] = [];
      for (const other of this.slots) if (other.replica !== null) live.push(other.replica);
      this.live = live;
    }
    return this.live;
  }

  /** Every invariant broken so far, each once (in `throw` mode the first one stops the run instead). */
  get invariantsBroken(): readonly string[] {
    return this.invariantMode === 'throw' ? [] : this.safety.invariantsBroken;
  }

  private broken(node: NodeId | null, problem: string, first: boolean): void {
    if (first) this.options.trace?.({ t: this.timeUs, kind: 'invariant', node, broken: problem });
    if (this.invariantMode === 'throw') {
      const text = node === null ? problem : `${node}: ${problem}`;
      throw new SimInvariantError(`invariant broken at ${(this.timeUs / 1000).toFixed(3)} ms (seed ${this.seed}): ${text}`, this.seed, this.timeUs);
    }
  }

  // ---- Faults -------------------------------------------------------------------------------------

  private slot(id: NodeId): NodeSlot {
    return this.slots[this.network.index(id)] as NodeSlot;
  }

  /**
   * Crashes a node: its process is gone, its messages in flight to it are lost. Writes not yet
   * durable reach the disk anyway (the OS had them), unless `amnesia` says the machine lost power.
   */
  crash(id: NodeId, options: { amnesia?: boolean } = {}): void {
    const slot = this.slot(id);
    if (slot.replica === null) return;
    if (options.amnesia !== true) {
      for (const pending of slot.pendingPersist) slot.disk = this.protocol.applyPersist(slot.disk, pending.records);
    }
    slot.pendingPersist = [];
    slot.diskBusyUntilUs = this.timeUs;
    slot.replica = null;
    this.live = null;
    slot.paused = false;
    slot.inbox = [];
    slot.incarnation++;
    slot.tickGeneration++;
    this.options.trace?.({ t: this.timeUs, kind: 'node', node: id, action: 'crash', ...(options.amnesia === true ? { detail: 'amnesia' } : {}) });
  }

  /** Starts a crashed node again from its durable state. */
  restart(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.replica !== null) return;
    this.options.trace?.({ t: this.timeUs, kind: 'node', node: id, action: 'restart' });
    this.startReplica(slot);
  }

  /** Freezes a node: no ticks, and what reaches it waits until it resumes. */
  pause(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.replica === null || slot.paused) return;
    slot.paused = true;
    this.options.trace?.({ t: this.timeUs, kind: 'node', node: id, action: 'pause' });
  }

  resume(id: NodeId): void {
    const slot = this.slot(id);
    if (!slot.paused) return;
    slot.paused = false;
    this.options.trace?.({ t: this.timeUs, kind: 'node', node: id, action: 'resume' });
    // Ticks missed while frozen are not replayed: a paused process simply did not run.
    slot.nextTickLocalUs = slot.clock.localUs(this.timeUs) + this.tickUs;
    slot.tickGeneration++; // retire the pending tick of the frozen period
    this.scheduleTick(slot);
    const waiting = slot.inbox;
    slot.inbox = [];
    for (const event of waiting) {
      event.held = false; // the queue has it again; recycled once it runs
      if (event.kind === 'deliver' || event.kind === 'request') this.queue.push(this.timeUs, event);
    }
  }

  disconnect(id: NodeId): void {
    this.network.setNodeCut(id, true);
    this.options.trace?.({ t: this.timeUs, kind: 'fault', fault: 'disconnect', detail: id });
  }

  connect(id: NodeId): void {
    this.network.setNodeCut(id, false);
    this.options.trace?.({ t: this.timeUs, kind: 'fault', fault: 'connect', detail: id });
  }

  /** Applies a partition shape (replacing any earlier one) and returns its description. */
  partition(spec: PartitionSpec): string {
    return this.networkFaults.partition(spec, this.leaders()[0] ?? null);
  }

  /** Ends partitions (network changes stay; see `setNetwork`). */
  heal(): void {
    this.networkFaults.healPartitions();
  }

  /** Back to the given network settings (the experiment's own): ends a network fault. */
  resetNetwork(change: NetworkChange): void {
    this.networkFaults.resetNetwork(change);
  }

  /** Ends partitions and every network change: the network is `change` (the experiment's) again, everywhere. */
  healNetwork(change: NetworkChange): void {
    this.networkFaults.heal(change);
  }

  /** Changes the faults of every link without faults of its own, or only of `scope.links` (see `NetworkFaults.setNetwork`). */
  setNetwork(change: NetworkChange, scope: { readonly links?: ReadonlyArray<readonly [NodeId, NodeId]>; readonly detail?: string } = {}): void {
    this.networkFaults.setNetwork(change, scope);
  }

  /** Sets a node's clock drift (ppm) and shifts it by offsetMs. Ticks follow the new rate. */
  setClock(id: NodeId, change: { driftPpm?: number; offsetMs?: number }): void {
    const slot = this.slot(id);
    if (change.driftPpm !== undefined) slot.clock.setDrift(this.timeUs, change.driftPpm);
    if (change.offsetMs !== undefined && change.offsetMs !== 0) {
      slot.clock.shift(this.timeUs, Math.round(change.offsetMs * 1000));
      // Ticks are driven by elapsed local time, not by the clock's reading: keep the cadence.
      slot.nextTickLocalUs += Math.round(change.offsetMs * 1000);
    }
    if (slot.replica !== null && !slot.paused) {
      slot.tickGeneration++;
      this.scheduleTick(slot);
    }
    this.options.trace?.({ t: this.timeUs, kind: 'fault', fault: 'clock', detail: `${id} ${JSON.stringify(change)}` });
  }

  // ---- Observation --------------------------------------------------------------------------------

  isUp(id: NodeId): boolean {
    return this.slot(id).replica !== null;
  }

  isPaused(id: NodeId): boolean {
    return this.slot(id).paused;
  }

  /** True when the node is not disconnected and reaches a majority (itself included) both ways. */
  isConnected(id: NodeId): boolean {
    return reachesMajority(this.ids, this.network, id);
  }

  replica(id: NodeId): AnyReplica | null {
    return this.slot(id).replica;
  }

  view(id: NodeId): ReplicaView | null {
    return this.slot(id).replica?.view() ?? null;
  }

  views(): Array<ReplicaView | null> {
    return this.ids.map((id) => this.view(id));
  }

  localClockMs(id: NodeId): number {
    return this.slot(id).clock.localUs(this.timeUs) / 1000;
  }

  clockDriftPpm(id: NodeId): number {
    return this.slot(id).clock.driftPpm;
  }

  /** Up, unpaused nodes that claim to lead and reach a majority, highest term first (src/run/leaders.ts). */
  leaders(): NodeId[] {
    return leadersOf(this);
  }

  /** The durable image of a node's disk (what a restart would get). */
  disk(id: NodeId): unknown {
    return this.slot(id).disk;
  }

  // ---- Clients ------------------------------------------------------------------------------------

  /** Sends a client request to a replica over the client link. */
  sendRequest(to: NodeId, request: ClientRequest): void {
    const delayUs = sampleLatencyUs(this.clientLatency, this.clientPrng);
    this.queue.push(this.timeUs + delayUs, SimEvent.request(this.network.index(to), request));
  }

  nextRequestId(): RequestId {
    return requestId(++this.requestIdNext);
  }

  /**
   * Like MIT's `Start()`: hands a command straight to a replica (no client link latency), from
   * a test client whose every call has a fresh sequence number. The reply lands in `reply(id)`.
   */
  submit(to: NodeId, command: KvCommand, policy: ConsistencyPolicy = policyCp): RequestId {
    const id = this.nextRequestId();
    const request: ClientRequest = { requestId: id, clientId: clientId(1_000_000), sequence: ++this.submitSequenceNext, command, policy };
    this.submitted.add(id);
    this.onRequest(this.network.index(to), request);
    return id;
  }

  /** The last reply to a request made through `submit` (the workload's replies go to `onReply`). */
  reply(id: RequestId): ClientReply | undefined {
    return this.replies.get(id);
  }

  /** The digest each node applied at `index` (within the retained window). */
  appliedAt(index: number): Map<NodeId, string> {
    return this.safety.appliedAt(index);
  }

  committedCount(index: number): number {
    return this.appliedAt(index).size;
  }
}
