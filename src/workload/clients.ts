import { assert } from '../base/assert';
import { type ClientId, type NodeId, type RequestId, clientId } from '../base/ids';
import { type Prng, prngStream } from '../base/prng';
import type { ClientReply, ClientRequest, ConsistencyPolicy, KvCommand } from '../kv/command';
import { KeyChooser, keyName } from './keys';
import { PoissonSchedule } from './schedule';

/** The workload part of an experiment (ARCHITECTURE §5, §7). */
export interface WorkloadSpec {
  readonly clients: number;
  /**
   * Total offered load across clients, operations per second: each client keeps a Poisson schedule
   * of intended starts at its share, whether or not the cluster keeps up (ARCHITECTURE §5).
   */
  readonly ratePerSec: number;
  readonly mix: { readonly read: number; readonly write: number; readonly cas: number };
  readonly keys: number;
  readonly keyDistribution: 'uniform' | 'zipf';
  readonly zipfExponent: number;
  readonly timeoutMs: number;
  /**
   * leader-hint: first contact the believed leader, follow redirects. random: a random node, follow
   * redirects. sticky: always the client's home node, which forwards to the leader over the replica
   * network (as etcd and Consul followers do), so a partition that cuts the home node off the
   * leader cuts its clients off too.
   */
  readonly routing: 'leader-hint' | 'sticky' | 'random';
}

/** What the clients need from their host (the simulator or the live bus). */
export interface ClientHost {
  readonly nowUs: () => number;
  readonly at: (timeUs: number, action: () => void) => void;
  readonly send: (to: NodeId, request: ClientRequest) => void;
  readonly nextRequestId: () => RequestId;
  /** The policy new operations start with (the CP/AP switch changes it mid-run). */
  readonly policy: () => ConsistencyPolicy;
  /** Whether replica `from` can reach replica `to` over the replica network now (sticky routing forwards through it). */
  readonly replicasConnected?: (from: NodeId, to: NodeId) => boolean;
}

/** How an operation ended, as the history records it. */
export type ClientOutcome = { type: 'ok'; value?: string | null } | { type: 'fail' } | { type: 'info' };

/** Hooks the history recorder listens to. */
export interface ClientListener {
  /** `intendedUs`: when the client's schedule meant the operation to start (at or before now). */
  invoke(operation: { clientId: ClientId; command: KvCommand; node: NodeId; policy: ConsistencyPolicy; sequence: number; intendedUs: number }): number;
  /**
   * `served`: the cluster answered definitely (ok, or a cas whose comparison did not hold) within
   * the timeout of the intended start, which is what availability counts (ARCHITECTURE §5).
   */
  complete(operationId: number, outcome: ClientOutcome, service: { readonly served: boolean }): void;
  /**
   * An intended operation the client could not issue within the timeout of its intended start,
   * because it was still waiting for earlier ones: offered and not served, never in the history.
   */
  missed(miss: { clientId: ClientId; intendedUs: number }): void;
  /** Each client's home replica (client i+1 at index i) and their timeout, once, when the clients start. */
  clients(clients: { homes: readonly NodeId[]; timeoutMs: number }): void;
}

/** The seeded streams of a workload: one for the commands it draws, one per client for its schedule. */
export interface WorkloadStreams {
  readonly commands: Prng;
  readonly schedule: (client: ClientId) => Prng;
}

/** The workload's streams of the run seeded with `seed`. */
export function workloadStreams(seed: number): WorkloadStreams {
  return { commands: prngStream(seed, 'workload'), schedule: (client) => prngStream(seed, `workload-schedule-c${client}`) };
}

/** Backoff before retrying elsewhere after a definite "not here" answer. */
const redirectBackoffUs = 10_000;

interface Pending {
  readonly operationId: number;
  readonly intendedUs: number;
  readonly command: KvCommand;
  readonly sequence: number;
  readonly policy: ConsistencyPolicy;
  readonly deadlineUs: number;
  /** The attempt whose answer we wait for; null while backing off between attempts. */
  attempt: RequestId | null;
  attempts: number;
  /** Read path `sync`: the sync step's position once the leader confirmed it (the read after it waits for it). */
  syncedIndex: number | null;
}

/**
 * One single-threaded client (a Jepsen process): one operation at a time, so histories and
 * session guarantees keep their meaning, on a Poisson schedule of intended starts at its share of
 * `ratePerSec`. An intended start that finds the client still waiting joins its backlog; the
 * client issues the oldest waiting one as soon as it is free (its latency counted from the
 * intended start, as wrk2 does), and one still waiting when its timeout has passed is *missed*.
 * A definite "not the leader" answer is retried at the hinted node with the same sequence number
 * (the state machine's sessions apply it once); the deadline turns an unanswered operation into
 * `info`.
 */
class Client {
  private pending: Pending | null = null;
  private sequenceNext = 0;
  private believedLeader: NodeId;
  /** Intended starts not issued yet, oldest first; each leaves within the timeout (issued or missed). */
  private readonly backlog: number[] = [];
  private readonly schedule: PoissonSchedule;
  /**
   * The session's last-seen log position (read paths `session` and `sync`): the highest position any
   * answer carried. Its reads go to replicas that have applied at least this far (protocol/sessionReads.ts).
   */
  private sessionIndex = 0;

  constructor(
    readonly id: ClientId,
    readonly home: NodeId,
    private readonly workload: Workload,
  ) {
    this.believedLeader = home;
    this.schedule = new PoissonSchedule(workload.spec.ratePerSec / workload.spec.clients, workload.streams.schedule(id), workload.host.nowUs());
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  /** Arms the next intended start of the schedule (nothing once the workload stopped). */
  scheduleNext(): void {
    if (this.workload.stopped) return;
    const intendedUs = this.schedule.next();
    this.workload.host.at(intendedUs, () => this.onIntendedStart(intendedUs));
  }

  private onIntendedStart(intendedUs: number): void {
    if (this.workload.stopped) return;
    this.scheduleNext();
    if (!this.busy && this.backlog.length === 0) return this.start(intendedUs);
    this.backlog.push(intendedUs);
    this.workload.host.at(intendedUs + this.workload.timeoutUs, () => this.onBacklogTimeout(intendedUs));
  }

  /** The caller gave up on an intended operation the client never got to issue. */
  private onBacklogTimeout(intendedUs: number): void {
    const index = this.backlog.indexOf(intendedUs);
    if (index === -1) return; // issued meanwhile
    assert(index === 0, 'the backlog times out oldest first');
    this.backlog.shift();
    this.workload.listener.missed({ clientId: this.id, intendedUs });
  }

  /** Issues the oldest waiting intended operation, if the client is free. */
  private startFromBacklog(): void {
    if (this.busy) return;
    const intendedUs = this.backlog.shift();
    if (intendedUs !== undefined) this.start(intendedUs);
  }

  private start(intendedUs: number): void {
    assert(this.pending === null, 'a client runs one operation at a time');
    const host = this.workload.host;
    assert(intendedUs <= host.nowUs(), 'an operation starts at or after its intended start');
    const command = this.workload.nextCommand(this.id);
    const policy = host.policy();
    const sequence = ++this.sequenceNext;
    const node = this.firstContact();
    const operationId = this.workload.listener.invoke({ clientId: this.id, command, node, policy, sequence, intendedUs });
    const deadlineUs = host.nowUs() + this.workload.timeoutUs;
    this.pending = { operationId, intendedUs, command, sequence, policy, deadlineUs, attempt: null, attempts: 0, syncedIndex: null };
    host.at(deadlineUs, () => this.onDeadline(operationId));
    this.attempt(node);
  }

  private firstContact(): NodeId {
    const nodes = this.workload.nodes;
    switch (this.workload.spec.routing) {
      case 'leader-hint':
        return this.believedLeader;
      case 'sticky':
        return this.home;
      case 'random':
        return this.workload.prng.pick(nodes);
    }
  }

  private attempt(node: NodeId): void {
    const pending = this.pending;
    assert(pending !== null, 'attempt without an operation');
    const host = this.workload.host;
    const requestId = host.nextRequestId();
    pending.attempt = requestId;
    pending.attempts++;
    this.workload.route(requestId, this);
    // Sticky: a request for another node goes through the home node; if the replica network cuts
    // them apart the forward is lost, and the client only learns it at its deadline.
    const forwarded = this.workload.spec.routing === 'sticky' && node !== this.home;
    if (forwarded && host.replicasConnected !== undefined && !host.replicasConnected(this.home, node)) return;
    host.send(node, { requestId, clientId: this.id, sequence: pending.sequence, command: pending.command, policy: pending.policy, ...this.afterIndexOf(pending) });
  }

  /** A session read carries the session's position; a sync read only after its sync step (the step itself carries none). */
  private afterIndexOf(pending: Pending): { afterIndex?: number } {
    if (pending.command.f !== 'read') return {};
    if (pending.policy.read === 'session') return { afterIndex: this.sessionIndex };
    if (pending.policy.read === 'sync' && pending.syncedIndex !== null) return { afterIndex: Math.max(this.sessionIndex, pending.syncedIndex) };
    return {};
  }

  onReply(reply: ClientReply): void {
    const pending = this.pending;
    if (pending === null || pending.attempt !== reply.requestId) return; // a late answer to an attempt we gave up on
    const result = reply.result;
    if (reply.index !== undefined && reply.index > this.sessionIndex) this.sessionIndex = reply.index;
    if (result.type === 'ok' && pending.command.f === 'read' && pending.policy.read === 'sync' && pending.syncedIndex === null) {
      // The leader confirmed the sync step: now read where the client reads (ZooKeeper: its connected server).
      pending.syncedIndex = reply.index ?? 0;
      pending.attempt = null;
      return this.attempt(this.firstContact());
    }
    if (result.type === 'ok') {
      if (pending.command.f !== 'read') return this.finish({ type: 'ok' }, true);
      this.workload.learn(pending.command.key, result.value ?? null);
      return this.finish({ type: 'ok', value: result.value ?? null }, true);
    }
    // A compare that does not hold is a definite, prompt answer: service, though the history says fail.
    if (result.reason === 'cas-mismatch') return this.finish({ type: 'fail' }, true);
    // Not here (not the leader, recovering, unavailable): definitely not applied by this attempt.
    // Try the hinted node, or the next one, after a short backoff.
    pending.attempt = null;
    const nodes = this.workload.nodes;
    const next = reply.leaderHint ?? nodes[(nodes.indexOf(this.believedLeader) + 1) % nodes.length] ?? this.home;
    this.believedLeader = next;
    const host = this.workload.host;
    const retryUs = host.nowUs() + redirectBackoffUs;
    if (retryUs >= pending.deadlineUs) return;
    const operationId = pending.operationId;
    host.at(retryUs, () => {
      if (this.pending?.operationId === operationId && this.pending.attempt === null) this.attempt(next);
    });
  }

  private onDeadline(operationId: number): void {
    const pending = this.pending;
    if (pending === null || pending.operationId !== operationId) return;
    // An attempt still in flight may yet take effect: unknown. If every attempt was refused, it did not happen.
    if (pending.attempt !== null) this.workload.forget(pending.attempt);
    // The believed leader did not answer: try another node first next time.
    const nodes = this.workload.nodes;
    this.believedLeader = nodes[(nodes.indexOf(this.believedLeader) + 1) % nodes.length] ?? this.home;
    this.finish(pending.attempt === null ? { type: 'fail' } : { type: 'info' }, false);
  }

  /** `answered`: the cluster gave a definite answer (ok, or a compare that did not hold). */
  private finish(outcome: ClientOutcome, answered: boolean): void {
    const pending = this.pending;
    assert(pending !== null, 'finish without an operation');
    this.pending = null;
    const served = answered && this.workload.host.nowUs() - pending.intendedUs <= this.workload.timeoutUs;
    this.workload.listener.complete(pending.operationId, outcome, { served });
    // The next waiting operation starts as its own event, after whatever called us has finished.
    if (this.backlog.length > 0) this.workload.host.at(this.workload.host.nowUs(), () => this.startFromBacklog());
  }
}

/**
 * The clients of a run and the operation generator: unique written values (`c<client>-<n>`),
 * keys by the chosen distribution, cas from the last value the workload saw for the key.
 */
export class Workload {
  private readonly clients: Client[];
  private readonly keys: KeyChooser;
  private readonly clientByRequest = new Map<RequestId, Client>();
  /** The last value the workload knows for each key, so cas has a fair chance to succeed. */
  private readonly lastKnown = new Map<string, string | null>();
  private valueNext = 0;
  private stoppedFlag = false;
  /** The clients' timeout, µs: of an operation from its issue, and of a waiting one from its intended start. */
  readonly timeoutUs: number;
  /** Draws commands and random first contacts. */
  readonly prng: Prng;

  constructor(
    readonly spec: WorkloadSpec,
    readonly nodes: readonly NodeId[],
    readonly host: ClientHost,
    readonly listener: ClientListener,
    readonly streams: WorkloadStreams,
  ) {
    assert(spec.clients >= 1 && spec.ratePerSec > 0, 'a workload needs clients and a rate');
    this.prng = streams.commands;
    this.timeoutUs = Math.round(spec.timeoutMs * 1000);
    this.keys = new KeyChooser(spec.keys, spec.keyDistribution, spec.zipfExponent);
    this.clients = Array.from({ length: spec.clients }, (_, index) => new Client(clientId(index + 1), nodes[index % nodes.length] as NodeId, this));
  }

  /** Starts every client's schedule (its first intended start one random gap from now). */
  start(): void {
    this.listener.clients({ homes: this.clients.map((client) => client.home), timeoutMs: this.spec.timeoutMs });
    for (const client of this.clients) client.scheduleNext();
  }

  /**
   * No intended starts from now on; operations in flight finish (or time out), and those already
   * waiting are still issued, or missed, within their timeout: they were offered before the stop.
   */
  stop(): void {
    this.stoppedFlag = true;
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  get inFlight(): number {
    return this.clients.filter((client) => client.busy).length;
  }

  forget(requestId: RequestId): void {
    this.clientByRequest.delete(requestId);
  }

  route(requestId: RequestId, client: Client): void {
    this.clientByRequest.set(requestId, client);
  }

  onReply(reply: ClientReply): void {
    const client = this.clientByRequest.get(reply.requestId);
    if (client === undefined) return;
    this.clientByRequest.delete(reply.requestId);
    client.onReply(reply);
  }

  /** The next operation: a key by the distribution, the mix, a unique value. */
  nextCommand(client: ClientId): KvCommand {
    const key = keyName(this.keys.next(this.prng));
    const mix = this.spec.mix;
    const draw = this.prng.float();
    if (draw < mix.read) return { f: 'read', key };
    const value = `c${client}-${++this.valueNext}`;
    if (draw < mix.read + mix.write) {
      this.lastKnown.set(key, value);
      return { f: 'write', key, value };
    }
    const from = this.lastKnown.get(key) ?? null;
    this.lastKnown.set(key, value);
    return { f: 'cas', key, from, to: value };
  }

  /** A read told us the key's value. */
  learn(key: string, value: string | null): void {
    this.lastKnown.set(key, value);
  }
}
