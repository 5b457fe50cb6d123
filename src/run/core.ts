import { assert } from '../base/assert';
import { type NodeId, nodeIds } from '../base/ids';
import { type Prng, prngStream } from '../base/prng';
import type { LabHistoryVerdict } from '../checker/labHistory';
import { type Violation, ViolationOracle } from '../checker/oracle';
import { applyFault, type FaultControls, linkDirections, type NetworkChange, networkChangeDetail } from '../experiment/faults';
import { Nemesis } from '../experiment/nemesis';
import { beyondFaultModel, chooseProtocol, type ProtocolChoice, unavailableNodes } from '../experiment/protocols';
import { type Consistency, type Experiment, type Fault, linkNodes } from '../experiment/schema';
import { divergentKeys as divergentReplicaKeys, type ReplicaState } from '../checker/divergence';
import { endOfRunLine, outcomeCounts, summarizeRun } from '../experiment/summarize';
import type { RunSummary } from '../experiment/summary';
import { resolveTarget, type TargetView } from '../experiment/targets';
import { HistoryRecorder, type RecordedOperation } from '../history/recorder';
import { type TraceEvent, traceFormat } from '../history/trace';
import { type ConsistencyPolicy, policyAp, policyCp } from '../kv/command';
import { MetricsCollector } from '../metrics/collector';
import { type MetricsSeries, windowMsDefault } from '../metrics/series';
import type { PartitionSpec } from '../network/partitions';
import type { ReplicaView } from '../protocol/replica';
import { type ClientListener, Workload, workloadStreams } from '../workload/clients';
import { pureTraceHasher, TraceDigest, type TraceHasher } from './digest';
import type { RunHost, RunSink } from './host';
import { leadersOf } from './leaders';
import { NetworkFaults } from './networkFaults';

/** Turns a `consistency` setting into the policy new requests carry. */
export function consistencyPolicy(consistency: Consistency): ConsistencyPolicy {
  if (consistency === 'cp') return policyCp;
  if (consistency === 'ap') return policyAp;
  return consistency;
}

/** Quiet time after the workload stops, so operations finish and replicas converge (ms). */
export function settleMs(experiment: Experiment, failoverMs: number): number {
  return experiment.workload.timeoutMs + 4 * failoverMs + 1000;
}

/**
 * What the clients report, recorded in the history and registered with the oracle (so applied
 * log entries can be traced back to their operation).
 */
export function recordingListener(recorder: HistoryRecorder, oracle: ViolationOracle, nowUs: () => number): ClientListener {
  return {
    invoke(operation) {
      const id = recorder.invoke(operation);
      oracle.invoked({ id, clientId: operation.clientId, call: nowUs(), return: null, input: operation.command, output: { type: 'info' } }, operation.sequence);
      return id;
    },
    complete: (id, outcome, service) => recorder.complete(id, outcome, service),
    missed: (miss) => recorder.missed(miss),
    clients: (clients) => recorder.clients(clients),
  };
}

export interface RunCoreOptions {
  /** SHA-256 of the trace lines (default: a pure implementation, slower than a host's native one). */
  readonly hasher?: TraceHasher;
  /** Every trace event, in order, as it happens. */
  readonly trace?: (event: TraceEvent) => void;
  /** Length of a metrics window in ms of lab time (default 250). */
  readonly metricsWindowMs?: number;
  /**
   * False: the summary's consistency map leaves the four session guarantees "not checked" (a
   * swarm seed is judged by its violation counts, which the oracle gives either way). Default true.
   */
  readonly sessionGuarantees?: boolean;
}

export interface RunResult {
  readonly summary: RunSummary;
  readonly operations: readonly RecordedOperation[];
  readonly violations: readonly Violation[];
  /** Keys whose value differs between running replicas at the end. */
  readonly divergentKeys: readonly string[];
  /** Windowed metrics of the whole run, fault spans and CP/AP switches included. */
  readonly metrics: MetricsSeries;
  /** The end-of-run check per key, with counterexamples; null when no check was handed in. */
  readonly linearizability: LabHistoryVerdict | null;
}

/** What a host knows at the end of a run, for `RunCore.finish`. */
export interface RunEnd {
  readonly experiment: Experiment;
  readonly runtime: RunSummary['runtime'];
  /** Lab time of the end (µs). */
  readonly endUs: number;
  /** True when a broken invariant stopped the run midway: its history and stores are not judged. */
  readonly halted: boolean;
  /** Each replica that answered (down ones left out): its applied position and key-values. */
  readonly stores: readonly ReplicaState[];
  /** Whether two replicas reach each other both ways at the end (a partition may still hold). */
  readonly connected: (a: string, b: string) => boolean;
  readonly invariantsBroken: readonly string[];
  readonly messages: RunSummary['messages'];
  /** The end-of-run linearizability check's verdict; null when none was made. */
  readonly linearizability: LabHistoryVerdict | null;
  readonly clusterInvariants?: RunSummary['clusterInvariants'];
  /** The live runtime's nodes whose worker stopped answering and was stopped. */
  readonly workersUnresponsive?: RunSummary['workersUnresponsive'];
}

/**
 * One run, whichever runtime carries it (ARCHITECTURE §3): the
 * trace and its digest, the metrics, the clients and their history, the violation oracle, the
 * scheduled faults and the nemesis, the controls an app uses while it runs (crash, partition, the
 * CP/AP switch …), the fault model, the leaders and the summary. The runtime is a `RunHost`: it
 * keeps the clock and the event queue, carries the messages and hosts the replicas; it reports
 * what happens through the `RunSink` the core hands it.
 */
export class RunCore implements FaultControls {
  readonly ids: readonly NodeId[];
  readonly oracle = new ViolationOracle();
  readonly metrics: MetricsCollector;
  readonly recorder: HistoryRecorder;
  readonly choice: ProtocolChoice;
  readonly host: RunHost;
  /** Where the host reports (the same object `connect` was given). */
  readonly sink: RunSink;
  private readonly workload: Workload;
  private readonly networkFaults: NetworkFaults;
  private readonly faultPrng: Prng;
  private readonly digest: TraceDigest;
  private readonly targets: TargetView;
  private policy: ConsistencyPolicy;
  private faultModelExceeded = false;
  private started = false;

  /** Writes the trace's header, then lets `connect` build the host, which reports to the sink it is given. */
  constructor(
    readonly experiment: Experiment,
    private readonly options: RunCoreOptions,
    connect: (sink: RunSink, choice: ProtocolChoice) => RunHost,
  ) {
    this.digest = new TraceDigest(options.hasher ?? pureTraceHasher());
    this.metrics = new MetricsCollector(options.metricsWindowMs ?? windowMsDefault);
    this.choice = chooseProtocol(experiment);
    this.policy = consistencyPolicy(experiment.consistency);
    this.faultPrng = prngStream(experiment.seed, 'faults');
    this.ids = nodeIds(experiment.nodes);
    this.trace({ t: 0, kind: 'header', format: traceFormat, experiment: experiment.name, protocol: experiment.protocol, seed: experiment.seed, nodes: [...this.ids] });
    this.sink = {
      trace: (event) => this.trace(event),
      reply: (reply) => this.workload.onReply(reply),
      firstApply: (_index, digest) => this.oracle.applied(digest),
    };
    const host = connect(this.sink, this.choice);
    this.host = host;
    this.networkFaults = new NetworkFaults(host.network, this.ids, (event) => this.trace(event), () => host.nowUs());
    this.targets = { ids: this.ids, leaders: () => this.leaders(), isUp: (id) => host.isUp(id) };
    const trace = (event: TraceEvent) => this.trace(event);
    this.recorder = new HistoryRecorder(() => host.nowUs(), trace);
    this.workload = new Workload(
      experiment.workload,
      this.ids,
      {
        nowUs: () => host.nowUs(),
        at: (timeUs, action) => host.at(timeUs, action),
        send: (to, request) => host.sendRequest(to, request),
        nextRequestId: () => host.nextRequestId(),
        replicasConnected: (from, to) => !host.network.isBlocked(from, to) && !host.network.isBlocked(to, from),
        policy: () => this.policy,
      },
      recordingListener(this.recorder, this.oracle, () => host.nowUs()),
      workloadStreams(experiment.seed),
    );
  }

  /** Every trace event goes through here: the digest, the metrics, the host's listener. */
  trace(event: TraceEvent): void {
    this.digest.add(event);
    this.metrics.observe(event);
    this.options.trace?.(event);
  }

  /** Schedules the experiment's faults, starts the nemesis and then the clients. */
  start(): void {
    assert(!this.started, 'a run starts once');
    this.started = true;
    for (const fault of this.experiment.faults) this.host.at(Math.round(fault.atMs * 1000), () => this.applyFault(fault));
    if (this.experiment.nemesis !== undefined) this.startNemesis();
    this.workload.start();
  }

  get nowMs(): number {
    return this.host.nowUs() / 1000;
  }

  get consistency(): ConsistencyPolicy {
    return this.policy;
  }

  /** How long the cluster settles after the clients stop (µs). */
  get settleUs(): number {
    return Math.round(settleMs(this.experiment, this.choice.failoverMs) * 1000);
  }

  // ---- Controls (the app's buttons and the scheduled faults alike) ----------------------------

  /** The CP/AP switch: new operations use the new policy, operations in flight keep theirs. */
  setConsistency(consistency: Consistency): void {
    this.policy = consistencyPolicy(consistency);
    this.trace({ t: this.host.nowUs(), kind: 'fault', fault: 'consistency', detail: `write ${this.policy.write}, read ${this.policy.read}` });
  }

  crash(target: string, amnesia = false): NodeId[] {
    const victims = resolveTarget(target, this.targets, this.faultPrng, 'up');
    for (const id of victims) this.host.crash(id, amnesia);
    this.noteFaultModel();
    return victims;
  }

  restart(target: string): NodeId[] {
    const nodes = resolveTarget(target, this.targets, this.faultPrng, 'down');
    for (const id of nodes) this.host.restart(id);
    return nodes;
  }

  pause(target: string, forMs?: number): NodeId[] {
    const nodes = resolveTarget(target, this.targets, this.faultPrng, 'up');
    for (const id of nodes) this.host.pause(id);
    if (forMs !== undefined) this.host.at(this.host.nowUs() + Math.round(forMs * 1000), () => nodes.forEach((id) => this.host.resume(id)));
    return nodes;
  }

  resume(target: string): NodeId[] {
    const nodes = resolveTarget(target, this.targets, this.faultPrng, 'any');
    for (const id of nodes) this.host.resume(id);
    return nodes;
  }

  /** Applies a partition shape (replacing any earlier one) and returns its description. */
  partition(spec: PartitionSpec): string {
    return this.networkFaults.partition(spec, this.leaders()[0] ?? null);
  }

  /** Ends partitions and network changes, the faults links have of their own included (ARCHITECTURE §4 `heal`). */
  heal(): void {
    this.networkFaults.heal(this.experiment.network);
  }

  /** Sets the clock drift (ppm) and/or jumps the clock (ms) of the targeted nodes; their ticks follow. */
  setClock(target: string, change: { driftPpm?: number; offsetMs?: number }): void {
    for (const id of resolveTarget(target, this.targets, this.faultPrng, 'any')) this.host.setClock(id, change);
  }

  /** Changes every link's faults (those without faults of their own), or with `change.link` that link's only (one or both directions). */
  setNetwork(change: NetworkChange): void {
    const { link, ...settings } = change;
    if (link === undefined) return this.networkFaults.setNetwork(change);
    for (const node of linkNodes(link)) assert(this.ids.includes(node as NodeId), () => `network: the link names ${node}, but the cluster has nodes ${this.ids.join(', ')}`);
    this.networkFaults.setNetwork(settings, { links: linkDirections(link) as Array<[NodeId, NodeId]>, detail: networkChangeDetail(change) });
  }

  applyFault(fault: Fault): void {
    applyFault(this, fault);
  }

  // ---- Observation ----------------------------------------------------------------------------

  /** Up, unpaused nodes that claim to lead and reach a majority, highest term first. */
  leaders(): NodeId[] {
    const host = this.host;
    return leadersOf({ ids: this.ids, network: host.network, view: (id) => host.view(id), isPaused: (id) => host.isPaused(id) });
  }

  /** Nodes down or recovering: what VR's fault model counts against f. */
  unavailableNodes(): NodeId[] {
    return unavailableNodes(this.ids, (id) => this.host.view(id));
  }

  /** Notes whether the nodes down now go beyond the protocol's fault model (VR: more than f). */
  noteFaultModel(): void {
    if (beyondFaultModel(this.experiment, this.unavailableNodes().length)) this.faultModelExceeded = true;
  }

  views(): Array<ReplicaView | null> {
    return this.ids.map((id) => this.host.view(id));
  }

  private startNemesis(): void {
    const experiment = this.experiment;
    const spec = experiment.nemesis;
    assert(spec !== undefined, 'nemesis without a spec');
    const host = this.host;
    const nemesis = new Nemesis(
      { kinds: spec.kinds, intervalMs: spec.intervalMs, untilMs: spec.untilMs ?? Math.round(experiment.durationMs * 0.75), exceedFaultModel: spec.exceedFaultModel, ...(spec.shortIntervals === undefined ? {} : { shortIntervals: spec.shortIntervals }) },
      {
        ids: this.ids,
        unavailableNodes: () => this.unavailableNodes(),
        upNodes: () => this.ids.filter((id) => host.isUp(id) && !host.isPaused(id)),
        crash: (id, amnesia) => host.crash(id, amnesia),
        restart: (id) => host.restart(id),
        pause: (id) => host.pause(id),
        resume: (id) => host.resume(id),
        partition: (shape) => this.partition(shape),
        healPartitions: () => this.networkFaults.healPartitions(),
        setClockDrift: (id, driftPpm) => host.setClock(id, { driftPpm }),
        setNetwork: (change) => this.networkFaults.setNetwork(change),
        resetNetwork: () => this.networkFaults.resetNetwork(experiment.network),
        at: (timeUs, action) => host.at(timeUs, action),
        nowUs: () => host.nowUs(),
        view: (id) => host.view(id),
        clockDriftBoundPpm: this.choice.clockDriftBoundPpm,
        disksDurable: experiment.protocol !== 'vr',
        failoverMs: this.choice.failoverMs,
      },
      prngStream(experiment.seed, 'nemesis'),
    );
    nemesis.start();
  }

  // ---- The end --------------------------------------------------------------------------------

  /** No new operations from now on; those in flight finish or time out while the cluster settles. */
  stopClients(): void {
    this.workload.stop();
  }

  /** The history's operations still open become `info` (call once the cluster has settled). */
  closeHistory(): void {
    this.recorder.closeOpen();
  }

  /** The verdicts and the summary, and the trace's `end` line. */
  finish(end: RunEnd): RunResult {
    const operations = this.recorder.operations();
    const violations = end.halted ? [] : this.oracle.violations(operations);
    const divergentKeys = end.halted ? [] : divergentReplicaKeys(end.stores, end.connected);
    this.trace({ t: end.endUs, kind: 'end', summary: endOfRunLine(outcomeCounts(operations), violations.length, end.invariantsBroken.length) });
    const summary = summarizeRun({
      experiment: end.experiment,
      runtime: end.runtime,
      operations,
      violations,
      divergentKeys,
      linearizability: end.linearizability,
      versionOrder: this.oracle,
      sessionGuarantees: this.options.sessionGuarantees ?? true,
      service: this.metrics.serviceTotals(),
      invariantsBroken: end.invariantsBroken,
      faultModelExceeded: this.faultModelExceeded,
      traceSha256: this.digest.digest(),
      messages: end.messages,
    });
    const recorder = this.recorder;
    const metrics = this.metrics.finish(end.endUs, violations, (id) => {
      const operation = recorder.operation(id);
      return operation === undefined ? null : (operation.return ?? operation.call);
    });
    const hosted = {
      ...summary,
      ...(end.clusterInvariants === undefined ? {} : { clusterInvariants: end.clusterInvariants }),
      ...(end.workersUnresponsive === undefined ? {} : { workersUnresponsive: end.workersUnresponsive }),
    };
    return { summary: hosted, operations, violations, divergentKeys, metrics, linearizability: end.linearizability };
  }
}
