import type { NodeId } from '../base/ids';
import { limits } from '../base/limits';
import type { ObservedEvent } from '../protocol/replica';

/** What was applied at one log index: the first digest (and who applied it) and each node's, by node index. */
interface AppliedIndex {
  readonly digest: string;
  readonly node: NodeId;
  readonly byNode: Array<string | undefined>;
}

/** Where the safety check reports. */
export interface SafetyListener {
  /** An index applied for the first time by any replica, in index order (the violation oracle's feed). */
  firstApply(index: number, digest: string): void;
  /**
   * An invariant broke (`node` null: a cluster-wide one, whose sentence names the nodes). `first`
   * is false when the same sentence was reported before.
   */
  broken(node: NodeId | null, problem: string, first: boolean): void;
}

/**
 * The cluster-wide safety both runtimes check from what replicas report (ARCHITECTURE §6):
 * state-machine safety (no two replicas apply different commands at one index, from
 * `apply` digests, over a window of `limits.appliedIndicesKeptMax` indices) and election safety (at
 * most one leader per Raft term, one primary per VR view, from `role` events). It also collects
 * the replicas' own broken invariants and the protocol's cluster checker's, and hands each index's
 * first application to the violation oracle in index order, whichever replica's report comes first.
 */
export class ClusterSafety {
  /** Every broken invariant, each once, at most `limits.invariantsListedMax`. */
  readonly invariantsBroken: string[] = [];
  private readonly applied = new Map<number, AppliedIndex>();
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** First applications that arrived before a lower index did; fed as soon as the gap closes. */
  private readonly waiting = new Map<number, string>();
  private nextIndexToFeed = 1;
  private highestIndex = 0;
  private readonly indexOf: ReadonlyMap<NodeId, number>;

  constructor(
    private readonly ids: readonly NodeId[],
    private readonly listener: SafetyListener,
  ) {
    this.indexOf = new Map(ids.map((id, index) => [id, index]));
  }

  observe(node: NodeId, event: ObservedEvent): void {
    if (event.kind === 'apply') this.onApply(node, event.index, event.digest);
    else if (event.kind === 'role' && (event.role === 'leader' || event.role === 'primary')) this.onLeader(node, event.term);
  }

  /** A replica's own invariant broke. */
  replicaBroken(node: NodeId, problem: string): void {
    this.broken(node, problem);
  }

  /** A cluster-wide invariant broke (found by the protocol's cluster checker); the sentence names the nodes. */
  clusterBroken(problem: string): void {
    this.broken(null, problem);
  }

  /** The digest each node applied at `index` (within the window). */
  appliedAt(index: number): Map<NodeId, string> {
    const byNode = new Map<NodeId, string>();
    this.applied.get(index)?.byNode.forEach((digest, node) => digest !== undefined && byNode.set(this.ids[node] as NodeId, digest));
    return byNode;
  }

  private onApply(node: NodeId, index: number, digest: string): void {
    const record = this.applied.get(index);
    if (record !== undefined) {
      record.byNode[this.indexOf.get(node) as number] = digest;
      if (record.digest !== digest) this.broken(node, `state-machine safety: ${node} applied ${digest} at index ${index}, but ${record.node} applied ${record.digest} there`);
      return;
    }
    if (index <= this.highestIndex - limits.appliedIndicesKeptMax) return; // a replica replaying long-settled history
    const byNode = new Array<string | undefined>(this.ids.length).fill(undefined);
    byNode[this.indexOf.get(node) as number] = digest;
    this.applied.set(index, { digest, node, byNode });
    if (index > this.highestIndex) {
      for (let expired = Math.max(1, this.highestIndex - limits.appliedIndicesKeptMax + 1); expired <= index - limits.appliedIndicesKeptMax; expired++) this.applied.delete(expired);
      this.highestIndex = index;
    }
    if (index < this.nextIndexToFeed) return;
    this.waiting.set(index, digest);
    this.feed(false);
  }

  private onLeader(node: NodeId, term: number): void {
    const leader = this.leaderOfTerm.get(term);
    if (leader === undefined) this.leaderOfTerm.set(term, node);
    else if (leader !== node) this.broken(null, `election safety: ${leader} and ${node} both lead term/view ${term}`);
  }

  /** Feeds the oracle in index order; `all` (at the end of a run) skips gaps that never closed. */
  feed(all: boolean): void {
    for (;;) {
      let digest = this.waiting.get(this.nextIndexToFeed);
      if (digest === undefined && all && this.waiting.size > 0) {
        this.nextIndexToFeed = Math.min(...this.waiting.keys());
        digest = this.waiting.get(this.nextIndexToFeed);
      }
      if (digest === undefined) return;
      this.waiting.delete(this.nextIndexToFeed);
      this.listener.firstApply(this.nextIndexToFeed, digest);
      this.nextIndexToFeed++;
    }
  }

  private broken(node: NodeId | null, problem: string): void {
    const text = node === null ? problem : `${node}: ${problem}`;
    const first = !this.invariantsBroken.includes(text);
    if (first && this.invariantsBroken.length < limits.invariantsListedMax) this.invariantsBroken.push(text);
    this.listener.broken(node, problem, first);
  }
}
