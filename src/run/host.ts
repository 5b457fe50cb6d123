import type { NodeId, RequestId } from '../base/ids';
import type { TraceEvent } from '../history/trace';
import type { ClientReply, ClientRequest } from '../kv/command';
import type { NetworkModel } from '../network/network';
import type { ReplicaView } from '../protocol/replica';

/**
 * What a runtime does for the run core (ARCHITECTURE §3): it keeps
 * the clock and schedules, carries client requests to the replicas it hosts, and starts, stops,
 * freezes and skews those replicas. The simulator does it in virtual time in one thread; the
 * threads runtime in lab time with one worker per replica. The network's faults are the core's:
 * it changes the host's `NetworkModel`, which the host applies to every message.
 */
export interface RunHost {
  readonly network: NetworkModel;
  /** Lab time (µs): virtual in the simulator, scaled wall time in the threads runtime. */
  nowUs(): number;
  /** Runs `action` at lab time `timeUs`, in order with everything else. */
  at(timeUs: number, action: () => void): void;
  /** A client's request to a replica, over the client link. */
  sendRequest(to: NodeId, request: ClientRequest): void;
  nextRequestId(): RequestId;
  /** Each of these does nothing when the node is not in the state it needs, and traces what it did. */
  crash(id: NodeId, amnesia: boolean): void;
  restart(id: NodeId): void;
  pause(id: NodeId): void;
  resume(id: NodeId): void;
  setClock(id: NodeId, change: { readonly driftPpm?: number; readonly offsetMs?: number }): void;
  isUp(id: NodeId): boolean;
  isPaused(id: NodeId): boolean;
  /** The replica's last known state; null when the node is down. */
  view(id: NodeId): ReplicaView | null;
}

/** What a host reports to the run core. */
export interface RunSink {
  /** A trace event (messages, replicas' observed events, node actions, broken invariants). */
  trace(event: TraceEvent): void;
  /** A replica's reply reached the client side. */
  reply(reply: ClientReply): void;
  /** An index was applied for the first time by any replica, in index order. */
  firstApply(index: number, digest: string): void;
}
