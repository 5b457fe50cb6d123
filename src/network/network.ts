import { assert } from '../base/assert';
import type { NodeId } from '../base/ids';
import type { Prng } from '../base/prng';
import { type LatencySpec, assertLatency, sampleLatencyUs } from './latency';

/** The faults of one directed link (ARCHITECTURE §4). Probabilities are 0..1. */
export interface LinkFaults {
  readonly latencyMs: LatencySpec;
  readonly dropProbability: number;
  readonly duplicateProbability: number;
  /** Probability that a message leaves FIFO order and takes an extra delay, so later ones overtake it. */
  readonly reorderProbability: number;
}

export const linkFaultsDefault: LinkFaults = {
  latencyMs: { distribution: 'lognormal', median: 5, p99: 40 },
  dropProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
};

/** One directed link as the app shows it (see `NetworkModel.linkStates`). */
export interface LinkState {
  readonly from: NodeId;
  readonly to: NodeId;
  /** Messages from → to are dropped by a partition or a disconnected node. */
  readonly cut: boolean;
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  /** The link has a latency of its own, not the network's. */
  readonly latencyOverridden: boolean;
}

/** Why a message did not arrive. */
export type DropReason = 'partition' | 'random' | 'down';

/** The fate of one send: the delays (µs) of each copy delivered; none when dropped. */
export interface Route {
  readonly delaysUs: readonly number[];
  readonly dropReason: DropReason | null;
}

function assertFaults(faults: LinkFaults): void {
  assertLatency(faults.latencyMs);
  for (const [name, value] of [
    ['drop', faults.dropProbability],
    ['duplicate', faults.duplicateProbability],
    ['reorder', faults.reorderProbability],
  ] as const) {
    assert(value >= 0 && value <= 1, `${name} probability must be in 0..1, got ${value}`);
  }
}

/**
 * The replica-to-replica network: per-link faults and a matrix of cut directed links.
 * Links are FIFO unless a reorder draw lets a message overtake, as TCP connections would be.
 * Node indices are positions in `nodes`.
 */
export class NetworkModel {
  private readonly indexOf = new Map<NodeId, number>();
  private defaults: LinkFaults;
  private readonly links: LinkFaults[];
  private readonly linkOverridden: boolean[];
  /** blocked[from * n + to]: a partition drops messages from → to. */
  private readonly blocked: Uint8Array;
  /** nodeCut[i]: node i is disconnected from everyone, independently of partitions. */
  private readonly nodeCut: Uint8Array;
  /** Latest delivery time per link, to keep links FIFO. */
  private readonly lastDeliveryUs: Float64Array;
  private readonly nodeCount: number;

  constructor(
    readonly nodes: readonly NodeId[],
    faults: LinkFaults,
    private readonly prng: Prng,
  ) {
    assertFaults(faults);
    this.nodeCount = nodes.length;
    nodes.forEach((node, index) => this.indexOf.set(node, index));
    this.defaults = faults;
    this.links = Array.from({ length: this.nodeCount * this.nodeCount }, () => faults);
    this.linkOverridden = new Array<boolean>(this.nodeCount * this.nodeCount).fill(false);
    this.blocked = new Uint8Array(this.nodeCount * this.nodeCount);
    this.nodeCut = new Uint8Array(this.nodeCount);
    this.lastDeliveryUs = new Float64Array(this.nodeCount * this.nodeCount);
  }

  index(node: NodeId): number {
    const index = this.indexOf.get(node);
    assert(index !== undefined, () => `unknown node ${node}`);
    return index;
  }

  get faults(): LinkFaults {
    return this.defaults;
  }

  /** Changes the faults of every link that has no override of its own. */
  setDefaults(change: Partial<LinkFaults>): void {
    const next = { ...this.defaults, ...change };
    assertFaults(next);
    this.defaults = next;
    for (let i = 0; i < this.links.length; i++) if (!this.linkOverridden[i]) this.links[i] = next;
  }

  /** Changes one directed link's faults. */
  setLink(from: NodeId, to: NodeId, change: Partial<LinkFaults>): void {
    const slot = this.index(from) * this.nodeCount + this.index(to);
    const next = { ...(this.links[slot] as LinkFaults), ...change };
    assertFaults(next);
    this.links[slot] = next;
    this.linkOverridden[slot] = true;
  }

  link(from: NodeId, to: NodeId): LinkFaults {
    return this.links[this.index(from) * this.nodeCount + this.index(to)] as LinkFaults;
  }

  /** Cuts exactly the given directed links (replacing any previous partition). */
  setBlocked(cut: ReadonlyArray<readonly [NodeId, NodeId]>): void {
    this.blocked.fill(0);
    for (const [from, to] of cut) this.blocked[this.index(from) * this.nodeCount + this.index(to)] = 1;
  }

  /**
   * Disconnects or reconnects one node from everyone. This is kept apart from partitions, so
   * reconnecting one node never reconnects another that is still cut off.
   */
  setNodeCut(node: NodeId, cut: boolean): void {
    this.nodeCut[this.index(node)] = cut ? 1 : 0;
  }

  isNodeCut(node: NodeId): boolean {
    return this.nodeCut[this.index(node)] === 1;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.isBlockedByIndex(this.index(from), this.index(to));
  }

  isBlockedByIndex(from: number, to: number): boolean {
    return this.blocked[from * this.nodeCount + to] === 1 || this.nodeCut[from] === 1 || this.nodeCut[to] === 1;
  }

  /** The directed links currently cut (by a partition or a disconnected node). */
  blockedLinks(): Array<[NodeId, NodeId]> {
    const cut: Array<[NodeId, NodeId]> = [];
    for (let from = 0; from < this.nodeCount; from++) {
      for (let to = 0; to < this.nodeCount; to++) {
        if (from !== to && this.isBlockedByIndex(from, to)) cut.push([this.nodes[from] as NodeId, this.nodes[to] as NodeId]);
      }
    }
    return cut;
  }

  /**
   * Every directed link as the app draws it: cut or not, and its faults when they differ from a
   * healthy link's (no drop, duplication or reorder, the network's default latency).
   */
  linkStates(): LinkState[] {
    const states: LinkState[] = [];
    for (let from = 0; from < this.nodeCount; from++) {
      for (let to = 0; to < this.nodeCount; to++) {
        if (from === to) continue;
        const slot = from * this.nodeCount + to;
        const faults = this.links[slot] as LinkFaults;
        states.push({
          from: this.nodes[from] as NodeId,
          to: this.nodes[to] as NodeId,
          cut: this.isBlockedByIndex(from, to),
          drop: faults.dropProbability,
          duplicate: faults.duplicateProbability,
          reorder: faults.reorderProbability,
          latencyOverridden: this.linkOverridden[slot] === true && faults.latencyMs !== this.defaults.latencyMs,
        });
      }
    }
    return states;
  }

  /** Ends partitions and reconnects every node; link faults stay as they are. */
  healPartitions(): void {
    this.blocked.fill(0);
    this.nodeCut.fill(0);
  }

  /** Back to the given faults on every link, no partition. */
  reset(faults: LinkFaults): void {
    assertFaults(faults);
    this.defaults = faults;
    this.links.fill(faults);
    this.linkOverridden.fill(false);
    this.blocked.fill(0);
    this.nodeCut.fill(0);
  }

  /**
   * Decides what happens to one message sent now (µs) from → to: dropped (by a cut or a
   * random draw), delivered once, or delivered twice (duplicated), each copy with its delay.
   */
  route(fromIndex: number, toIndex: number, nowUs: number): Route {
    const copies = this.decide(fromIndex, toIndex, nowUs);
    if (copies === 0) return { delaysUs: [], dropReason: this.decidedDropReason };
    return { delaysUs: copies === 1 ? [this.decidedDelayUs] : [this.decidedDelayUs, this.decidedDuplicateDelayUs], dropReason: null };
  }

  /** Why the last `decide` dropped its message (null when it did not). */
  decidedDropReason: DropReason | null = null;
  /** The delay (µs) of the first copy of the last message `decide` let through. */
  decidedDelayUs = 0;
  /** The delay (µs) of the duplicate, when the last `decide` returned 2. */
  decidedDuplicateDelayUs = 0;

  /**
   * `route` without allocating, for the simulator's hot path: returns how many copies arrive
   * (0, 1 or 2) and leaves the delays and the drop reason in the `decided…` fields. It draws from
   * the PRNG exactly as `route` does.
   */
  decide(fromIndex: number, toIndex: number, nowUs: number): number {
    const slot = fromIndex * this.nodeCount + toIndex;
    if (this.isBlockedByIndex(fromIndex, toIndex)) {
      this.decidedDropReason = 'partition';
      return 0;
    }
    const faults = this.links[slot] as LinkFaults;
    const prng = this.prng;
    if (faults.dropProbability > 0 && prng.chance(faults.dropProbability)) {
      this.decidedDropReason = 'random';
      return 0;
    }
    this.decidedDropReason = null;
    this.decidedDelayUs = this.delay(slot, faults, nowUs);
    if (faults.duplicateProbability > 0 && prng.chance(faults.duplicateProbability)) {
      this.decidedDuplicateDelayUs = this.delay(slot, faults, nowUs);
      return 2;
    }
    return 1;
  }

  private delay(slot: number, faults: LinkFaults, nowUs: number): number {
    const sampled = sampleLatencyUs(faults.latencyMs, this.prng);
    if (faults.reorderProbability > 0 && this.prng.chance(faults.reorderProbability)) {
      // An extra delay of up to four more latencies: later messages may overtake this one.
      const extra = Math.round(this.prng.float() * 4 * Math.max(sampled, 1000));
      return sampled + extra;
    }
    // FIFO: never arrive before the previous message on this link.
    const arrival = Math.max(nowUs + sampled, this.lastDeliveryUs[slot] as number);
    this.lastDeliveryUs[slot] = arrival;
    return arrival - nowUs;
  }
}
