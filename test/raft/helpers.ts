/**
 * Hand-driven Raft replicas for the paper tests: build a node from a disk image, feed it ticks and
 * messages, read its Ready batches. A tiny pump moves messages between hand-made replicas.
 */
import { clientId, logIndex, nodeId, nodeIds, requestId, term, type NodeId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import { policyCp, type ClientReply, type ConsistencyPolicy, type KvCommand } from '../../src/kv/command';
import type { RaftDisk, RaftEntry, RaftMessage, RaftPersistRecord } from '../../src/protocol/raft';
import { RaftNode } from '../../src/protocol/raft';
import type { ObservedEvent, Outbound, UnsafeSwitch } from '../../src/protocol/replica';
import { raftSettingsDefault, type RaftSettings } from '../../src/protocol/settings';

/** etcd's paper tests use electionTick = 10 and heartbeatTick = 1: here 1 ms ticks, timeouts in [10, 19]. */
export const paperSettings: RaftSettings = {
  ...raftSettingsDefault,
  electionTimeoutMs: [10, 19],
  heartbeatMs: 1,
  preVote: false,
  checkQuorum: false,
  leaseMs: 5,
  snapshotEveryEntries: 10_000,
};

export const n1 = nodeId('n1');
export const n2 = nodeId('n2');
export const n3 = nodeId('n3');

/** A log whose entries at indices 1, 2, … have these terms (etcd's `terms(...)` notation); commands are no-ops. */
export function terms(...entryTerms: number[]): RaftEntry[] {
  return entryTerms.map((entryTerm, position) => ({ index: logIndex(position + 1), term: term(entryTerm), command: null }));
}

export interface NodeSetup {
  readonly id?: NodeId;
  readonly size?: number;
  readonly term?: number;
  readonly votedFor?: NodeId | null;
  readonly log?: RaftEntry[];
  readonly settings?: Partial<RaftSettings>;
  readonly unsafe?: UnsafeSwitch[];
  readonly seed?: number;
}

export function makeNode(setup: NodeSetup = {}): RaftNode {
  const id = setup.id ?? n1;
  const disk: RaftDisk = { term: term(setup.term ?? 0), votedFor: setup.votedFor ?? null, snapshot: null, entries: setup.log ?? [] };
  return new RaftNode({
    id,
    replicas: nodeIds(setup.size ?? 3),
    settings: { ...paperSettings, ...setup.settings },
    tickMs: 1,
    prng: prngStream(setup.seed ?? 1, `node:${id}`),
    disk,
    incarnation: 0,
    unsafe: new Set(setup.unsafe ?? []),
    localClockUs: () => 0,
  });
}

export interface Drained {
  readonly persist: RaftPersistRecord[];
  readonly messages: Array<Outbound<RaftMessage>>;
  readonly replies: ClientReply[];
  readonly events: ObservedEvent[];
}

export function drain(node: RaftNode): Drained {
  const ready = node.ready();
  return { persist: [...ready.persist], messages: [...ready.messages], replies: [...ready.replies], events: [...ready.events] };
}

export function tickTimes(node: RaftNode, count: number): void {
  for (let i = 0; i < count; i++) node.tick();
}

/** Makes `node` leader of the next term by hand: campaign, then a granted vote from each peer needed. */
export function electLeader(node: RaftNode): void {
  node.becomeCandidate();
  if (node.peers.length === 0) node.becomeLeader();
  for (const peer of node.peers) {
    if (node.role === 'leader') break;
    node.receive(peer, { kind: 'RequestVoteReply', term: node.currentTerm, voteGranted: true });
  }
  if (node.role !== 'leader') throw new Error(`${node.id} did not become leader`);
}

export function appendEntries(fields: {
  term: number;
  leaderId?: NodeId;
  prevLogIndex: number;
  prevLogTerm: number;
  entries?: RaftEntry[];
  leaderCommit?: number;
}): RaftMessage {
  return {
    kind: 'AppendEntries',
    term: term(fields.term),
    leaderId: fields.leaderId ?? n2,
    prevLogIndex: logIndex(fields.prevLogIndex),
    prevLogTerm: term(fields.prevLogTerm),
    entries: fields.entries ?? [],
    leaderCommit: logIndex(fields.leaderCommit ?? 0),
    round: 0,
  };
}

export function appendReply(fields: { term: number; matchIndex: number; round?: number }): RaftMessage {
  return {
    kind: 'AppendEntriesReply',
    term: term(fields.term),
    success: true,
    matchIndex: logIndex(fields.matchIndex),
    rejectedIndex: logIndex(0),
    conflictIndex: logIndex(0),
    conflictTerm: term(0),
    round: fields.round ?? 0,
  };
}

let requestIdNext = 0;
let sequenceNext = 0;
export function clientRequest(command: KvCommand, policy: ConsistencyPolicy = policyCp) {
  return { requestId: requestId(++requestIdNext), clientId: clientId(7), sequence: ++sequenceNext, command, policy };
}

/** The terms of a node's log, from its first held index. */
export function logTerms(node: RaftNode): number[] {
  const result: number[] = [];
  for (let index = node.log.firstIndex; index <= node.log.lastIndex; index++) result.push(node.log.entryAt(index).term);
  return result;
}

/**
 * Delivers messages among the given nodes until none is left (the host's role, without a network):
 * each node's Ready is drained after every input; messages to nodes outside the set are dropped.
 */
export function pump(nodes: readonly RaftNode[], pending: Array<{ from: NodeId; to: NodeId; message: RaftMessage }> = [], limit = 10_000): void {
  const byId = new Map(nodes.map((node) => [node.id, node] as const));
  const collect = (node: RaftNode): void => {
    for (const outbound of node.ready().messages) pending.push({ from: node.id, to: outbound.to, message: outbound.message });
  };
  for (const node of nodes) collect(node);
  let delivered = 0;
  while (pending.length > 0) {
    if (++delivered > limit) throw new Error('pump: message limit reached');
    const next = pending.shift()!;
    const target = byId.get(next.to);
    if (target === undefined) continue;
    target.receive(next.from, next.message);
    collect(target);
  }
}
