import { type NodeId, nodeIds, clientId, requestId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import type { ClientReply, ClientRequest, ConsistencyPolicy, KvCommand } from '../../src/kv/command';
import { policyCp } from '../../src/kv/command';
import type { ObservedEvent, UnsafeSwitch } from '../../src/protocol/replica';
import { type VrSettings, vrSettingsDefault } from '../../src/protocol/settings';
import { VrReplica } from '../../src/protocol/vr/replica';
import type { VrMessage } from '../../src/protocol/vr/messages';

/** A message between replicas, held by the harness until a test delivers or drops it. */
export interface InFlight {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: VrMessage;
}

/**
 * A tiny hand-driven pump for paper tests (no simulator): replicas, the messages they sent,
 * and what they answered and observed. Tests choose what to deliver, drop and tick.
 */
export class Harness {
  readonly ids: NodeId[];
  readonly replicas = new Map<NodeId, VrReplica>();
  inFlight: InFlight[] = [];
  /** Every message handed to a replica, in order. */
  readonly delivered: InFlight[] = [];
  readonly replies: ClientReply[] = [];
  readonly events: Array<{ node: NodeId; event: ObservedEvent }> = [];
  private requestIdNext = 0;
  private readonly sequenceByClient = new Map<number, number>();
  private readonly incarnations = new Map<NodeId, number>();

  constructor(
    count: number,
    readonly settings: VrSettings = vrSettingsDefault,
    readonly unsafe: readonly UnsafeSwitch[] = [],
    readonly seed = 1,
  ) {
    this.ids = nodeIds(count);
    for (const id of this.ids) this.start(id, 0);
  }

  private start(id: NodeId, incarnation: number): VrReplica {
    this.incarnations.set(id, incarnation);
    const replica = new VrReplica({
      id,
      replicas: this.ids,
      settings: this.settings,
      tickMs: 10,
      prng: prngStream(this.seed, `node:${id}:${incarnation}`),
      disk: null,
      incarnation,
      unsafe: new Set(this.unsafe),
      localClockUs: () => 0,
    });
    this.replicas.set(id, replica);
    this.collect(id);
    return replica;
  }

  /** Crash and restart: a fresh replica with the next incarnation (VR keeps no disk). */
  restart(id: NodeId | string): VrReplica {
    const node = id as NodeId;
    this.inFlight = this.inFlight.filter((m) => m.to !== node && m.from !== node);
    return this.start(node, (this.incarnations.get(node) ?? 0) + 1);
  }

  replica(id: NodeId | string): VrReplica {
    const replica = this.replicas.get(id as NodeId);
    if (replica === undefined) throw new Error(`no replica ${id}`);
    return replica;
  }

  private collect(id: NodeId): void {
    const ready = this.replica(id).ready();
    for (const out of ready.messages) this.inFlight.push({ from: id, to: out.to, message: out.message });
    this.replies.push(...ready.replies);
    for (const event of ready.events) this.events.push({ node: id, event });
    const problems = this.replica(id).checkInvariants();
    if (problems.length > 0) throw new Error(`${id}: ${problems.join('; ')}`);
  }

  tick(id: NodeId | string, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.replica(id).tick();
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
    this.replica(id).request(request);
    this.collect(id as NodeId);
    return request;
  }

  /** Removes and returns the in-flight messages matching the filter. */
  take(filter: (m: InFlight) => boolean = () => true): InFlight[] {
    const taken = this.inFlight.filter(filter);
    this.inFlight = this.inFlight.filter((m) => !filter(m));
    return taken;
  }

  /** Messages in flight of one kind (optionally to one replica), without removing them. */
  peek(kind: VrMessage['kind'], to?: string): InFlight[] {
    return this.inFlight.filter((m) => m.message.kind === kind && (to === undefined || m.to === to));
  }

  /** Hands a message to its destination as if the network carried it. */
  deliverOne(m: InFlight): void {
    this.delivered.push(m);
    this.replica(m.to).receive(m.from, m.message);
    this.collect(m.to);
  }

  /** Delivers what matches, once (messages sent in response stay in flight). */
  deliver(filter: (m: InFlight) => boolean = () => true): number {
    const batch = this.take(filter);
    for (const m of batch) this.deliverOne(m);
    return batch.length;
  }

  /** Delivers until nothing matching is in flight (bounded); `drop` filters out what a partition would cut. */
  stabilize(options: { drop?: (m: InFlight) => boolean; roundsMax?: number } = {}): void {
    for (let round = 0; round < (options.roundsMax ?? 100); round++) {
      if (options.drop) this.take(options.drop);
      if (this.inFlight.length === 0) return;
      this.deliver();
    }
    throw new Error('the cluster did not stabilize');
  }

  /** Sends `message` to `to` as if `from` had. */
  inject(from: string, to: string, message: VrMessage): void {
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
}

export const write = (key: string, value: string): KvCommand => ({ f: 'write', key, value });
export const read = (key: string): KvCommand => ({ f: 'read', key });
export const cas = (key: string, from: string | null, to: string): KvCommand => ({ f: 'cas', key, from, to });
