/**
 * The MIT 6.5840 tester's helpers (RAFT_SCENARIOS.md §0), re-implemented over the simulator:
 * checkOneLeader, checkTerms, checkNoLeader, nCommitted, one, wait. Time is virtual.
 */
import { expect } from 'vitest';
import type { NodeId } from '../../src/base/ids';
import { commandDigest } from '../../src/kv/command';
import { RaftNode, raftProtocol } from '../../src/protocol/raft';
import { entrySize } from '../../src/protocol/raft/messages';
import type { RaftDisk } from '../../src/protocol/raft';
import type { UnsafeSwitch } from '../../src/protocol/replica';
import { raftSettingsDefault, type RaftSettings } from '../../src/protocol/settings';
import { SimCluster, type NetworkChange } from '../../src/sim/cluster';

/** The election timeout the checks allow for: the settings' maximum plus a heartbeat, in ms. */
export const electionTimeoutMs = raftSettingsDefault.electionTimeoutMs[1];

export interface Lab {
  readonly cluster: SimCluster<RaftSettings>;
  readonly ids: readonly NodeId[];
  /** Nodes cut off by `disconnect` (MIT's connected[i] = false). */
  readonly cut: Set<NodeId>;
}

export function disconnect(lab: Lab, id: NodeId): void {
  lab.cut.add(id);
  lab.cluster.disconnect(id);
}

export function connect(lab: Lab, id: NodeId): void {
  lab.cut.delete(id);
  lab.cluster.connect(id);
  // The simulator's connect restores every link of id, including those to nodes still cut off.
  for (const other of lab.cut) lab.cluster.disconnect(other);
}

/** Up, not cut off, and claiming to lead. */
export function leaders(lab: Lab): NodeId[] {
  return connectedUp(lab).filter((id) => lab.cluster.view(id)?.role === 'leader');
}

export function makeLab(options: {
  nodes: number;
  seed: number;
  settings?: Partial<RaftSettings>;
  network?: NetworkChange;
  unsafe?: UnsafeSwitch[];
  fsyncMs?: number;
  onInvariantBroken?: 'throw' | 'record';
}): Lab {
  const cluster = new SimCluster<RaftSettings>({
    protocol: raftProtocol,
    nodes: options.nodes,
    seed: options.seed,
    tickMs: 10,
    settings: { ...raftSettingsDefault, ...options.settings },
    network: options.network ?? { latencyMs: { distribution: 'uniform', min: 1, max: 5 } },
    unsafe: options.unsafe ?? [],
    fsyncMs: options.fsyncMs ?? 0,
    onInvariantBroken: options.onInvariantBroken ?? 'throw',
  });
  return { cluster, ids: cluster.ids, cut: new Set() };
}

/** MIT's unreliable network: 0–26 ms delays, 10 % of requests and 10 % of replies dropped. */
export const unreliable: NetworkChange = { latencyMs: { distribution: 'uniform', min: 0, max: 26 }, drop: 0.1 };
export const reliable: NetworkChange = { latencyMs: { distribution: 'uniform', min: 1, max: 5 }, drop: 0, reorder: 0 };
/**
 * Long reordering, approximated: MIT delays 2/3 of replies by 200 + U(0, U(0, 2000)) ms; here a
 * heavy-tailed latency (median 13 ms, p99 2.2 s) plus the simulator's reorder draw on 2/3 of messages.
 */
export const longReordering: NetworkChange = { latencyMs: { distribution: 'lognormal', median: 13, p99: 2200 }, drop: 0.1, reorder: 0.66 };

export function node(lab: Lab, id: NodeId): RaftNode | null {
  const replica = lab.cluster.replica(id);
  return replica === null ? null : (replica as RaftNode);
}

export function connectedUp(lab: Lab): NodeId[] {
  return lab.ids.filter((id) => lab.cluster.isUp(id) && !lab.cut.has(id));
}

/** MIT checkOneLeader: up to 10 rounds of ~ET/2; fails on two leaders in one term; returns the newest term's leader. */
export function checkOneLeader(lab: Lab): NodeId {
  for (let round = 0; round < 10; round++) {
    lab.cluster.runFor(electionTimeoutMs / 2 + lab.cluster.nowMs % 50);
    const byTerm = new Map<number, NodeId[]>();
    for (const id of leaders(lab)) {
      const view = lab.cluster.view(id)!;
      byTerm.set(view.term, [...(byTerm.get(view.term) ?? []), id]);
    }
    for (const [term, leaders] of byTerm) expect(leaders.length, `term ${term} has leaders ${leaders.join(', ')}`).toBe(1);
    if (byTerm.size > 0) return byTerm.get(Math.max(...byTerm.keys()))![0]!;
  }
  throw new Error('expected one leader, got none');
}

/** MIT checkTerms: every connected server reports the same term. */
export function checkTerms(lab: Lab): number {
  const terms = new Set(connectedUp(lab).map((id) => lab.cluster.view(id)!.term));
  expect(terms.size, `servers disagree on term: ${[...terms].join(', ')}`).toBe(1);
  return [...terms][0]!;
}

export function checkNoLeader(lab: Lab): void {
  for (const id of connectedUp(lab)) expect(lab.cluster.view(id)!.role, `${id} leads while it should not`).not.toBe('leader');
}

/** MIT nCommitted: how many servers applied index (the simulator itself fails on two different commands there). */
export function nCommitted(lab: Lab, index: number): number {
  const digests = new Set(lab.cluster.appliedAt(index).values());
  expect(digests.size, `different commands applied at ${index}`).toBeLessThanOrEqual(1);
  return lab.cluster.committedCount(index);
}

/**
 * MIT Start(): hands a write to server id. Returns the index it would land at and its digest when
 * the server is leader (it appended), null otherwise.
 */
export function start(lab: Lab, id: NodeId, value: string): { index: number; digest: string } | null {
  const raft = node(lab, id);
  if (raft === null) return null;
  lab.cluster.submit(id, { f: 'write', key: 'k', value });
  if (raft.role !== 'leader') return null;
  const index = raft.log.lastIndex;
  const entry = raft.log.entryAt(index);
  if (entry.command === null || entry.command.command.f !== 'write' || entry.command.command.value !== value) return null;
  return { index, digest: commandDigest(entry.command) };
}

/**
 * MIT one(): for up to 10 s, offer the command to each connected server in turn; once one accepts,
 * wait up to 2 s for `expected` servers to apply it at that index. Returns the index.
 */
export function one(lab: Lab, value: string, expected: number, retry: boolean): number {
  const deadline = lab.cluster.nowMs + 10_000;
  let candidate = 0;
  while (lab.cluster.nowMs < deadline) {
    let started: { index: number; digest: string } | null = null;
    for (let tries = 0; tries < lab.ids.length && started === null; tries++) {
      const id = lab.ids[candidate % lab.ids.length]!;
      candidate++;
      if (lab.cluster.isUp(id) && !lab.cut.has(id)) started = start(lab, id, value);
    }
    if (started !== null) {
      const { index, digest } = started;
      const committed = lab.cluster.runUntil(() => {
        const applied = lab.cluster.appliedAt(index);
        return applied.size >= expected && [...applied.values()].every((seen) => seen === digest);
      }, 2000);
      if (committed) return index;
      if (!retry) throw new Error(`one(${value}) failed to reach agreement on ${expected} servers at index ${index}`);
    } else {
      lab.cluster.runFor(50);
    }
  }
  throw new Error(`one(${value}) failed to reach agreement within 10 s`);
}

/** MIT wait(): polls until n servers applied index; null if some server's term passed startTerm first. */
export function waitCommitted(lab: Lab, index: number, n: number, startTerm: number | null): number | null {
  let pause = 10;
  for (let poll = 0; poll < 30; poll++) {
    if (nCommitted(lab, index) >= n) break;
    lab.cluster.runFor(pause);
    if (pause < 1000) pause *= 2;
    if (startTerm !== null && lab.ids.some((id) => (lab.cluster.view(id)?.term ?? 0) > startTerm)) return null;
  }
  expect(nCommitted(lab, index), `only ${nCommitted(lab, index)} servers applied ${index}`).toBeGreaterThanOrEqual(n);
  return index;
}

/** Requests (MIT counts RPC calls, not replies) sent so far. */
export function rpcCount(lab: Lab): number {
  const kinds = lab.cluster.stats.byKind;
  return (kinds['RequestVote'] ?? 0) + (kinds['RequestPreVote'] ?? 0) + (kinds['AppendEntries'] ?? 0) + (kinds['InstallSnapshot'] ?? 0);
}

/** Approximate encoded size of a node's persisted Raft state without the snapshot (MIT's RaftStateSize). */
export function raftStateSize(lab: Lab, id: NodeId): number {
  const disk = lab.cluster.disk(id) as RaftDisk | null;
  if (disk === null) return 0;
  let size = 16;
  for (const entry of disk.entries) size += entrySize(entry);
  return size;
}

/** A small deterministic generator for test choices, seeded per test. */
export function chooser(seed: number): { int(max: number): number; chance(p: number): boolean } {
  let state = seed * 2654435761 + 1;
  const next = (): number => {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x6d2b79f5) | 0;
    return ((state >>> 0) % 1_000_000) / 1_000_000;
  };
  return { int: (max) => Math.floor(next() * max), chance: (p) => next() < p };
}
