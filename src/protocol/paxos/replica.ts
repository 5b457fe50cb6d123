import { type NodeId, type Slot, slot as toSlot } from '../../base/ids';
import { commandDigest, type KvResult } from '../../kv/command';
import { copyKvSnapshot, KvStore } from '../../kv/store';
import { ballotNumber, type Decision, type PaxosMessage, type PaxosSnapshot } from './messages';
import type { PaxosNode } from './node';
import { afterExecute } from './reads';

/**
 * The replica (PMS §3, PMMC's Replica): decisions by slot, executed in slot order on the key-value
 * state machine, each client request once (the store's sessions), snapshots that compact
 * decisions and pvalues, and catch-up of a replica that missed decisions.
 */

type CatchUp = Extract<PaxosMessage, { kind: 'CatchUp' }>;
type CatchUpReply = Extract<PaxosMessage, { kind: 'CatchUpReply' }>;

/** PMMC Replica on ⟨decision, s, c⟩: "decisions := decisions ∪ {(s, c)}", then perform what is next in order. */
export function learn(node: PaxosNode, decisions: readonly Decision[]): void {
  for (const decision of decisions) {
    if (decision.slot <= node.executedSlot) continue;
    const held = node.decisions.get(decision.slot);
    if (held !== undefined) {
      // Only an unsafe switch lets two values be chosen for one slot; the first one stays, the checkers say why.
      if (commandDigest(held.command) !== commandDigest(decision.command)) node.noteConflictingDecision(held, decision);
      continue;
    }
    node.decisions.set(decision.slot, decision);
    node.highestSlotSeen = Math.max(node.highestSlotSeen, decision.slot);
    node.persist({ kind: 'decide', decision });
    node.commanders.delete(decision.slot);
  }
  execute(node);
}

/** PMMC Replica: "while ∃c : (slot_out, c) ∈ decisions do perform(c)", in slot order and without gaps. */
export function execute(node: PaxosNode): void {
  const before = node.executedSlot;
  for (;;) {
    const next = node.executedSlot + 1;
    const decision = node.decisions.get(next);
    if (decision === undefined) break;
    const command = decision.command;
    const result = command === null ? null : node.store.apply(command);
    node.executedSlot = toSlot(next);
    node.observe({ kind: 'apply', index: next, term: ballotNumber(decision.ballot), digest: commandDigest(command) });
    completeWrite(node, decision, result);
    if (command !== null && node.proposedSessions.get(command.clientId)?.slot === next) node.proposedSessions.delete(command.clientId);
    if (node.executedSlot - node.snapshotSlot >= node.settings.snapshotEveryEntries) takeSnapshot(node);
  }
  if (node.executedSlot > before) node.observe({ kind: 'commit', commitIndex: node.executedSlot });
  afterExecute(node);
}

/**
 * Answers the client waiting on the slot. If another command was decided there, the request
 * lost its place and stays unanswered: a retry may still apply it elsewhere, so `fail` would lie.
 */
function completeWrite(node: PaxosNode, decision: Decision, result: KvResult | null): void {
  const pending = node.pendingWrites.get(decision.slot);
  if (pending === undefined) return;
  node.pendingWrites.delete(decision.slot);
  const command = decision.command;
  const same = command !== null && command.clientId === pending.request.clientId && command.sequence === pending.request.sequence;
  if (!same || pending.acknowledged || result === null) return;
  node.reply(pending.request, result);
}

/** Snapshot the executed state and drop the decisions and pvalues it covers (memory stays bounded). */
export function takeSnapshot(node: PaxosNode): void {
  const snapshot: PaxosSnapshot = { slot: node.executedSlot, state: node.store.snapshot() };
  node.snapshot = snapshot;
  compactTo(node, snapshot.slot);
  node.persist({ kind: 'snapshot', snapshot });
  node.observe({ kind: 'snapshot', index: snapshot.slot });
}

function compactTo(node: PaxosNode, upTo: Slot): void {
  for (const held of [...node.decisions.keys()]) if (held <= upTo) node.decisions.delete(held);
  // A compacted slot is decided: a phase 1 that reaches this acceptor learns so from snapshotSlot.
  for (const held of [...node.accepted.keys()]) if (held <= upTo) node.accepted.delete(held);
  for (const held of [...node.pendingWrites.keys()]) if (held <= upTo) node.pendingWrites.delete(held);
  for (const held of [...node.commanders.keys()]) if (held <= upTo) node.commanders.delete(held);
}

/** A peer asks for the decisions it missed: from its first unexecuted slot, or a snapshot when that is compacted here. */
export function onCatchUp(node: PaxosNode, from: NodeId, message: CatchUp): void {
  if (message.fromSlot > node.executedSlot) return node.ignoreMessage('CatchUp', from, 'not-ahead');
  let first = message.fromSlot;
  let snapshot: PaxosSnapshot | null = null;
  if (first <= node.snapshotSlot) {
    snapshot = { slot: node.executedSlot, state: node.store.snapshot() };
    first = toSlot(node.executedSlot + 1);
  }
  const decisions: Decision[] = [];
  for (let next = first; next <= node.executedSlot && decisions.length < node.settings.maxEntriesPerMessage; next++) {
    const decision = node.decisions.get(next);
    if (decision === undefined) break;
    decisions.push(decision);
  }
  node.send(from, { kind: 'CatchUpReply', snapshot, decisions });
}

export function onCatchUpReply(node: PaxosNode, message: CatchUpReply): void {
  node.catchUpSentTick = Number.NEGATIVE_INFINITY; // answered: the next gap may ask at once
  if (message.snapshot !== null && message.snapshot.slot > node.executedSlot) installSnapshot(node, message.snapshot);
  learn(node, message.decisions);
}

/** Replaces the state machine with a peer's snapshot (copied: a replica shares nothing with a message). */
function installSnapshot(node: PaxosNode, snapshot: PaxosSnapshot): void {
  const copy: PaxosSnapshot = { slot: snapshot.slot, state: copyKvSnapshot(snapshot.state) };
  node.store = KvStore.fromSnapshot(copy.state);
  node.executedSlot = copy.slot;
  node.snapshot = copy;
  compactTo(node, copy.slot);
  for (const [client, proposed] of [...node.proposedSessions]) if (proposed.slot <= copy.slot) node.proposedSessions.delete(client);
  node.persist({ kind: 'snapshot', snapshot: copy });
  node.observe({ kind: 'snapshot', index: copy.slot });
  node.observe({ kind: 'commit', commitIndex: copy.slot });
}
