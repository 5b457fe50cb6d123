import type { NodeId } from '../base/ids';
import type { TraceEvent } from '../history/trace';
import type { ClientReply } from '../kv/command';
import type { LatencySpec } from '../network/latency';
import type { ObservedEvent, ProtocolDefinition, UnsafeSwitch } from '../protocol/replica';
import type { LinkFaultsChange } from '../run/networkFaults';

/* eslint-disable @typescript-eslint/no-explicit-any -- a cluster hosts one protocol whose message types it never looks into */
type AnyProtocol<Settings> = ProtocolDefinition<Settings, any, any, any>;

/** A change of every link's faults, or of some links' (see `setNetwork`). */
export type NetworkChange = LinkFaultsChange;

export interface SimClusterOptions<Settings> {
  readonly protocol: AnyProtocol<Settings>;
  readonly nodes: number;
  readonly seed: number;
  readonly tickMs: number;
  readonly settings: Settings;
  readonly network?: NetworkChange;
  /** Client ↔ replica links (not cut by replica partitions). */
  readonly clientLatencyMs?: LatencySpec;
  readonly unsafe?: readonly UnsafeSwitch[];
  /** Disk write latency, ms; 0 makes persistence instant. */
  readonly fsyncMs?: number;
  /** `throw` (the default without unsafe switches) stops the run; `record` keeps going and lists them. */
  readonly onInvariantBroken?: 'throw' | 'record';
  /** Run the invariants after every step (default) or not at all (benchmarks of raw speed). */
  readonly checkInvariants?: boolean;
  readonly trace?: (event: TraceEvent) => void;
  /** Called when a replica's reply reaches the client side. */
  readonly onReply?: (reply: ClientReply) => void;
  /** Called when an index is applied for the first time by any replica, in index order. */
  readonly onFirstApply?: (index: number, digest: string) => void;
  /** Called for every ObservedEvent, after the simulator's own bookkeeping. */
  readonly onObserved?: (node: NodeId, event: ObservedEvent) => void;
}

/** Counters of what the network carried. */
export interface MessageStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  bytes: number;
  byKind: Record<string, number>;
}
