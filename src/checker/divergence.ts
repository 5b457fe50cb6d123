/** One running replica's state at the end of a run, for the divergence check. */
export interface ReplicaState {
  readonly id: string;
  /** Highest log position applied (Raft lastApplied, VR executed op-number). */
  readonly appliedIndex: number;
  readonly keyValues: ReadonlyMap<string, string>;
}

function differing(stores: ReadonlyArray<ReadonlyMap<string, string>>, into: Set<string>): void {
  if (stores.length < 2) return;
  const keys = new Set<string>();
  for (const store of stores) for (const key of store.keys()) keys.add(key);
  for (const key of keys) if (new Set(stores.map((store) => store.get(key) ?? null)).size > 1) into.add(key);
}

/**
 * Keys on which replicas really diverged (ARCHITECTURE §6), after the run's quiet period:
 * - replicas that can reach each other and still differ have had every chance to reconcile;
 * - replicas a partition still holds apart are compared only at the same applied position: one
 *   that has applied less is merely behind (a minority cut off when the run stopped) and will
 *   catch up at the heal, so it is not counted for being late.
 */
export function divergentKeys(replicas: readonly ReplicaState[], connected: (a: string, b: string) => boolean): string[] {
  const divergent = new Set<string>();
  // Groups of replicas that reach each other (directly or through others).
  const groupOf = new Map<string, number>();
  replicas.forEach((replica, index) => {
    if (groupOf.has(replica.id)) return;
    const stack = [replica];
    groupOf.set(replica.id, index);
    while (stack.length > 0) {
      const from = stack.pop() as ReplicaState;
      for (const to of replicas) {
        if (groupOf.has(to.id) || !connected(from.id, to.id)) continue;
        groupOf.set(to.id, index);
        stack.push(to);
      }
    }
  });
  const groups = new Map<number, Array<ReadonlyMap<string, string>>>();
  const atApplied = new Map<number, Array<ReadonlyMap<string, string>>>();
  for (const replica of replicas) {
    const group = groupOf.get(replica.id) as number;
    groups.set(group, [...(groups.get(group) ?? []), replica.keyValues]);
    atApplied.set(replica.appliedIndex, [...(atApplied.get(replica.appliedIndex) ?? []), replica.keyValues]);
  }
  for (const stores of groups.values()) differing(stores, divergent);
  for (const stores of atApplied.values()) differing(stores, divergent);
  return [...divergent].sort();
}
