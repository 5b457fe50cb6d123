import { Worker } from 'node:worker_threads';
import { assert } from '../../src/base/assert';
import { type NodeId, nodeIds, type RequestId, requestId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import type { LabHistoryVerdict } from '../../src/checker/labHistory';
import type { Experiment } from '../../src/experiment/schema';
import type { RecordedOperation } from '../../src/history/recorder';
import type { TraceEvent } from '../../src/history/trace';
import { NodeClock } from '../../src/network/clock';
import { type LinkFaults, linkFaultsDefault } from '../../src/network/network';
import type { ObservedEvent, ProtocolDefinition, ReplicaView, SafetyFacts } from '../../src/protocol/replica';
import { RunCore, type RunResult } from '../../src/run/core';
import type { TraceHasher } from '../../src/run/digest';
import type { RunHost } from '../../src/run/host';
import { observedTraceEvent } from '../../src/run/observed';
import { ClusterSafety } from '../../src/run/safety';
import { clockSetting, diskImageSchema, type FromReplicaWorkerParsed, parseFromReplica, type ProtocolRecord, type ReplicaWorkerData, type ToReplicaWorker } from '../../src/contract/worker';
import { nativeTraceHasher } from '../../workers/runOptions';
import { Bus } from './bus';
import { LiveClusterCheck } from './clusterCheck';
import { LabClock } from './labClock';
import { workerEntry } from './workerEntry';
import { WorkerWatchdog, workerAnswerWallMsDefault } from './workerWatchdog';

export interface ThreadsRunOptions {
  /** SHA-256 of the trace lines (default: Node's native one). */
  readonly hasher?: TraceHasher;
  readonly trace?: (event: TraceEvent) => void;
  /** The end-of-run linearizability check (e.g. `CheckerPool.checkLabHistory`); none: 0 failed keys. */
  readonly linearizability?: (operations: readonly RecordedOperation[]) => Promise<LabHistoryVerdict>;
  /** Lab ms per wall ms (default: the experiment's `speed`, or 1 when it is `max`). */
  readonly timeScale?: number;
  /** Per-replica invariants after every input, in the workers (default on). */
  readonly checkInvariants?: boolean;
  /** Tests and benchmarks only: a module whose `protocol` export the workers host instead. */
  readonly protocolModule?: string;
  readonly metricsWindowMs?: number;
  /** Lab ms between two runs of the protocol's cluster-wide checker over images of every replica (default 250); it also runs once at the end. */
  readonly clusterCheckEveryMs?: number;
  /** Wall ms a worker may go without answering before it is unresponsive and stopped (default 5000); no wait on a worker is longer. */
  readonly workerAnswerWallMsMax?: number;
}

/** One replica as the main process sees it: its worker, its disk, its clock. */
interface NodeSlot {
  readonly id: NodeId;
  worker: Worker | null;
  /** Bumped when the worker goes away, so its late messages are ignored. */
  incarnation: number;
  /** The node's durable state: what a restart hands the new worker. */
  disk: unknown;
  /** Persist records written but not yet durable (fsyncMs > 0), in order; lost on a crash with amnesia. */
  pendingPersist: Array<{ readonly records: readonly ProtocolRecord[]; readonly durableAtUs: number }>;
  diskBusyUntilUs: number;
  readonly clock: NodeClock;
  paused: boolean;
  view: ReplicaView | null;
  /** Why the worker died, when it did so on its own. */
  diedOf: string | null;
  /** Resolves the pending `inspect` answer. */
  inspected: ((keyValues: ReadonlyMap<string, string>) => void) | null;
  /** Resolves the pending `facts` answer (null: the node went down first). */
  factsAnswered: ((facts: SafetyFacts | null) => void) | null;
}

const clusterCheckEveryMsDefault = 250;
/** Cluster checks run at most this often in wall time, whatever the time scale (each copies every replica). */
const clusterCheckEveryWallMsMin = 100;

/**
 * The live runtime (ARCHITECTURE §3): the run core over one worker
 * thread per replica and a bus in this process that applies the simulator's network model in real
 * time, with the replicas' disks kept here. The controls are the core's (`run.core`: crash,
 * restart, pause, partition, heal, network, consistency); this adds pausing the whole run and
 * changing the time scale. A worker that throws or exits is a crashed node with the reason; the
 * run goes on.
 */
export class ThreadsRun {
  readonly core: RunCore;
  readonly clock: LabClock;
  readonly bus: Bus;
  readonly ids: readonly NodeId[];
  private readonly slots: NodeSlot[];
  private readonly protocol: ProtocolDefinition<unknown, unknown, unknown, unknown>;
  private readonly safety: ClusterSafety;
  private readonly clusterCheck: LiveClusterCheck;
  private clusterCheckRunning: Promise<void> | null = null;
  /** The longest lab-time period between two cluster checks (a high time scale stretches it). */
  private clusterCheckEveryMsUsed = 0;
  private requestIdNext = 0;
  private state: 'new' | 'running' | 'finishing' | 'done' = 'new';
  private readonly watchdog: WorkerWatchdog;
  /** Nodes whose worker stopped answering and was stopped, in order. */
  private readonly unresponsive: NodeId[] = [];

  constructor(
    readonly experiment: Experiment,
    private readonly options: ThreadsRunOptions = {},
  ) {
    this.watchdog = new WorkerWatchdog(
      options.workerAnswerWallMsMax ?? workerAnswerWallMsDefault,
      (id) => this.post(this.slot(id), { kind: 'ping' }),
      (id) => this.workerUnresponsive(this.slot(id)),
    );
    this.clock = new LabClock(options.timeScale ?? (experiment.speed === 'max' ? 1 : experiment.speed));
    const clock = this.clock;
    let bus: Bus | undefined;
    this.core = new RunCore(experiment, { hasher: options.hasher ?? nativeTraceHasher(), ...(options.trace === undefined ? {} : { trace: options.trace }), ...(options.metricsWindowMs === undefined ? {} : { metricsWindowMs: options.metricsWindowMs }) }, (sink, choice) => {
      bus = new Bus({
        ids: nodeIds(experiment.nodes),
        clock,
        faults: this.experimentFaults(),
        networkPrng: prngStream(experiment.seed, 'network'),
        clientLatencyMs: experiment.network.clientLatencyMs,
        clientPrng: prngStream(experiment.seed, 'client-links'),
        messageKind: (message) => choice.protocol.messageKind(message),
        isHeartbeat: (message) => choice.protocol.isHeartbeat(message),
        onReply: sink.reply,
        trace: sink.trace,
      });
      return this.host(bus);
    });
    assert(bus !== undefined, 'the core builds its host');
    this.bus = bus;
    const core = this.core;
    this.ids = core.ids;
    this.protocol = core.choice.protocol;
    this.safety = new ClusterSafety(this.ids, {
      firstApply: core.sink.firstApply,
      broken: (node, problem, first) => {
        if (first) core.trace({ t: clock.nowUs(), kind: 'invariant', node, broken: problem });
      },
    });
    this.clusterCheck = new LiveClusterCheck();
    this.slots = this.ids.map((id) => ({ id, worker: null, incarnation: 0, disk: null, pendingPersist: [], diskBusyUntilUs: 0, clock: new NodeClock(), paused: false, view: null, diedOf: null, inspected: null, factsAnswered: null }));
  }

  /** The run core's view of this runtime: the lab clock, the bus, the workers. */
  private host(bus: Bus): RunHost {
    return {
      network: bus.network,
      nowUs: () => this.clock.nowUs(),
      at: (timeUs, action) => bus.at(timeUs, action),
      sendRequest: (to, request) => bus.request(to, request),
      nextRequestId: (): RequestId => requestId(++this.requestIdNext),
      crash: (id, amnesia) => this.crashNode(id, amnesia),
      restart: (id) => this.restartNode(id),
      pause: (id) => this.pauseNode(id),
      resume: (id) => this.resumeNode(id),
      setClock: (id, change) => this.setNodeClock(id, change),
      isUp: (id) => this.isUp(id),
      isPaused: (id) => this.isPaused(id),
      view: (id) => this.view(id),
    };
  }

  private experimentFaults(): LinkFaults {
    const network = this.experiment.network;
    return { ...linkFaultsDefault, latencyMs: network.latencyMs, dropProbability: network.drop, duplicateProbability: network.duplicate, reorderProbability: network.reorder };
  }

  // ---- Starting and running ------------------------------------------------------------------------

  /** Spawns the workers, waits until each has started, then starts the lab clock, the faults and the clients. */
  async start(): Promise<void> {
    assert(this.state === 'new', 'a run starts once');
    this.state = 'running';
    this.watchdog.start();
    await Promise.all(this.slots.map((slot) => this.spawn(slot)));
    this.clock.setRunning(true);
    this.broadcastTime();
    this.core.start();
    this.scheduleClusterCheck();
  }

  /** Runs the experiment for its duration (lab time), then finishes it. */
  async run(): Promise<RunResult> {
    if (this.state === 'new') await this.start();
    await this.untilLabUs(this.experiment.durationMs * 1000);
    return this.finish();
  }

  get nowMs(): number {
    return this.clock.nowUs() / 1000;
  }

  /** Resolves when lab time reaches `labUs`. */
  untilLabUs(labUs: number): Promise<void> {
    return new Promise((resolve) => this.bus.at(labUs, resolve));
  }

  /** Stops the clients, lets the cluster settle, stops the workers and computes the summary. */
  async finish(): Promise<RunResult> {
    assert(this.state === 'running', 'finish a running run, once');
    this.state = 'finishing';
    const core = this.core;
    core.stopClients();
    await this.untilLabUs(this.clock.nowUs() + core.settleUs);
    core.closeHistory();
    this.safety.feed(true);
    await this.clusterCheckRunning;
    await this.checkCluster();
    const endUs = this.clock.nowUs();
    const stores = await Promise.all(this.slots.map((slot) => this.inspect(slot)));
    this.bus.stop();
    this.clock.setRunning(false);
    await this.terminateAll();
    this.state = 'done';
    const linearizability = this.options.linearizability === undefined ? null : await this.options.linearizability(core.recorder.operations());
    const stats = this.bus.stats;
    return core.finish({
      experiment: this.experiment,
      runtime: 'threads',
      endUs,
      halted: false,
      stores: this.slots.flatMap((slot, index) => {
        const keyValues = stores[index];
        return keyValues === null || keyValues === undefined || slot.view === null ? [] : [{ id: slot.id, appliedIndex: slot.view.appliedIndex, keyValues }];
      }),
      connected: (a, b) => !this.bus.network.isBlocked(a as NodeId, b as NodeId) && !this.bus.network.isBlocked(b as NodeId, a as NodeId),
      invariantsBroken: [...this.safety.invariantsBroken],
      messages: { sent: stats.sent, delivered: stats.delivered, dropped: stats.dropped, duplicated: stats.duplicated },
      linearizability,
      clusterInvariants: { checked: 'sampled', everyMs: this.clusterCheckEveryMsUsed, checkCount: this.clusterCheck.checkCount },
      ...(this.unresponsive.length === 0 ? {} : { workersUnresponsive: [...this.unresponsive] }),
    });
  }

  /** Ends the run at once (the app closed it): the workers stop, nothing is summarised. */
  async abort(): Promise<void> {
    this.state = 'done';
    this.core.stopClients();
    this.bus.stop();
    this.clock.setRunning(false);
    await this.terminateAll();
  }

  private async terminateAll(): Promise<void> {
    this.watchdog.stop();
    const workers = this.slots.map((slot) => slot.worker).filter((worker) => worker !== null);
    for (const slot of this.slots) {
      slot.incarnation++;
      slot.worker = null;
    }
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  // ---- Workers ---------------------------------------------------------------------------------------

  /** Starts a worker for the node, handed its disk; resolves when the replica has started. */
  private spawn(slot: NodeSlot): Promise<void> {
    assert(slot.worker === null, () => `${slot.id} already has a worker`);
    const nowUs = this.clock.nowUs();
    const data: ReplicaWorkerData = {
      role: 'replica',
      experiment: this.experiment,
      id: slot.id,
      disk: diskImageSchema.parse(slot.disk),
      incarnation: slot.incarnation,
      time: this.clock.time,
      clock: clockSetting(slot.clock, nowUs),
      paused: false,
      checkInvariants: this.options.checkInvariants ?? true,
      ...(this.options.protocolModule === undefined ? {} : { protocolModule: this.options.protocolModule }),
    };
    const entry = workerEntry('replica');
    const worker = new Worker(entry.filename, { execArgv: entry.execArgv, workerData: data });
    const incarnation = slot.incarnation;
    slot.worker = worker;
    slot.paused = false;
    slot.diedOf = null;
    this.watchdog.watch(slot.id);
    this.bus.attach(slot.id, { post: (batch) => worker.postMessage({ kind: 'inputs', batch } satisfies ToReplicaWorker) });
    return new Promise((resolve) => {
      let started = false;
      worker.on('message', (raw: unknown) => {
        if (slot.incarnation !== incarnation) return;
        let message: FromReplicaWorkerParsed;
        try {
          message = parseFromReplica(raw);
        } catch (error) {
          // A worker that breaks the contract is the lab's own bug: the node is crashed with the reason.
          this.workerDied(slot, (error as Error).message);
          void worker.terminate();
          return;
        }
        this.watchdog.heard(slot.id);
        if (!started) {
          started = true;
          resolve();
        }
        this.onWorkerMessage(slot, message);
      });
      const died = (reason: string) => {
        if (!started) resolve();
        started = true;
        if (slot.incarnation === incarnation) this.workerDied(slot, reason);
      };
      worker.on('error', (error: Error) => died(`worker threw: ${error.message}`));
      worker.on('exit', (code) => died(`worker exited with code ${code}`));
    });
  }

  private post(slot: NodeSlot, message: ToReplicaWorker): void {
    slot.worker?.postMessage(message);
  }

  private broadcastTime(): void {
    for (const slot of this.slots) this.post(slot, { kind: 'time', time: this.clock.time });
    this.bus.clockChanged();
  }

  private onWorkerMessage(slot: NodeSlot, message: FromReplicaWorkerParsed): void {
    if (message.kind === 'pong') return;
    if (message.kind === 'facts') {
      slot.factsAnswered?.(message.facts);
      slot.factsAnswered = null;
      return;
    }
    if (message.kind === 'state') {
      slot.view = message.view;
      slot.inspected?.(new Map(message.keyValues));
      slot.inspected = null;
      return;
    }
    slot.view = message.view;
    for (const event of message.events) this.observe(slot, event);
    for (const problem of message.invariantsBroken) this.safety.replicaBroken(slot.id, problem);
    const releaseUs = this.write(slot, message.persist);
    if (releaseUs === null) {
      this.bus.send(slot.id, message.to, message.messages);
      this.bus.reply(message.replies);
      return;
    }
    const incarnation = slot.incarnation;
    // Host rule (ARCHITECTURE §2): the batch leaves once its records are durable, unless the node crashed first.
    this.bus.at(releaseUs, () => {
      if (slot.incarnation !== incarnation) return;
      this.bus.send(slot.id, message.to, message.messages);
      this.bus.reply(message.replies);
    });
  }

  /** Makes persist records durable; returns when the batch may leave (null: now). */
  private write(slot: NodeSlot, records: readonly ProtocolRecord[]): number | null {
    const fsyncUs = Math.round(this.experiment.fsyncMs * 1000);
    const nowUs = this.clock.nowUs();
    if (records.length > 0 && fsyncUs === 0) slot.disk = this.protocol.applyPersist(slot.disk, records);
    if (records.length > 0 && fsyncUs > 0) {
      const durableAtUs = Math.max(nowUs, slot.diskBusyUntilUs) + fsyncUs;
      slot.diskBusyUntilUs = durableAtUs;
      slot.pendingPersist.push({ records, durableAtUs });
      const incarnation = slot.incarnation;
      this.bus.at(durableAtUs, () => {
        const head = slot.pendingPersist[0];
        if (slot.incarnation !== incarnation || head === undefined) return;
        slot.pendingPersist.shift();
        slot.disk = this.protocol.applyPersist(slot.disk, head.records);
      });
    }
    if (this.experiment.unsafe.includes('replyBeforePersist') || slot.diskBusyUntilUs <= nowUs) return null;
    return slot.diskBusyUntilUs;
  }

  private observe(slot: NodeSlot, event: ObservedEvent): void {
    const traced = observedTraceEvent(this.clock.nowUs(), slot.id, event);
    if (traced !== null) this.core.trace(traced);
    this.safety.observe(slot.id, event);
  }

  /** A worker threw or exited on its own: the node is crashed, with the reason; the run goes on. */
  private workerDied(slot: NodeSlot, reason: string): void {
    this.core.trace({ t: this.clock.nowUs(), kind: 'node', node: slot.id, action: 'worker-died', detail: reason });
    const worker = slot.worker;
    this.down(slot, false);
    slot.diedOf = reason;
    void worker?.terminate();
    this.core.noteFaultModel();
  }

  /** A worker that answered nothing for the watchdog's bound (it spins or hangs): stopped, and the node is down with the reason. */
  private workerUnresponsive(slot: NodeSlot): void {
    if (slot.worker === null) return;
    if (!this.unresponsive.includes(slot.id)) this.unresponsive.push(slot.id);
    this.workerDied(slot, `unresponsive: no answer in ${this.watchdog.answerWallMsMax} ms; its worker was stopped`);
  }

  /** The node's process is gone: its worker, its inbox, its pending outputs. */
  private down(slot: NodeSlot, amnesia: boolean): void {
    if (!amnesia) for (const pending of slot.pendingPersist) slot.disk = this.protocol.applyPersist(slot.disk, pending.records);
    slot.pendingPersist = [];
    slot.diskBusyUntilUs = this.clock.nowUs();
    slot.incarnation++;
    slot.worker = null;
    this.watchdog.forget(slot.id);
    slot.paused = false;
    slot.view = null;
    slot.inspected?.(new Map());
    slot.inspected = null;
    slot.factsAnswered?.(null);
    slot.factsAnswered = null;
    this.bus.detach(slot.id);
  }

  /** The replica's applied key-values, or null if it is down or does not answer in time. */
  private inspect(slot: NodeSlot): Promise<ReadonlyMap<string, string> | null> {
    if (slot.worker === null) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), this.watchdog.answerWallMsMax);
      slot.inspected = (keyValues) => {
        clearTimeout(timer);
        resolve(slot.worker === null ? null : keyValues);
      };
      this.post(slot, { kind: 'inspect' });
    });
  }

  // ---- Cluster-wide invariants -------------------------------------------------------------------------

  private get clusterCheckEveryMs(): number {
    return this.options.clusterCheckEveryMs ?? clusterCheckEveryMsDefault;
  }

  /** The next periodic cluster check, at least `clusterCheckEveryWallMsMin` of wall time away. */
  private scheduleClusterCheck(): void {
    const everyMs = Math.max(this.clusterCheckEveryMs, clusterCheckEveryWallMsMin * this.clock.scale);
    this.clusterCheckEveryMsUsed = Math.max(this.clusterCheckEveryMsUsed, everyMs);
    const everyUs = Math.round(everyMs * 1000);
    this.bus.at(this.clock.nowUs() + everyUs, () => {
      if (this.state !== 'running') return;
      if (this.clusterCheckRunning === null) {
        this.clusterCheckRunning = this.checkCluster().finally(() => {
          this.clusterCheckRunning = null;
        });
      }
      this.scheduleClusterCheck();
    });
  }

  /**
   * One run of the cluster-wide check over the safety facts of every replica that is up
   * (ARCHITECTURE §6: one leader per era, committed entries never differ); what it finds broken
   * joins the run's broken invariants.
   */
  private async checkCluster(): Promise<void> {
    const facts = await Promise.all(this.slots.map((slot) => this.facts(slot)));
    const answered = facts.filter((fact) => fact !== null);
    if (answered.length === 0) return;
    for (const problem of this.clusterCheck.check(answered)) this.safety.clusterBroken(problem);
  }

  /** The node's safety facts, or null if it is down or does not answer in time. */
  private facts(slot: NodeSlot): Promise<SafetyFacts | null> {
    if (slot.worker === null || slot.factsAnswered !== null) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        slot.factsAnswered = null;
        resolve(null);
      }, this.watchdog.answerWallMsMax);
      slot.factsAnswered = (facts) => {
        clearTimeout(timer);
        resolve(facts);
      };
      this.post(slot, { kind: 'facts' });
    });
  }

  // ---- The nodes, as the run core drives them ---------------------------------------------------------

  private slot(id: NodeId): NodeSlot {
    const slot = this.slots[this.bus.network.index(id)];
    assert(slot !== undefined, () => `unknown node ${id}`);
    return slot;
  }

  private crashNode(id: NodeId, amnesia: boolean): void {
    const slot = this.slot(id);
    const worker = slot.worker;
    if (worker === null) return;
    this.down(slot, amnesia);
    void worker.terminate();
    this.core.trace({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'crash', ...(amnesia ? { detail: 'amnesia' } : {}) });
  }

  private restartNode(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.worker !== null || this.state !== 'running') return;
    this.core.trace({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'restart' });
    void this.spawn(slot);
  }

  private pauseNode(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.worker === null || slot.paused) return;
    slot.paused = true;
    this.bus.pause(id);
    this.post(slot, { kind: 'pause' });
    this.core.trace({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'pause' });
  }

  private resumeNode(id: NodeId): void {
    const slot = this.slot(id);
    if (!slot.paused) return;
    slot.paused = false;
    this.core.trace({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'resume' });
    this.post(slot, { kind: 'resume' });
    this.bus.resume(id);
  }

  /** Sets the node's clock drift (ppm) and/or jumps it (ms); its ticks follow. */
  private setNodeClock(id: NodeId, change: { readonly driftPpm?: number; readonly offsetMs?: number }): void {
    const nowUs = this.clock.nowUs();
    const slot = this.slot(id);
    if (change.driftPpm !== undefined) slot.clock.setDrift(nowUs, change.driftPpm);
    if (change.offsetMs !== undefined && change.offsetMs !== 0) slot.clock.shift(nowUs, Math.round(change.offsetMs * 1000));
    this.post(slot, { kind: 'clock', clock: clockSetting(slot.clock, nowUs) });
    this.core.trace({ t: nowUs, kind: 'fault', fault: 'clock', detail: `${id} ${JSON.stringify(change)}` });
  }

  // ---- The whole run -----------------------------------------------------------------------------------

  /** Pauses the whole run: lab time stands still, no ticks, messages hold where they are. */
  pauseRun(): void {
    if (!this.clock.running || this.state !== 'running') return;
    this.clock.setRunning(false);
    this.broadcastTime();
  }

  resumeRun(): void {
    if (this.clock.running || this.state !== 'running') return;
    this.clock.setRunning(true);
    this.broadcastTime();
  }

  get runPaused(): boolean {
    return !this.clock.running;
  }

  /** Lab ms per wall ms from now on (0.1 … 100). */
  setTimeScale(scale: number): void {
    this.clock.setScale(scale);
    this.broadcastTime();
  }

  // ---- Observation -----------------------------------------------------------------------------------

  isUp(id: NodeId): boolean {
    return this.slot(id).worker !== null;
  }

  isPaused(id: NodeId): boolean {
    return this.slot(id).paused;
  }

  /** The last state the replica reported (null: down). */
  view(id: NodeId): ReplicaView | null {
    const slot = this.slot(id);
    return slot.worker === null ? null : slot.view;
  }

  /** The last state each replica reported (null: down). */
  views(): Array<ReplicaView | null> {
    return this.ids.map((id) => this.view(id));
  }

  /** Why the node's worker died, if it died on its own. */
  diedOf(id: NodeId): string | null {
    return this.slot(id).diedOf;
  }

  /** The node's clock drift (ppm), as the simulator's `clockDriftPpm`. */
  clockDriftPpm(id: NodeId): number {
    return this.slot(id).clock.driftPpm;
  }

  disk(id: NodeId): unknown {
    return this.slot(id).disk;
  }

  get invariantsBroken(): readonly string[] {
    return this.safety.invariantsBroken;
  }
}
