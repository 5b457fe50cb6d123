import type { NodeId } from '../src/base/ids';
import type { ObservedEvent, Outbound, ProtocolDefinition, Replica, ReplicaView } from '../src/protocol/replica';

/**
 * The baseline protocol of the simulator benchmarks: no protocol work at all. Each node starts
 * `messagesInFlight` messages and forwards every message it receives to the next node, so the
 * simulator's queue, network model and host loop run at their raw speed.
 */
export interface EchoMessage {
  readonly kind: 'echo';
  readonly hop: number;
}

class EchoReplica implements Replica<EchoMessage, never> {
  private outbox: Array<Outbound<EchoMessage>> = [];
  private readonly next: NodeId;

  constructor(
    readonly id: NodeId,
    replicas: readonly NodeId[],
    messagesInFlight: number,
  ) {
    this.next = replicas[(replicas.indexOf(id) + 1) % replicas.length] as NodeId;
    for (let i = 0; i < messagesInFlight; i++) this.outbox.push({ to: this.next, message: { kind: 'echo', hop: 0 } });
  }

  tick(): void {}
  receive(_from: NodeId, message: EchoMessage): void {
    this.outbox.push({ to: this.next, message: { kind: 'echo', hop: message.hop + 1 } });
  }
  request(): void {}
  ready() {
    const messages = this.outbox;
    this.outbox = [];
    return { persist: [] as never[], messages, replies: [], events: [] as ObservedEvent[] };
  }
  view(): ReplicaView {
    return { id: this.id, role: 'follower', term: 0, leader: null, commitIndex: 0, appliedIndex: 0, lastIndex: 0, snapshotIndex: 0, logEntryCount: 0 };
  }
  checkInvariants(): string[] {
    return [];
  }
  keyValues(): ReadonlyMap<string, string> {
    return new Map();
  }
}

export function echoProtocol(messagesInFlight: number): ProtocolDefinition<unknown, EchoMessage, never, null> {
  return {
    name: 'raft',
    create: (options) => new EchoReplica(options.id, options.replicas, messagesInFlight),
    applyPersist: () => null,
     isHeartbeat: () => false,
  messageKind: (message) => message.kind,
    messageSize: () => 16,
    createClusterChecker: () => ({ check: () => [] }),
    safetyFacts: (replica) => ({ node: replica.id, eraName: 'term', era: '0', leads: false, commitIndex: 0, committedFrom: 1, committed: [] }),
  };
}
