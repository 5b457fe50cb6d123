import { type NodeId, clientId, nodeIds, requestId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import type { ClientReply, ClientRequest, ConsistencyPolicy, KvCommand } from '../../src/kv/command';
import { policyCp } from '../../src/kv/command';
import { PaxosClusterChecker } from '../../src/protocol/paxos/invariants';
import type { PaxosDisk, PaxosMessage } from '../../src/protocol/paxos/messages';
import { PaxosNode } from '../../src/protocol/paxos/node';
import { applyPaxosPersist } from '../../src/protocol/paxos/persist';
import type { ObservedEvent, UnsafeSwitch } from '../../src/protocol/replica';
import { type PaxosSettings, paxosSettingsDefault } from '../../src/protocol/settings';

/** A message between nodes, held by the harness until a test delivers or drops it. */
export interface InFlight {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: PaxosMessage;
}

/**
 * A hand-driven pump for paper tests (no simulator): nodes with their disks (persist records are
 * durable as soon as a batch is drained, before its messages "leave"), the messages in flight,
 * replies and events. Node and cluster invariants are checked after every input.
 */
export class Harness {
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, PaxosNode>();
  readonly disks = new Map<NodeId, PaxosDisk | null>();
  inFlight: InFlight[] = [];
  readonly delivered: InFlight[] = [];
  readonly replies: ClientReply[] = [];
  readonly events: Array<{ node: NodeId; event: ObservedEvent }> = [];
  readonly broken: string[] = [];
  readonly checker = new PaxosClusterChecker();
  private requestIdNext = 0;
  private readonly sequenceByClient = new Map<number, number>();
  private readonly incarnations = new Map<NodeId, number>();

  constructor(
    count: number,
    readonly settings: PaxosSettings = paxosSettingsDefault,
    readonly unsafe: readonly UnsafeSwitch[] = [],
    readonly seed = 1,
    /** Throw on a broken invariant (the default without unsafe switches) or only record it. */
    readonly strict = unsafe.length === 0,
  ) {
    this.ids = nodeIds(count);
    for (const id of this.ids) this.start(id, 0);
  }

  private start(id: NodeId, incarnation: number): PaxosNode {
    this.incarnations.set(id, incarnation);
    const node = new PaxosNode({
      id,
      replicas: this.ids,
      settings: this.settings,
      tickMs: 10,
      prng: prngStream(this.seed, `node:${id}:${incarnation}`),
      disk: structuredClone(this.disks.get(id) ?? null),
      incarnation,
      unsafe: new Set(this.unsafe),
      localClockUs: () => 0,
    });
    this.nodes.set(id, node);
    this.collect(id);
    return node;
  }

  /** Crash and restart from the disk. */
  restart(id: NodeId | string): PaxosNode {
    const node = id as NodeId;
    this.inFlight = this.inFlight.filter((m) => m.to !== node && m.from !== node);
    return this.start(node, (this.incarnations.get(node) ?? 0) + 1);
  }

  node(id: NodeId | string): PaxosNode {
    const node = this.nodes.get(id as NodeId);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private collect(id: NodeId): void {
    const node = this.node(id);
    const ready = node.ready();
    this.disks.set(id, applyPaxosPersist(this.disks.get(id) ?? null, ready.persist));
    for (const out of ready.messages) this.inFlight.push({ from: id, to: out.to, message: out.message });
    this.replies.push(...ready.replies);
    for (const event of ready.events) this.events.push({ node: id, event });
    const problems = [...node.checkInvariants(), ...this.checker.check([...this.nodes.values()])];
    if (problems.length === 0) return;
    if (this.strict) throw new Error(`${id}: ${problems.join('; ')}`);
    this.broken.push(...problems);
  }

  tick(id: NodeId | string, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.node(id).tick();
      this.collect(id as NodeId);
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.ids) this.tick(id);
  }

  /** A client request handed to `id`; each call gets the client's next sequence number unless given. */
  request(id: NodeId | string, command: KvCommand, options: { policy?: ConsistencyPolicy; client?: number; sequence?: number } = {}): ClientRequest {
    const client = options.client ?? 1;
    const sequence = options.sequence ?? (this.sequenceByClient.get(client) ?? 0) + 1;
    this.sequenceByClient.set(client, Math.max(sequence, this.sequenceByClient.get(client) ?? 0));
    const request: ClientRequest = { requestId: requestId(++this.requestIdNext), clientId: clientId(client), sequence, command, policy: options.policy ?? policyCp };
    this.node(id).request(request);
    this.collect(id as NodeId);
    return request;
  }

  take(filter: (m: InFlight) => boolean = () => true): InFlight[] {
    const taken = this.inFlight.filter(filter);
    this.inFlight = this.inFlight.filter((m) => !filter(m));
    return taken;
  }

  peek(kind: PaxosMessage['kind'], to?: string): InFlight[] {
    return this.inFlight.filter((m) => m.message.kind === kind && (to === undefined || m.to === to));
  }

  deliverOne(m: InFlight): void {
    this.delivered.push(m);
    this.node(m.to).receive(m.from, m.message);
    this.collect(m.to);
  }

  deliver(filter: (m: InFlight) => boolean = () => true): number {
    const batch = this.take(filter);
    for (const m of batch) this.deliverOne(m);
    return batch.length;
  }

  /** Delivers until nothing is in flight (bounded); `drop` removes what a partition would cut first. */
  stabilize(options: { drop?: (m: InFlight) => boolean; roundsMax?: number } = {}): void {
    for (let round = 0; round < (options.roundsMax ?? 100); round++) {
      if (options.drop) this.take(options.drop);
      if (this.inFlight.length === 0) return;
      this.deliver();
    }
    throw new Error('the cluster did not stabilize');
  }

  inject(from: string, to: string, message: PaxosMessage): void {
    this.deliverOne({ from: from as NodeId, to: to as NodeId, message });
  }

  /** Ticks `id` until its election timer fires and it becomes a candidate. */
  campaign(id: NodeId | string): void {
    const node = this.node(id);
    for (let i = 0; i < 1000 && node.role !== 'candidate' && node.role !== 'leader'; i++) this.tick(id);
    if (node.role !== 'candidate' && node.role !== 'leader') throw new Error(`${id} did not campaign`);
  }

  /** `id` campaigns and the cluster settles with it as leader. */
  elect(id: NodeId | string, options: { drop?: (m: InFlight) => boolean } = {}): PaxosNode {
    this.campaign(id);
    this.stabilize(options);
    const node = this.node(id);
    if (node.role !== 'leader') throw new Error(`${id} is ${node.role}, not leader`);
    return node;
  }

  replyTo(request: ClientRequest): ClientReply | undefined {
    return this.replies.find((r) => r.requestId === request.requestId);
  }

  eventsOf(id: string, kind: ObservedEvent['kind']): ObservedEvent[] {
    return this.events.filter((e) => e.node === id && e.event.kind === kind).map((e) => e.event);
  }

  ignoredReasons(id: string): string[] {
    return this.eventsOf(id, 'ignored').map((e) => (e.kind === 'ignored' ? `${e.message}:${e.reason}` : ''));
  }

  /** Messages delivered of one kind. */
  count(kind: PaxosMessage['kind']): number {
    return this.delivered.filter((m) => m.message.kind === kind).length;
  }
}

export const write = (key: string, value: string): KvCommand => ({ f: 'write', key, value });
export const read = (key: string): KvCommand => ({ f: 'read', key });
export const cas = (key: string, from: string | null, to: string): KvCommand => ({ f: 'cas', key, from, to });
