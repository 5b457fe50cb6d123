import type { NodeId } from '../../src/base/ids';
import type { ObservedEvent } from '../../src/protocol/replica';

/** Apply digests kept per index; older indices are settled on every replica long before. */
const appliedIndicesKeptMax = 20_000;
/** Broken invariants listed at most (the rest would repeat the same story). */
const invariantsListedMax = 1000;

/**
 * The cluster-wide checks the live runtime can make from what replicas report, since their
 * state lives in other threads: state-machine safety (no two replicas apply different commands
 * at one index, from `apply` digests), election safety (at most one leader per Raft term, one
 * primary per VR view, from `role` events), and each replica's own invariants (checked in its
 * worker after every input). It also hands each index's first application to the violation
 * oracle in index order, whichever worker's report arrives first.
 */
export class LiveSafety {
  readonly invariantsBroken: string[] = [];
  private readonly firstDigest = new Map<number, { readonly digest: string; readonly node: NodeId }>();
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** First applications that arrived before a lower index did; fed as soon as the gap closes. */
  private readonly waiting = new Map<number, string>();
  private nextIndexToFeed = 1;
  private highestIndex = 0;

  constructor(
    private readonly onFirstApply: (index: number, digest: string) => void,
    private readonly onBroken: (node: NodeId | null, problem: string) => void,
  ) {}

  observe(node: NodeId, event: ObservedEvent): void {
    if (event.kind === 'apply') this.onApply(node, event.index, event.digest);
    else if (event.kind === 'role' && (event.role === 'leader' || event.role === 'primary')) this.onLeader(node, event.term);
  }

  /** A replica's own invariants broke (reported by its worker). */
  replicaBroken(node: NodeId, problem: string): void {
    this.broken(node, problem);
  }

  /** A cluster-wide invariant broke (found by the protocol's cluster checker); the sentence names the nodes. */
  clusterBroken(problem: string): void {
    this.broken(null, problem);
  }

  private onApply(node: NodeId, index: number, digest: string): void {
    const first = this.firstDigest.get(index);
    if (first !== undefined) {
      if (first.digest !== digest) this.broken(node, `state-machine safety: ${node} applied ${digest} at index ${index}, but ${first.node} applied ${first.digest} there`);
      return;
    }
    if (index <= this.highestIndex - appliedIndicesKeptMax) return; // a replica replaying long-settled history
    this.firstDigest.set(index, { digest, node });
    if (index > this.highestIndex) {
      for (let expired = this.highestIndex - appliedIndicesKeptMax + 1; expired <= index - appliedIndicesKeptMax; expired++) this.firstDigest.delete(expired);
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
      this.onFirstApply(this.nextIndexToFeed, digest);
      this.nextIndexToFeed++;
    }
  }

  private broken(node: NodeId | null, problem: string): void {
    const text = node === null ? problem : `${node}: ${problem}`;
    if (this.invariantsBroken.includes(text)) return;
    this.onBroken(node, problem);
    if (this.invariantsBroken.length < invariantsListedMax) this.invariantsBroken.push(text);
  }
}
