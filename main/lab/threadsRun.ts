import { Worker } from 'node:worker_threads';
import { assert } from '../../src/base/assert';
import { type NodeId, type RequestId, nodeIds, requestId } from '../../src/base/ids';
import { type Prng, prngStream } from '../../src/base/prng';
import type { LabHistoryVerdict } from '../../src/checker/labHistory';
import { ViolationOracle } from '../../src/checker/oracle';
import { applyFault, type FaultControls, type NetworkChange, linkDirections, networkChangeDetail } from '../../src/experiment/faults';
import { Nemesis } from '../../src/experiment/nemesis';
import { beyondFaultModel, chooseProtocol, unavailableNodes } from '../../src/experiment/protocols';
import { type RunResult, type TraceHasher, TraceDigest, consistencyPolicy, recordingListener, settleMs } from '../../src/experiment/run';
import type { Consistency, Experiment } from '../../src/experiment/schema';
import { endOfRunLine, outcomeCounts, summarizeRun } from '../../src/experiment/summarize';
import type { RunSummary } from '../../src/experiment/summary';
import { resolveTarget } from '../../src/experiment/targets';
import { HistoryRecorder, type RecordedOperation } from '../../src/history/recorder';
import { type TraceEvent, traceFormat } from '../../src/history/trace';
import type { ConsistencyPolicy } from '../../src/kv/command';
import { MetricsCollector } from '../../src/metrics/collector';
import { windowMsDefault } from '../../src/metrics/series';
import { NodeClock } from '../../src/network/clock';
import { type LinkFaults, linkFaultsDefault } from '../../src/network/network';
import { type PartitionSpec, partitionLinks } from '../../src/network/partitions';
import type { ObservedEvent, ProtocolDefinition, ReplicaView } from '../../src/protocol/replica';
import { Workload } from '../../src/workload/clients';
import type { ClockSetting, FromReplicaWorker, ReplicaWorkerData, ToReplicaWorker } from '../../workers/replica.worker';
import { nativeTraceHasher } from '../../workers/runOptions';
import { Bus } from './bus';
import { LiveClusterCheck } from './clusterCheck';
import { LabClock } from './labClock';
import { LiveSafety } from './safety';
import { workerEntry } from './workerEntry';

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
  pendingPersist: Array<{ readonly records: readonly unknown[]; readonly durableAtUs: number }>;
  diskBusyUntilUs: number;
  readonly clock: NodeClock;
  paused: boolean;
  view: ReplicaView | null;
  /** Why the worker died, when it did so on its own. */
  diedOf: string | null;
  /** Resolves the pending `inspect` answer. */
  inspected: ((keyValues: ReadonlyMap<string, string>) => void) | null;
  /** Resolves the pending `image` answer (null: the node went down first). */
  imaged: ((image: unknown) => void) | null;
}

/** Wall ms to wait for a worker's answer before treating it as gone. */
const inspectWallMsMax = 5_000;
const clusterCheckEveryMsDefault = 250;
/** Cluster checks run at most this often in wall time, whatever the time scale (each copies every replica). */
const clusterCheckEveryWallMsMin = 100;

/**
 * The live runtime (DESIGN §3): one worker thread per replica, a bus in this process applying
 * the simulator's network and fault model in real time, the replicas' disks kept here, and the
 * same clients, history, oracle, metrics and summary as the simulator's `RunController`. Its
 * controls are the controller's (crash, restart, pause, partition, heal, network, consistency)
 * plus pausing the whole run and changing the time scale. A worker that throws or exits is a
 * crashed node with the reason; the run goes on.
 */
export class ThreadsRun implements FaultControls {
  readonly clock: LabClock;
  readonly bus: Bus;
  readonly recorder: HistoryRecorder;
  readonly oracle = new ViolationOracle();
  readonly metrics: MetricsCollector;
  readonly ids: readonly NodeId[];
  private readonly slots: NodeSlot[];
  private readonly protocol: ProtocolDefinition<unknown, unknown, unknown, unknown>;
  private readonly safety: LiveSafety;
  private readonly clusterCheck: LiveClusterCheck;
  private clusterCheckRunning: Promise<void> | null = null;
  /** The longest lab-time period between two cluster checks (a high time scale stretches it). */
  private clusterCheckEveryMsUsed = 0;
  private readonly workload: Workload;
  private readonly faultPrng: Prng;
  private readonly digest: TraceDigest;
  private policy: ConsistencyPolicy;
  private readonly failoverMs: number;
  private readonly clockDriftBoundPpm: number;
  private faultModelExceeded = false;
  private requestIdNext = 0;
  private state: 'new' | 'running' | 'finishing' | 'done' = 'new';

  constructor(
    readonly experiment: Experiment,
    private readonly options: ThreadsRunOptions = {},
  ) {
    this.digest = new TraceDigest(options.hasher ?? nativeTraceHasher());
    this.metrics = new MetricsCollector(options.metricsWindowMs ?? windowMsDefault);
    const choice = chooseProtocol(experiment);
    this.protocol = choice.protocol;
    this.failoverMs = choice.failoverMs;
    this.clockDriftBoundPpm = choice.clockDriftBoundPpm;
    this.policy = consistencyPolicy(experiment.consistency);
    this.faultPrng = prngStream(experiment.seed, 'faults');
    this.ids = nodeIds(experiment.nodes);
    this.clock = new LabClock(options.timeScale ?? (experiment.speed === 'max' ? 1 : experiment.speed));
    const trace = (event: TraceEvent) => this.traceEvent(event);
    this.traceEvent({ t: 0, kind: 'header', format: traceFormat, experiment: experiment.name, protocol: experiment.protocol, seed: experiment.seed, nodes: [...this.ids] });
    this.bus = new Bus({
      ids: this.ids,
      clock: this.clock,
      faults: this.experimentFaults(),
      networkPrng: prngStream(experiment.seed, 'network'),
      clientLatencyMs: experiment.network.clientLatencyMs,
      clientPrng: prngStream(experiment.seed, 'client-links'),
      messageKind: (message) => this.protocol.messageKind(message),
      onReply: (reply) => this.workload.onReply(reply),
      trace,
    });
    this.safety = new LiveSafety(
      (_index, digest) => this.oracle.applied(digest),
      (node, problem) => this.traceEvent({ t: this.clock.nowUs(), kind: 'invariant', node, broken: problem }),
    );
    this.clusterCheck = new LiveClusterCheck(this.protocol, {
      id: this.ids[0] as NodeId,
      replicas: this.ids,
      settings: choice.settings,
      tickMs: experiment.tickMs,
      prng: prngStream(experiment.seed, 'cluster-check-sample'),
      disk: null,
      incarnation: 0,
      unsafe: new Set(experiment.unsafe),
      localClockUs: () => 0,
    });
    this.slots = this.ids.map((id) => ({ id, worker: null, incarnation: 0, disk: null, pendingPersist: [], diskBusyUntilUs: 0, clock: new NodeClock(), paused: false, view: null, diedOf: null, inspected: null, imaged: null }));
    const clock = this.clock;
    this.recorder = new HistoryRecorder(() => clock.nowUs(), trace);
    this.workload = new Workload(
      experiment.workload,
      this.ids,
      {
        nowUs: () => clock.nowUs(),
        at: (timeUs, action) => this.bus.at(timeUs, action),
        send: (to, request) => this.bus.request(to, request),
        nextRequestId: (): RequestId => requestId(++this.requestIdNext),
        replicasConnected: (from, to) => !this.bus.network.isBlocked(from, to) && !this.bus.network.isBlocked(to, from),
        policy: () => this.policy,
      },
      recordingListener(this.recorder, this.oracle, () => clock.nowUs()),
      prngStream(experiment.seed, 'workload'),
    );
  }

  private experimentFaults(): LinkFaults {
    const network = this.experiment.network;
    return { ...linkFaultsDefault, latencyMs: network.latencyMs, dropProbability: network.drop, duplicateProbability: network.duplicate, reorderProbability: network.reorder };
  }

  private traceEvent(event: TraceEvent): void {
    this.digest.add(event);
    this.metrics.observe(event);
    this.options.trace?.(event);
  }

  // ---- Starting and running ------------------------------------------------------------------------

  /** Spawns the workers, waits until each has started, then starts the lab clock, the faults and the clients. */
  async start(): Promise<void> {
    assert(this.state === 'new', 'a run starts once');
    this.state = 'running';
    await Promise.all(this.slots.map((slot) => this.spawn(slot)));
    this.clock.setRunning(true);
    this.broadcastTime();
    for (const fault of this.experiment.faults) this.bus.at(Math.round(fault.atMs * 1000), () => applyFault(this, fault));
    if (this.experiment.nemesis !== undefined) this.startNemesis();
    this.workload.start();
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

  get consistency(): ConsistencyPolicy {
    return this.policy;
  }

  /** Resolves when lab time reaches `labUs`. */
  untilLabUs(labUs: number): Promise<void> {
    return new Promise((resolve) => this.bus.at(labUs, resolve));
  }

  /** Stops the clients, lets the cluster settle, stops the workers and computes the summary. */
  async finish(): Promise<RunResult> {
    assert(this.state === 'running', 'finish a running run, once');
    this.state = 'finishing';
    this.workload.stop();
    await this.untilLabUs(this.clock.nowUs() + Math.round(settleMs(this.experiment, this.failoverMs) * 1000));
    this.recorder.closeOpen();
    this.safety.feed(true);
    await this.clusterCheckRunning;
    await this.checkCluster();
    const endUs = this.clock.nowUs();
    const stores = await Promise.all(this.slots.map((slot) => this.inspect(slot)));
    this.bus.stop();
    this.clock.setRunning(false);
    await this.terminateAll();
    this.state = 'done';
    const operations = this.recorder.operations();
    const violations = this.oracle.violations(operations);
    const divergentKeys = divergent(stores.filter((store) => store !== null));
    const verdict = this.options.linearizability === undefined ? null : await this.options.linearizability(operations);
    const linearizability = verdict ?? { failedKeys: 0, unknownKeys: 0 };
    const invariantsBroken = [...this.safety.invariantsBroken];
    this.traceEvent({ t: endUs, kind: 'end', summary: endOfRunLine(outcomeCounts(operations), violations.length, invariantsBroken.length) });
    const stats = this.bus.stats;
    const summary: RunSummary = {
      ...summarizeRun({
        experiment: this.experiment,
        runtime: 'threads',
        operations,
        violations,
        divergentKeys,
        linearizability,
        invariantsBroken,
        faultModelExceeded: this.faultModelExceeded,
        traceSha256: this.digest.digest(),
        messages: { sent: stats.sent, delivered: stats.delivered, dropped: stats.dropped, duplicated: stats.duplicated },
      }),
      clusterInvariants: { checked: 'sampled', everyMs: this.clusterCheckEveryMsUsed, checkCount: this.clusterCheck.checkCount },
    };
    const recorder = this.recorder;
    const metrics = this.metrics.finish(endUs, violations, (id) => {
      const operation = recorder.operation(id);
      return operation === undefined ? null : (operation.return ?? operation.call);
    });
    return { summary, operations, violations, divergentKeys, metrics, linearizability: verdict };
  }

  /** Ends the run at once (the app closed it): the workers stop, nothing is summarised. */
  async abort(): Promise<void> {
    this.state = 'done';
    this.workload.stop();
    this.bus.stop();
    this.clock.setRunning(false);
    await this.terminateAll();
  }

  private async terminateAll(): Promise<void> {
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
      disk: slot.disk,
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
    this.bus.attach(slot.id, { post: (batch) => worker.postMessage({ kind: 'inputs', batch } satisfies ToReplicaWorker) });
    return new Promise((resolve) => {
      let started = false;
      worker.on('message', (message: FromReplicaWorker) => {
        if (slot.incarnation !== incarnation) return;
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

  private onWorkerMessage(slot: NodeSlot, message: FromReplicaWorker): void {
    if (message.kind === 'image') {
      slot.imaged?.(message.image);
      slot.imaged = null;
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
    // Host rule (DESIGN §2): the batch leaves once its records are durable, unless the node crashed first.
    this.bus.at(releaseUs, () => {
      if (slot.incarnation !== incarnation) return;
      this.bus.send(slot.id, message.to, message.messages);
      this.bus.reply(message.replies);
    });
  }

  /** Makes persist records durable; returns when the batch may leave (null: now). */
  private write(slot: NodeSlot, records: readonly unknown[]): number | null {
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
    const t = this.clock.nowUs();
    switch (event.kind) {
      case 'role':
        this.traceEvent({ t, kind: 'role', node: slot.id, role: event.role, term: event.term, leader: event.leader });
        break;
      case 'commit':
        this.traceEvent({ t, kind: 'commit', node: slot.id, commitIndex: event.commitIndex });
        break;
      case 'snapshot':
        this.traceEvent({ t, kind: 'snapshot', node: slot.id, index: event.index });
        break;
      case 'ignored':
        this.traceEvent({ t, kind: 'ignored', node: slot.id, from: event.from, message: event.message, reason: event.reason });
        break;
      case 'apply':
        break;
    }
    this.safety.observe(slot.id, event);
  }

  /** A worker threw or exited on its own: the node is crashed, with the reason; the run goes on. */
  private workerDied(slot: NodeSlot, reason: string): void {
    this.traceEvent({ t: this.clock.nowUs(), kind: 'node', node: slot.id, action: 'worker-died', detail: reason });
    const worker = slot.worker;
    this.down(slot, false);
    slot.diedOf = reason;
    void worker?.terminate();
    this.noteFaultModel();
  }

  /** The node's process is gone: its worker, its inbox, its pending outputs. */
  private down(slot: NodeSlot, amnesia: boolean): void {
    if (!amnesia) for (const pending of slot.pendingPersist) slot.disk = this.protocol.applyPersist(slot.disk, pending.records);
    slot.pendingPersist = [];
    slot.diskBusyUntilUs = this.clock.nowUs();
    slot.incarnation++;
    slot.worker = null;
    slot.paused = false;
    slot.view = null;
    slot.inspected?.(new Map());
    slot.inspected = null;
    slot.imaged?.(null);
    slot.imaged = null;
    this.bus.detach(slot.id);
  }

  /** The replica's applied key-values, or null if it is down or does not answer in time. */
  private inspect(slot: NodeSlot): Promise<ReadonlyMap<string, string> | null> {
    if (slot.worker === null) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), inspectWallMsMax);
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
   * One run of the protocol's cluster checker over images of every replica that is up (DESIGN §6:
   * log matching, leader completeness …); what it finds broken joins the run's broken invariants.
   */
  private async checkCluster(): Promise<void> {
    const images = await Promise.all(this.slots.map((slot) => this.image(slot)));
    const answered = images.filter((image) => image !== null);
    if (answered.length === 0) return;
    for (const problem of this.clusterCheck.check(answered)) this.safety.clusterBroken(problem);
  }

  /** An image of the node's replica, or null if it is down or does not answer in time. */
  private image(slot: NodeSlot): Promise<unknown> {
    if (slot.worker === null || slot.imaged !== null) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        slot.imaged = null;
        resolve(null);
      }, inspectWallMsMax);
      slot.imaged = (image) => {
        clearTimeout(timer);
        resolve(image);
      };
      this.post(slot, { kind: 'image' });
    });
  }

  // ---- Controls (the same calls as RunController) ------------------------------------------------------

  private slot(id: NodeId): NodeSlot {
    const slot = this.slots[this.bus.network.index(id)];
    assert(slot !== undefined, () => `unknown node ${id}`);
    return slot;
  }

  /** The CP/AP switch: new operations use the new policy, operations in flight keep theirs. */
  setConsistency(consistency: Consistency): void {
    this.policy = consistencyPolicy(consistency);
    this.traceEvent({ t: this.clock.nowUs(), kind: 'fault', fault: 'consistency', detail: `write ${this.policy.write}, read ${this.policy.read}` });
  }

  crash(target: string, amnesia = false): NodeId[] {
    const victims = resolveTarget(target, this.targetView(), this.faultPrng, 'up');
    for (const id of victims) this.crashNode(id, amnesia);
    this.noteFaultModel();
    return victims;
  }

  private crashNode(id: NodeId, amnesia: boolean): void {
    const slot = this.slot(id);
    const worker = slot.worker;
    if (worker === null) return;
    this.down(slot, amnesia);
    void worker.terminate();
    this.traceEvent({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'crash', ...(amnesia ? { detail: 'amnesia' } : {}) });
  }

  restart(target: string): NodeId[] {
    const nodes = resolveTarget(target, this.targetView(), this.faultPrng, 'down');
    for (const id of nodes) this.restartNode(id);
    return nodes;
  }

  private restartNode(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.worker !== null || this.state !== 'running') return;
    this.traceEvent({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'restart' });
    void this.spawn(slot);
  }

  pause(target: string, forMs?: number): NodeId[] {
    const nodes = resolveTarget(target, this.targetView(), this.faultPrng, 'up');
    for (const id of nodes) this.pauseNode(id);
    if (forMs !== undefined) this.bus.at(this.clock.nowUs() + Math.round(forMs * 1000), () => nodes.forEach((id) => this.resumeNode(id)));
    return nodes;
  }

  private pauseNode(id: NodeId): void {
    const slot = this.slot(id);
    if (slot.worker === null || slot.paused) return;
    slot.paused = true;
    this.bus.pause(id);
    this.post(slot, { kind: 'pause' });
    this.traceEvent({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'pause' });
  }

  resume(target: string): NodeId[] {
    const nodes = resolveTarget(target, this.targetView(), this.faultPrng, 'any');
    for (const id of nodes) this.resumeNode(id);
    return nodes;
  }

  private resumeNode(id: NodeId): void {
    const slot = this.slot(id);
    if (!slot.paused) return;
    slot.paused = false;
    this.traceEvent({ t: this.clock.nowUs(), kind: 'node', node: id, action: 'resume' });
    this.post(slot, { kind: 'resume' });
    this.bus.resume(id);
  }

  /** Applies a partition shape (replacing any earlier one) and returns its description. */
  partition(spec: PartitionSpec): string {
    const { cut, description } = partitionLinks(spec, this.ids, this.leaders()[0] ?? null);
    this.bus.network.setBlocked(cut);
    this.traceEvent({ t: this.clock.nowUs(), kind: 'fault', fault: 'partition', detail: description });
    return description;
  }

  /** Ends partitions and network changes, the faults links have of their own included (DESIGN §7 `heal`). */
  heal(): void {
    this.healPartitions();
    this.bus.network.reset(this.experimentFaults());
    this.traceEvent({ t: this.clock.nowUs(), kind: 'fault', fault: 'network-reset', detail: 'network back to the experiment settings' });
  }

  private healPartitions(): void {
    this.bus.network.healPartitions();
    this.traceEvent({ t: this.clock.nowUs(), kind: 'fault', fault: 'heal', detail: 'partitions healed' });
  }

  private resetNetwork(): void {
    this.bus.network.setDefaults(this.experimentFaults());
    this.traceEvent({ t: this.clock.nowUs(), kind: 'fault', fault: 'network-reset', detail: 'network back to the experiment settings' });
  }

  /** Changes every link's faults (those without faults of their own), or with `change.link` that link's only. */
  setNetwork(change: NetworkChange): void {
    const network = this.bus.network;
    const changed = (faults: LinkFaults): LinkFaults => ({
      latencyMs: change.latencyMs ?? faults.latencyMs,
      dropProbability: change.drop ?? faults.dropProbability,
      duplicateProbability: change.duplicate ?? faults.duplicateProbability,
      reorderProbability: change.reorder ?? faults.reorderProbability,
    });
    if (change.link === undefined) network.setDefaults(changed(network.faults));
    else {
      const directions = linkDirections(change.link) as Array<[NodeId, NodeId]>;
      for (const [from, to] of directions) assert(this.ids.includes(from) && this.ids.includes(to), () => `network: the link ${from}→${to} names a node this run does not have (${this.ids.join(', ')})`);
      for (const [from, to] of directions) network.setLink(from, to, changed(network.link(from, to)));
    }
    this.traceEvent({ t: this.clock.nowUs(), kind: 'fault', fault: 'network', detail: networkChangeDetail(change) });
  }

  /** Sets the clock drift (ppm) and/or jumps the clock (ms) of the targeted nodes; their ticks follow. */
  setClock(target: string, change: { driftPpm?: number; offsetMs?: number }): void {
    const nowUs = this.clock.nowUs();
    for (const id of resolveTarget(target, this.targetView(), this.faultPrng, 'any')) {
      const slot = this.slot(id);
      if (change.driftPpm !== undefined) slot.clock.setDrift(nowUs, change.driftPpm);
      if (change.offsetMs !== undefined && change.offsetMs !== 0) slot.clock.shift(nowUs, Math.round(change.offsetMs * 1000));
      this.post(slot, { kind: 'clock', clock: clockSetting(slot.clock, nowUs) });
      this.traceEvent({ t: nowUs, kind: 'fault', fault: 'clock', detail: `${id} ${JSON.stringify(change)}` });
    }
  }

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

  /** The last state each replica reported (null: down). */
  views(): Array<ReplicaView | null> {
    return this.slots.map((slot) => (slot.worker === null ? null : slot.view));
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

  /** Up, unpaused nodes that claim to lead and reach a majority, highest term first (as the simulator's). */
  leaders(): NodeId[] {
    const network = this.bus.network;
    const connected = (id: NodeId) => !network.isNodeCut(id) && this.ids.filter((other) => other === id || (!network.isBlocked(id, other) && !network.isBlocked(other, id))).length > this.ids.length / 2;
    const term = (id: NodeId) => this.slot(id).view?.term ?? 0;
    return this.ids
      .filter((id) => {
        const view = this.views()[this.bus.network.index(id)];
        return view !== null && view !== undefined && !this.isPaused(id) && connected(id) && (view.role === 'leader' || view.role === 'primary');
      })
      .sort((a, b) => term(b) - term(a));
  }

  private targetView() {
    return { ids: this.ids, leaders: () => this.leaders(), isUp: (id: NodeId) => this.isUp(id) };
  }

  private unavailableNodes(): NodeId[] {
    const views = this.views();
    return unavailableNodes(this.ids, (id) => views[this.bus.network.index(id)]);
  }

  private noteFaultModel(): void {
    if (beyondFaultModel(this.experiment, this.unavailableNodes().length)) this.faultModelExceeded = true;
  }

  private startNemesis(): void {
    const experiment = this.experiment;
    const spec = experiment.nemesis;
    assert(spec !== undefined, 'nemesis without a spec');
    const nemesis = new Nemesis(
      { kinds: spec.kinds, intervalMs: spec.intervalMs, untilMs: spec.untilMs ?? Math.round(experiment.durationMs * 0.75), exceedFaultModel: spec.exceedFaultModel, ...(spec.shortIntervals === undefined ? {} : { shortIntervals: spec.shortIntervals }) },
      {
        ids: this.ids,
        view: (id) => this.views()[this.bus.network.index(id)] ?? null,
        unavailableNodes: () => this.unavailableNodes(),
        upNodes: () => this.ids.filter((id) => this.isUp(id) && !this.isPaused(id)),
        crash: (id, amnesia) => this.crashNode(id, amnesia),
        restart: (id) => this.restartNode(id),
        pause: (id) => this.pauseNode(id),
        resume: (id) => this.resumeNode(id),
        partition: (shape) => this.partition(shape),
        healPartitions: () => this.healPartitions(),
        setClockDrift: (id, driftPpm) => this.setClock(id, { driftPpm }),
        setNetwork: (change) => this.setNetwork(change),
        resetNetwork: () => this.resetNetwork(),
        at: (timeUs, action) => this.bus.at(timeUs, action),
        nowUs: () => this.clock.nowUs(),
        clockDriftBoundPpm: this.clockDriftBoundPpm,
        disksDurable: experiment.protocol === 'raft',
      },
      prngStream(experiment.seed, 'nemesis'),
    );
    nemesis.start();
  }
}

/** How a worker rebuilds the node's clock: its reading and rate at lab time `nowUs`. */
function clockSetting(clock: NodeClock, nowUs: number): ClockSetting {
  return { atLabUs: nowUs, offsetUs: clock.localUs(nowUs) - nowUs, driftPpm: clock.driftPpm };
}

/** Keys whose value differs between the replicas that answered. */
function divergent(stores: ReadonlyArray<ReadonlyMap<string, string>>): string[] {
  const keys = new Set<string>();
  for (const store of stores) for (const key of store.keys()) keys.add(key);
  return [...keys].filter((key) => new Set(stores.map((store) => store.get(key) ?? null)).size > 1).sort();
}
