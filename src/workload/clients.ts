import { assert } from '../base/assert';
import { type ClientId, type NodeId, type RequestId, clientId } from '../base/ids';
import type { Prng } from '../base/prng';
import type { ClientReply, ClientRequest, ConsistencyPolicy, KvCommand } from '../kv/command';
import { KeyChooser, keyName } from './keys';

/** The workload part of an experiment (ARCHITECTURE §5, §7). */
export interface WorkloadSpec {
  readonly clients: number;
  /** Total offered load across clients. */
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

/** Hooks the history recorder listens to. */
export interface ClientListener {
  invoke(operation: { clientId: ClientId; command: KvCommand; node: NodeId; policy: ConsistencyPolicy; sequence: number }): number;
  complete(operationId: number, outcome: { type: 'ok'; value?: string | null } | { type: 'fail' } | { type: 'info' }): void;
}

/** Backoff before retrying elsewhere after a definite "not here" answer. */
const redirectBackoffUs = 10_000;

interface Pending {
  readonly operationId: number;
  readonly command: KvCommand;
  readonly sequence: number;
  readonly policy: ConsistencyPolicy;
  readonly deadlineUs: number;
  /** The attempt whose answer we wait for; null while backing off between attempts. */
  attempt: RequestId | null;
  attempts: number;
}

/**
 * One single-threaded client (a Jepsen process): one operation at a time, exponential think
 * time between operations so the clients together offer `ratePerSec`. A definite "not the
 * leader" answer is retried at the hinted node with the same sequence number (the state
 * machine's sessions apply it once); the deadline turns an unanswered operation into `info`.
 */
class Client {
  private pending: Pending | null = null;
  private sequenceNext = 0;
  private believedLeader: NodeId;

  constructor(
    readonly id: ClientId,
    private readonly home: NodeId,
    private readonly workload: Workload,
  ) {
    this.believedLeader = home;
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  start(command: KvCommand, policy: ConsistencyPolicy): void {
    assert(this.pending === null, 'a client runs one operation at a time');
    const host = this.workload.host;
    const sequence = ++this.sequenceNext;
    const node = this.firstContact();
    const operationId = this.workload.listener.invoke({ clientId: this.id, command, node, policy, sequence });
    const deadlineUs = host.nowUs() + Math.round(this.workload.spec.timeoutMs * 1000);
    this.pending = { operationId, command, sequence, policy, deadlineUs, attempt: null, attempts: 0 };
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
    host.send(node, { requestId, clientId: this.id, sequence: pending.sequence, command: pending.command, policy: pending.policy });
  }

  onReply(reply: ClientReply): void {
    const pending = this.pending;
    if (pending === null || pending.attempt !== reply.requestId) return; // a late answer to an attempt we gave up on
    const result = reply.result;
    if (result.type === 'ok') {
      if (pending.command.f !== 'read') return this.finish({ type: 'ok' });
      this.workload.learn(pending.command.key, result.value ?? null);
      return this.finish({ type: 'ok', value: result.value ?? null });
    }
    if (result.reason === 'cas-mismatch') return this.finish({ type: 'fail' });
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
    this.finish(pending.attempt === null ? { type: 'fail' } : { type: 'info' });
    // The believed leader did not answer: try another node first next time.
    const nodes = this.workload.nodes;
    this.believedLeader = nodes[(nodes.indexOf(this.believedLeader) + 1) % nodes.length] ?? this.home;
  }

  private finish(outcome: { type: 'ok'; value?: string | null } | { type: 'fail' } | { type: 'info' }): void {
    const pending = this.pending;
    assert(pending !== null, 'finish without an operation');
    this.pending = null;
    this.workload.listener.complete(pending.operationId, outcome);
    this.workload.scheduleNext(this);
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
  private stopped = false;
  private readonly thinkMeanUs: number;

  constructor(
    readonly spec: WorkloadSpec,
    readonly nodes: readonly NodeId[],
    readonly host: ClientHost,
    readonly listener: ClientListener,
    readonly prng: Prng,
  ) {
    assert(spec.clients >= 1 && spec.ratePerSec > 0, 'a workload needs clients and a rate');
    this.keys = new KeyChooser(spec.keys, spec.keyDistribution, spec.zipfExponent);
    this.clients = Array.from({ length: spec.clients }, (_, index) => new Client(clientId(index + 1), nodes[index % nodes.length] as NodeId, this));
    this.thinkMeanUs = (spec.clients / spec.ratePerSec) * 1e6;
  }

  /** Starts every client with a random initial think time. */
  start(): void {
    for (const client of this.clients) this.scheduleNext(client);
  }

  /** No new operations from now on; operations in flight finish (or time out). */
  stop(): void {
    this.stopped = true;
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

  scheduleNext(client: Client): void {
    if (this.stopped) return;
    const thinkUs = Math.max(1, Math.round(-this.thinkMeanUs * Math.log(1 - this.prng.float())));
    this.host.at(this.host.nowUs() + thinkUs, () => {
      if (!this.stopped && !client.busy) client.start(this.nextCommand(client.id), this.host.policy());
    });
  }

  private nextCommand(client: ClientId): KvCommand {
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
