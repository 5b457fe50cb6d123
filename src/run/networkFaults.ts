import type { NodeId } from '../base/ids';
import type { TraceEvent } from '../history/trace';
import type { LatencySpec } from '../network/latency';
import type { LinkFaults, NetworkModel } from '../network/network';
import { type PartitionSpec, partitionLinks } from '../network/partitions';

/** New settings for links, in the experiment's words; what is left out stays as it was. */
export interface LinkFaultsChange {
  readonly latencyMs?: LatencySpec;
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
}

/** `base` with the change's settings in place of its own. */
export function toLinkFaults(base: LinkFaults, change: LinkFaultsChange): LinkFaults {
  return {
    latencyMs: change.latencyMs ?? base.latencyMs,
    dropProbability: change.drop ?? base.dropProbability,
    duplicateProbability: change.duplicate ?? base.duplicateProbability,
    reorderProbability: change.reorder ?? base.reorderProbability,
  };
}

/**
 * The network faults of either runtime, on its `NetworkModel` (the simulator's and the live bus's
 * are the same model): partitions, heals and link-fault changes, each traced the same way, so a
 * fault means the same thing, and leaves the same trace line, wherever it runs.
 */
export class NetworkFaults {
  constructor(
    private readonly network: NetworkModel,
    private readonly ids: readonly NodeId[],
    private readonly trace: (event: TraceEvent) => void,
    private readonly nowUs: () => number,
  ) {}

  /** Applies a partition shape (replacing any earlier one) and returns its description. */
  partition(spec: PartitionSpec, leader: NodeId | null): string {
    const { cut, description } = partitionLinks(spec, this.ids, leader);
    this.network.setBlocked(cut);
    this.fault('partition', description);
    return description;
  }

  /** Ends partitions (link-fault changes stay). */
  healPartitions(): void {
    this.network.healPartitions();
    this.fault('heal', 'partitions healed');
  }

  /** Every link without faults of its own back to `settings` (the experiment's): ends a network fault. */
  resetNetwork(settings: LinkFaultsChange): void {
    this.network.setDefaults(toLinkFaults(this.network.faults, settings));
    this.fault('network-reset', 'network back to the experiment settings');
  }

  /**
   * Ends partitions and every network change, the faults links have of their own included: the
   * network is `settings` (the experiment's) again, everywhere (ARCHITECTURE §4 `heal`).
   * It traces what `healPartitions` and `resetNetwork` trace, in that order.
   */
  heal(settings: LinkFaultsChange): void {
    this.network.reset(toLinkFaults(this.network.faults, settings));
    this.fault('heal', 'partitions healed');
    this.fault('network-reset', 'network back to the experiment settings');
  }

  /**
   * Changes the faults of every link without faults of its own, or, given `links`, only those
   * directed links' (each keeps them, whatever later changes every link, until a heal). `detail`
   * is the trace's description (by default the change as JSON).
   */
  setNetwork(change: LinkFaultsChange, scope: { readonly links?: ReadonlyArray<readonly [NodeId, NodeId]>; readonly detail?: string } = {}): void {
    if (scope.links === undefined) this.network.setDefaults(toLinkFaults(this.network.faults, change));
    else for (const [from, to] of scope.links) this.network.setLink(from, to, toLinkFaults(this.network.link(from, to), change));
    this.fault('network', scope.detail ?? JSON.stringify(change));
  }

  private fault(fault: string, detail: string): void {
    this.trace({ t: this.nowUs(), kind: 'fault', fault, detail });
  }
}
