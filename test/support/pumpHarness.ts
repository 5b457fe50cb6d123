import { type NodeId, clientId, nodeIds, requestId } from '../../src/base/ids';
import type { ClientReply, ClientRequest, ConsistencyPolicy, KvCommand } from '../../src/kv/command';
import { policyCp } from '../../src/kv/command';
import type { ObservedEvent, Replica } from '../../src/protocol/replica';

/** A message between replicas, held by the harness until a test delivers or drops it. */
export interface InFlight<Message> {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: Message;
}

/** What a protocol's harness gives the pump: how to build a replica, keep its disk, check the cluster. */
export interface PumpProtocol<R extends Replica<Message, Persist>, Message, Persist, Disk> {
  /** A replica on `id`, started at `incarnation` from `disk` (a copy: the harness keeps its own). */
  create(id: NodeId, ids: readonly NodeId[], incarnation: number, disk: Disk | null): R;
  /** The disk after a batch's persist records (null: the protocol keeps no disk). */
  applyPersist(disk: Disk | null, records: readonly Persist[]): Disk | null;
  /** Cluster-wide invariants over every replica, after each input (none when absent). */
  checkCluster?(replicas: readonly R[]): string[];
  /** Throw on a broken invariant, or only record it in `broken` (unsafe switches on). */
  readonly strict: boolean;
}

/**
 * A hand-driven pump for paper tests (no simulator), shared by the VR and Multi-Paxos tests:
 * replicas with their disks (persist records are durable as soon as a batch is drained, before
 * its messages "leave"), the messages in flight, replies and events. Tests choose what to
 * deliver, drop and tick; node (and cluster) invariants are checked after every input.
 */
export class PumpHarness<R extends Replica<Message, Persist>, Message extends { readonly kind: string }, Persist, Disk> {
  readonly ids: NodeId[];
  readonly members = new Map<NodeId, R>();
  readonly disks = new Map<NodeId, Disk | null>();
  inFlight: Array<InFlight<Message>> = [];
  /** Every message handed to a replica, in order. */
  readonly delivered: Array<InFlight<Message>> = [];
  readonly replies: ClientReply[] = [];
  readonly events: Array<{ node: NodeId; event: ObservedEvent }> = [];
  /** Invariants broken while not strict. */
  readonly broken: string[] = [];
  private requestIdNext = 0;
  private readonly sequenceByClient = new Map<number, number>();
  private readonly incarnations = new Map<NodeId, number>();

  constructor(
    count: number,
    private readonly protocol: PumpProtocol<R, Message, Persist, Disk>,
  ) {
    this.ids = nodeIds(count);
    for (const id of this.ids) this.start(id, 0);
  }

  private start(id: NodeId, incarnation: number): R {
    this.incarnations.set(id, incarnation);
    const member = this.protocol.create(id, this.ids, incarnation, structuredClone(this.disks.get(id) ?? null));
    this.members.set(id, member);
    this.collect(id);
    return member;
  }

  /** Crash and restart from the disk (what the protocol keeps there), with the next incarnation. */
  restart(id: NodeId | string): R {
    const node = id as NodeId;
    this.inFlight = this.inFlight.filter((m) => m.to !== node && m.from !== node);
    return this.start(node, (this.incarnations.get(node) ?? 0) + 1);
  }

  member(id: NodeId | string): R {
    const member = this.members.get(id as NodeId);
    if (member === undefined) throw new Error(`no replica ${id}`);
    return member;
  }

  private collect(id: NodeId): void {
    const member = this.member(id);
    const ready = member.ready();
    this.disks.set(id, this.protocol.applyPersist(this.disks.get(id) ?? null, ready.persist));
    for (const out of ready.messages) this.inFlight.push({ from: id, to: out.to, message: out.message });
    this.replies.push(...ready.replies);
    for (const event of ready.events) this.events.push({ node: id, event });
    const problems = [...member.checkInvariants(), ...(this.protocol.checkCluster?.([...this.members.values()]) ?? [])];
    if (problems.length === 0) return;
    if (this.protocol.strict) throw new Error(`${id}: ${problems.join('; ')}`);
    this.broken.push(...problems);
  }

  tick(id: NodeId | string, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.member(id).tick();
      this.collect(id as NodeId);
    }
  }

  /** Ticks every replica once, `times` times. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.ids) this.tick(id);
  }

  /** The id the next request will get. */
  get nextRequestId(): number {
    return this.requestIdNext + 1;
  }

  /** A client request handed to `id`; each call gets the client's next sequence number unless given. */
  request(id: NodeId | string, command: KvCommand, options: { policy?: ConsistencyPolicy; client?: number; sequence?: number } = {}): ClientRequest {
    const client = options.client ?? 1;
    const sequence = options.sequence ?? (this.sequenceByClient.get(client) ?? 0) + 1;
    this.sequenceByClient.set(client, Math.max(sequence, this.sequenceByClient.get(client) ?? 0));
    const request: ClientRequest = { requestId: requestId(++this.requestIdNext), clientId: clientId(client), sequence, command, policy: options.policy ?? policyCp };
    this.member(id).request(request);
    this.collect(id as NodeId);
    return request;
  }

  /** Removes and returns the in-flight messages matching the filter. */
  take(filter: (m: InFlight<Message>) => boolean = () => true): Array<InFlight<Message>> {
    const taken = this.inFlight.filter(filter);
    this.inFlight = this.inFlight.filter((m) => !filter(m));
    return taken;
  }

  /** Messages in flight of one kind (optionally to one replica), without removing them. */
  peek(kind: Message['kind'], to?: string): Array<InFlight<Message>> {
    return this.inFlight.filter((m) => m.message.kind === kind && (to === undefined || m.to === to));
  }

  /** Hands a message to its destination as if the network carried it. */
  deliverOne(m: InFlight<Message>): void {
    this.delivered.push(m);
    this.member(m.to).receive(m.from, m.message);
    this.collect(m.to);
  }

  /** Delivers what matches, once (messages sent in response stay in flight). */
  deliver(filter: (m: InFlight<Message>) => boolean = () => true): number {
    const batch = this.take(filter);
    for (const m of batch) this.deliverOne(m);
    return batch.length;
  }

  /** Delivers until nothing is in flight (bounded); `drop` removes what a partition would cut first. */
  stabilize(options: { drop?: (m: InFlight<Message>) => boolean; roundsMax?: number } = {}): void {
    for (let round = 0; round < (options.roundsMax ?? 100); round++) {
      if (options.drop) this.take(options.drop);
      if (this.inFlight.length === 0) return;
      this.deliver();
    }
    throw new Error('the cluster did not stabilize');
  }

  /** Sends `message` to `to` as if `from` had. */
  inject(from: string, to: string, message: Message): void {
    this.deliverOne({ from: from as NodeId, to: to as NodeId, message });
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
  count(kind: Message['kind']): number {
    return this.delivered.filter((m) => m.message.kind === kind).length;
  }
}

export const write = (key: string, value: string): KvCommand => ({ f: 'write', key, value });
export const read = (key: string): KvCommand => ({ f: 'read', key });
export const cas = (key: string, from: string | null, to: string): KvCommand => ({ f: 'cas', key, from, to });
