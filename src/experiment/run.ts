import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { assert } from '../base/assert';
import type { NodeId } from '../base/ids';
import { type Prng, prngStream } from '../base/prng';
import type { LabHistoryVerdict } from '../checker/labHistory';
import { type Violation, ViolationOracle } from '../checker/oracle';
import { HistoryRecorder, type RecordedOperation } from '../history/recorder';
import type { TraceEvent } from '../history/trace';
import { traceFormat } from '../history/trace';
import { type ConsistencyPolicy, policyAp, policyCp } from '../kv/command';
import type { PartitionSpec } from '../network/partitions';
import { SimCluster, SimInvariantError } from '../sim/cluster';
import { type ClientListener, Workload } from '../workload/clients';
import { applyFault, linkDirections, type NetworkChange, networkChangeDetail } from './faults';
import { Nemesis } from './nemesis';
import { beyondFaultModel, chooseProtocol, unavailableNodes } from './protocols';
import { type Consistency, type Experiment, type Fault, linkNodes } from './schema';
import type { RunSummary } from './summary';
import { MetricsCollector } from '../metrics/collector';
import { type MetricsSeries, windowMsDefault } from '../metrics/series';
import { endOfRunLine, outcomeCounts, summarizeRun } from './summarize';
import { resolveTarget } from './targets';

/** Turns a `consistency` setting into the policy new requests carry. */
export function consistencyPolicy(consistency: Consistency): ConsistencyPolicy {
  if (consistency === 'cp') return policyCp;
  if (consistency === 'ap') return policyAp;
  return consistency;
}

/** How the end-of-run linearizability check is done (the host hands in the clock it needs). */
export type LinearizabilityCheck = (operations: readonly RecordedOperation[]) => LabHistoryVerdict;

/** An incremental SHA-256 of the trace; hosts hand in a native one, the pure fallback is noble's. */
export interface TraceHasher {
  update(text: string): void;
  /** Lower-case hex. */
  digest(): string;
}

function pureHasher(): TraceHasher {
  const hash = sha256.create();
  return { update: (text) => hash.update(utf8ToBytes(text)), digest: () => bytesToHex(hash.digest()) };
}

export interface RunOptions {
  /** SHA-256 of the trace lines (default: a pure implementation, slower than a host's native one). */
  readonly hasher?: TraceHasher;
  /** Every trace event, in order, as it happens. */
  readonly trace?: (event: TraceEvent) => void;
  readonly linearizability?: LinearizabilityCheck;
  /** Invariants after every step (default); benchmarks measure without them too. */
  readonly checkInvariants?: boolean;
  /** Length of a metrics window in ms of simulated time (default 250). */
  readonly metricsWindowMs?: number;
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

/** Quiet time after the workload stops, so operations finish and replicas converge (ms). */
export function settleMs(experiment: Experiment, failoverMs: number): number {
  return experiment.workload.timeoutMs + 4 * failoverMs + 1000;
}

/** JSON string literals of the few strings message lines carry (node ids, message kinds, reasons). */
const quotedStrings = new Map<string, string>();
const quotedStringsMax = 4096;

function quoted(text: string): string {
  let literal = quotedStrings.get(text);
  if (literal === undefined) {
    literal = JSON.stringify(text);
    if (quotedStrings.size < quotedStringsMax) quotedStrings.set(text, literal);
  }
  return literal;
}

/**
 * One trace line, exactly as `JSON.stringify(event)` writes it (the trace digest depends on every
 * byte). Message and commit lines, nearly all of a trace, are written by hand: stringify's generic walk over
 * the event was the costliest part of hashing the trace. The hand-written path only takes events
 * whose fields have the types it expects, so anything unusual still goes through stringify.
 */
export function traceLine(event: TraceEvent): string {
  if (event.kind === 'send' || event.kind === 'deliver' || event.kind === 'drop') {
    const { t, id, from, to, message } = event;
    if (Number.isFinite(t) && Number.isFinite(id) && typeof from === 'string' && typeof to === 'string' && typeof message === 'string') {
      const head = `{"t":${t},"kind":"${event.kind}","id":${id},"from":${quoted(from)},"to":${quoted(to)},"message":${quoted(message)}`;
      if (event.kind !== 'drop') return `${head}}`;
      if (typeof event.reason === 'string') return `${head},"reason":${quoted(event.reason)}}`;
    }
  } else if (event.kind === 'commit') {
    const { t, node, commitIndex } = event;
    if (Number.isFinite(t) && typeof node === 'string' && Number.isFinite(commitIndex)) return `{"t":${t},"kind":"commit","node":${quoted(node)},"commitIndex":${commitIndex}}`;
  }
  return JSON.stringify(event);
}

/**
 * The trace's SHA-256 as both runtimes compute it: one line per event (`traceLine`, byte for byte
 * `JSON.stringify`), hashed in large chunks, which costs far less than line by line.
 */
export class TraceDigest {
  private pending: string[] = [];

  constructor(private readonly hasher: TraceHasher) {}

  add(event: TraceEvent): void {
    this.pending.push(traceLine(event));
    if (this.pending.length >= 1024) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.hasher.update(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  /** Lower-case hex of everything added; call once, at the end. */
  digest(): string {
    this.flush();
    return this.hasher.digest();
  }
}

/**
 * What the clients report, recorded in the history and registered with the oracle (so applied
 * log entries can be traced back to their operation): the same for both runtimes.
 */
export function recordingListener(recorder: HistoryRecorder, oracle: ViolationOracle, nowUs: () => number): ClientListener {
  return {
    invoke(operation) {
      const id = recorder.invoke(operation);
      oracle.invoked({ id, clientId: operation.clientId, call: nowUs(), return: null, input: operation.command, output: { type: 'info' } }, operation.sequence);
      return id;
    },
    complete: (id, outcome) => recorder.complete(id, outcome),
  };
}

/**
 * Runs one experiment in the simulator and controls it: the scheduled faults, the random
 * nemesis, the workload, the history, the oracle, and the calls an app makes while it runs
 * (crash, partition, the CP/AP switch …). Every action is a trace event with its virtual time.
 */
export class RunController {
  readonly cluster: SimCluster<unknown>;
  readonly recorder: HistoryRecorder;
  readonly oracle = new ViolationOracle();
  readonly metrics: MetricsCollector;
  private readonly workload: Workload;
  private readonly faultPrng: Prng;
  private readonly digest: TraceDigest;
  private policy: ConsistencyPolicy;
  private readonly failoverMs: number;
  private faultModelExceeded = false;
  private stoppedBy: SimInvariantError | null = null;
  private finished = false;

  constructor(
    readonly experiment: Experiment,
    private readonly options: RunOptions = {},
  ) {
    this.digest = new TraceDigest(options.hasher ?? pureHasher());
    this.metrics = new MetricsCollector(options.metricsWindowMs ?? windowMsDefault);
    const choice = chooseProtocol(experiment);
    this.failoverMs = choice.failoverMs;
    this.policy = consistencyPolicy(experiment.consistency);
    this.faultPrng = prngStream(experiment.seed, 'faults');
    const trace = (event: TraceEvent) => this.traceEvent(event);
    this.traceEvent({ t: 0, kind: 'header', format: traceFormat, experiment: experiment.name, protocol: experiment.protocol, seed: experiment.seed, nodes: Array.from({ length: experiment.nodes }, (_, i) => `n${i + 1}`) });
    const network = experiment.network;
    this.cluster = new SimCluster<unknown>({
      protocol: choice.protocol,
      nodes: experiment.nodes,
      seed: experiment.seed,
      tickMs: experiment.tickMs,
      settings: choice.settings,
      network: { latencyMs: network.latencyMs, drop: network.drop, duplicate: network.duplicate, reorder: network.reorder },
      clientLatencyMs: network.clientLatencyMs,
      unsafe: experiment.unsafe,
      fsyncMs: experiment.fsyncMs,
      checkInvariants: options.checkInvariants ?? true,
      trace,
      onReply: (reply) => this.workload.onReply(reply),
      onFirstApply: (_index, digest) => this.oracle.applied(digest),
    });
    const cluster = this.cluster;
    this.recorder = new HistoryRecorder(() => cluster.nowUs, trace);
    this.workload = new Workload(
      experiment.workload,
      cluster.ids,
      {
        nowUs: () => cluster.nowUs,
        at: (timeUs, action) => cluster.at(timeUs, action),
        send: (to, request) => cluster.sendRequest(to, request),
        nextRequestId: () => cluster.nextRequestId(),
        replicasConnected: (from, to) => !cluster.network.isBlocked(from, to) && !cluster.network.isBlocked(to, from),
        policy: () => this.policy,
      },
      recordingListener(this.recorder, this.oracle, () => cluster.nowUs),
      prngStream(experiment.seed, 'workload'),
    );
    for (const fault of experiment.faults) cluster.at(Math.round(fault.atMs * 1000), () => this.applyFault(fault));
    if (experiment.nemesis !== undefined) this.startNemesis(experiment, choice.clockDriftBoundPpm);
    this.workload.start();
  }

  private traceEvent(event: TraceEvent): void {
    this.digest.add(event);
    this.metrics.observe(event);
    this.options.trace?.(event);
  }

  get nowMs(): number {
    return this.cluster.nowMs;
  }

  get consistency(): ConsistencyPolicy {
    return this.policy;
  }

  // ---- Interactive controls (also used by scheduled faults) -------------------------------------

  /** The CP/AP switch: new operations use the new policy, operations in flight keep theirs. */
  setConsistency(consistency: Consistency): void {
    this.policy = consistencyPolicy(consistency);
    this.traceEvent({ t: this.cluster.nowUs, kind: 'fault', fault: 'consistency', detail: `write ${this.policy.write}, read ${this.policy.read}` });
  }

  crash(target: string, amnesia = false): NodeId[] {
    const victims = resolveTarget(target, this.cluster, this.faultPrng, 'up');
    for (const id of victims) this.cluster.crash(id, { amnesia });
    this.noteFaultModel();
    return victims;
  }

  restart(target: string): NodeId[] {
    const nodes = resolveTarget(target, this.cluster, this.faultPrng, 'down');
    for (const id of nodes) this.cluster.restart(id);
    return nodes;
  }

  pause(target: string, forMs?: number): NodeId[] {
    const nodes = resolveTarget(target, this.cluster, this.faultPrng, 'up');
    for (const id of nodes) this.cluster.pause(id);
    if (forMs !== undefined) this.cluster.at(this.cluster.nowUs + Math.round(forMs * 1000), () => nodes.forEach((id) => this.cluster.resume(id)));
    return nodes;
  }

  resume(target: string): NodeId[] {
    const nodes = resolveTarget(target, this.cluster, this.faultPrng, 'any');
    for (const id of nodes) this.cluster.resume(id);
    return nodes;
  }

  partition(spec: PartitionSpec): string {
    return this.cluster.partition(spec);
  }

  /** Ends partitions and network changes (DESIGN §7 `heal`). */
  heal(): void {
    const network = this.experiment.network;
    this.cluster.healNetwork({ latencyMs: network.latencyMs, drop: network.drop, duplicate: network.duplicate, reorder: network.reorder });
  }

  /** VR keeps no durable state: more than f nodes down or recovering at once is outside its model. */
  private noteFaultModel(): void {
    if (beyondFaultModel(this.experiment, this.unavailableNodes().length)) this.faultModelExceeded = true;
  }

  private unavailableNodes(): NodeId[] {
    return unavailableNodes(this.cluster.ids, (id) => this.cluster.view(id));
  }

  /** Sets the clock drift (ppm) and/or jumps the clock (ms) of the targeted nodes. */
  setClock(target: string, change: { driftPpm?: number; offsetMs?: number }): void {
    for (const id of resolveTarget(target, this.cluster, this.faultPrng, 'any')) this.cluster.setClock(id, change);
  }

  /** Changes every link's faults, or with `change.link` that link's only (in one or both directions). */
  setNetwork(change: NetworkChange): void {
    const { link, ...settings } = change;
    if (link === undefined) {
      this.cluster.setNetwork(change);
      return;
    }
    for (const node of linkNodes(link)) assert(this.cluster.ids.includes(node as NodeId), () => `network: the link names ${node}, but the cluster has nodes ${this.cluster.ids.join(', ')}`);
    this.cluster.setNetwork(settings, { links: linkDirections(link) as Array<[NodeId, NodeId]>, detail: networkChangeDetail(change) });
  }

  applyFault(fault: Fault): void {
    applyFault(this, fault);
  }

  private startNemesis(experiment: Experiment, clockDriftBoundPpm: number): void {
    const spec = experiment.nemesis;
    assert(spec !== undefined, 'nemesis without a spec');
    const cluster = this.cluster;
    const network = experiment.network;
    const nemesis = new Nemesis(
      { kinds: spec.kinds, intervalMs: spec.intervalMs, untilMs: spec.untilMs ?? Math.round(experiment.durationMs * 0.75), exceedFaultModel: spec.exceedFaultModel, ...(spec.shortIntervals === undefined ? {} : { shortIntervals: spec.shortIntervals }) },
      {
        ids: cluster.ids,
        unavailableNodes: () => this.unavailableNodes(),
        upNodes: () => cluster.ids.filter((id) => cluster.isUp(id) && !cluster.isPaused(id)),
        crash: (id, amnesia) => cluster.crash(id, { amnesia }),
        restart: (id) => cluster.restart(id),
        pause: (id) => cluster.pause(id),
        resume: (id) => cluster.resume(id),
        partition: (shape) => cluster.partition(shape),
        healPartitions: () => cluster.heal(),
        setClockDrift: (id, driftPpm) => cluster.setClock(id, { driftPpm }),
        setNetwork: (change) => cluster.setNetwork(change),
        resetNetwork: () => cluster.resetNetwork({ latencyMs: network.latencyMs, drop: network.drop, duplicate: network.duplicate, reorder: network.reorder }),
        at: (timeUs, action) => cluster.at(timeUs, action),
        nowUs: () => cluster.nowUs,
        view: (id) => cluster.view(id),
        clockDriftBoundPpm,
        disksDurable: experiment.protocol === 'raft',
      },
      prngStream(experiment.seed, 'nemesis'),
    );
    nemesis.start();
  }

  // ---- Running ---------------------------------------------------------------------------------------

  /** Advances the run by `ms` of simulated time (stops early, for good, if an invariant breaks). */
  advance(ms: number): void {
    if (this.stoppedBy !== null || this.finished) return;
    const untilUs = Math.min(this.cluster.nowUs + Math.round(ms * 1000), this.endMs * 1000);
    try {
      this.cluster.runUntilTime(untilUs);
    } catch (error) {
      if (!(error instanceof SimInvariantError)) throw error;
      this.stoppedBy = error;
    }
  }

  /** Where the workload stops: the run's end, or where a user stopped it (`stoppedAtMs`). */
  get endMs(): number {
    return this.stoppedAtMs ?? this.experiment.stoppedAtMs ?? this.experiment.durationMs;
  }

  /** Where a user stopped this run (a whole ms), if they did. */
  private stoppedAtMs: number | undefined;

  /**
   * Stops the run early, on the next whole ms, and finishes it. The summary and a replay of
   * `{ ...experiment, stoppedAtMs }` both end there.
   */
  stop(): RunResult {
    if (!this.done) {
      const atMs = Math.ceil(this.cluster.nowMs + 0.001);
      this.advance(atMs - this.cluster.nowMs);
      if (atMs < this.endMs) this.stoppedAtMs = atMs;
    }
    return this.finish();
  }

  /** The experiment as a replay needs it: with the instant a user stopped it, if they did. */
  get replayable(): Experiment {
    return this.stoppedAtMs === undefined ? this.experiment : { ...this.experiment, stoppedAtMs: this.stoppedAtMs };
  }

  get done(): boolean {
    return this.finished || this.stoppedBy !== null || this.cluster.nowUs >= this.endMs * 1000;
  }

  /** Runs to the end: the workload, then a quiet settling period, then the checks. */
  runToEnd(): RunResult {
    this.advance(this.endMs - this.cluster.nowMs);
    return this.finish();
  }

  /** Stops the workload, lets the cluster settle, and computes the summary. */
  finish(): RunResult {
    assert(!this.finished, 'a run finishes once');
    this.finished = true;
    this.workload.stop();
    if (this.stoppedBy === null) {
      try {
        this.cluster.runUntilTime(this.cluster.nowUs + Math.round(settleMs(this.experiment, this.failoverMs) * 1000));
      } catch (error) {
        if (!(error instanceof SimInvariantError)) throw error;
        this.stoppedBy = error;
      }
    }
    this.recorder.closeOpen();
    return this.summarize();
  }

  private summarize(): RunResult {
    const operations = this.recorder.operations();
    const violations = this.stoppedBy === null ? this.oracle.violations(operations) : [];
    const divergentKeys = this.stoppedBy === null ? this.divergentKeys() : [];
    const verdict = this.options.linearizability?.(operations) ?? null;
    const linearizability = verdict ?? { failedKeys: 0, unknownKeys: 0 };
    const invariantsBroken = [...this.cluster.invariantsBroken, ...(this.stoppedBy === null ? [] : [this.stoppedBy.message])];
    const stats = this.cluster.stats;
    this.traceEvent({ t: this.cluster.nowUs, kind: 'end', summary: endOfRunLine(outcomeCounts(operations), violations.length, invariantsBroken.length) });
    const summary = summarizeRun({
      experiment: this.replayable,
      runtime: 'sim',
      operations,
      violations,
      divergentKeys,
      linearizability,
      invariantsBroken,
      faultModelExceeded: this.faultModelExceeded,
      traceSha256: this.digest.digest(),
      messages: { sent: stats.sent, delivered: stats.delivered, dropped: stats.dropped, duplicated: stats.duplicated },
    });
    const recorder = this.recorder;
    const metrics = this.metrics.finish(this.cluster.nowUs, violations, (id) => {
      const operation = recorder.operation(id);
      return operation === undefined ? null : (operation.return ?? operation.call);
    });
    return { summary, operations, violations, divergentKeys, metrics, linearizability: verdict };
  }

  /** Keys whose value differs between the running replicas. */
  private divergentKeys(): string[] {
    const stores = this.cluster.ids.map((id) => this.cluster.replica(id)?.keyValues()).filter((store) => store !== undefined);
    const keys = new Set<string>();
    for (const store of stores) for (const key of store.keys()) keys.add(key);
    return [...keys].filter((key) => new Set(stores.map((store) => store.get(key) ?? null)).size > 1).sort();
  }
}

/** Whether a finished run passes: no invariant broken (unless an unsafe switch explains it) and every expectation holds. */
export function runPassed(summary: RunSummary): boolean {
  const invariantsOk = summary.invariantsBroken.length === 0 || summary.unsafe.length > 0 || summary.faultModelExceeded;
  return invariantsOk && summary.expectations.every((expectation) => expectation.holds);
}

/** Runs an experiment from start to end. */
export function runExperiment(experiment: Experiment, options: RunOptions = {}): RunResult {
  return new RunController(experiment, options).runToEnd();
}
