import { assert } from '../../base/assert';
import { type NodeId, type Slot, slot as toSlot } from '../../base/ids';
import { accept, prepare, type PrepareAnswer } from './acceptor';
import { compareBallots, sameBallot, type Ballot, type PaxosMessage, type PValue, type SlotCommand } from './messages';
import type { PaxosNode } from './node';
import { learn } from './replica';

/**
 * The leader (PMMC's Leader with its Scout and Commanders as state inside it). The scout runs
 * phase 1 once per ballot for every slot from the first unexecuted one; on adoption the leader
 * proposes, for each slot, the value of the highest ballot it heard (pmax) and a no-op in every
 * hole; commanders run phase 2 per slot, pipelined within the window, and broadcast decisions.
 */

/** PMMC's Scout: phase 1 of one ballot. */
export interface Scout {
  readonly ballot: Ballot;
  readonly fromSlot: Slot;
  readonly promisedBy: Set<NodeId>;
  /** pmax: per slot, the pvalue with the highest ballot any promising acceptor reported. */
  readonly pvalues: Map<number, PValue>;
  /** The highest snapshot slot reported, and who reported it: slots at or below are decided. */
  snapshotSlot: Slot;
  snapshotHolder: NodeId | null;
  sentTick: number;
}

/** PMMC's Commander: phase 2 of one pvalue. */
export interface Commander {
  readonly pvalue: PValue;
  readonly acceptedBy: Set<NodeId>;
  sentTick: number;
}

type P1b = Extract<PaxosMessage, { kind: 'P1b' }>;
type P2b = Extract<PaxosMessage, { kind: 'P2b' }>;

/** Spawns the scout of the node's current ballot: its own acceptor answers at once, the others by P1a. */
export function startScout(node: PaxosNode): void {
  const ballot = node.ballot;
  assert(ballot.node === node.id, 'paxos: a scout runs the node’s own ballot');
  const fromSlot = toSlot(node.executedSlot + 1);
  node.scout = { ballot, fromSlot, promisedBy: new Set(), pvalues: new Map(), snapshotSlot: node.snapshotSlot, snapshotHolder: null, sentTick: node.nowTick };
  const own = prepare(node, node.id, ballot, fromSlot);
  if (own !== null) onPromise(node, node.id, ballot, own);
  if (node.scout === null || node.role !== 'candidate') return;
  node.broadcast({ kind: 'P1a', ballot, fromSlot });
}

/** Resends P1a to the acceptors that have not answered (a lost request must not stall the election). */
export function resendScout(node: PaxosNode): void {
  const scout = node.scout;
  if (scout === null) return;
  scout.sentTick = node.nowTick;
  for (const peer of node.peers) if (!scout.promisedBy.has(peer)) node.send(peer, { kind: 'P1a', ballot: scout.ballot, fromSlot: scout.fromSlot });
}

export function onP1b(node: PaxosNode, from: NodeId, message: P1b): void {
  const scout = node.scout;
  if (scout === null || node.role !== 'candidate' || !sameBallot(message.requested, scout.ballot)) return node.ignoreMessage('P1b', from, 'stale-reply');
  onPromise(node, from, message.requested, message);
}

/** PMMC Scout: a p1b with the scout's ballot is a promise; a higher one preempts the leader. */
function onPromise(node: PaxosNode, from: NodeId, requested: Ballot, answer: PrepareAnswer): void {
  const scout = node.scout;
  assert(scout !== null && sameBallot(scout.ballot, requested), 'paxos: a promise for the running scout');
  if (compareBallots(answer.ballot, scout.ballot) > 0) return node.preempted(answer.ballot);
  if (!sameBallot(answer.ballot, scout.ballot)) return node.ignoreMessage('P1b', from, 'stale-reply');
  scout.promisedBy.add(from);
  for (const pvalue of answer.accepted) {
    const held = scout.pvalues.get(pvalue.slot);
    if (held === undefined || compareBallots(pvalue.ballot, held.ballot) > 0) scout.pvalues.set(pvalue.slot, pvalue);
  }
  if (answer.snapshotSlot > scout.snapshotSlot) {
    scout.snapshotSlot = answer.snapshotSlot;
    scout.snapshotHolder = from;
  }
  if (scout.promisedBy.size >= node.phase1Quorum) adopted(node, scout);
}

/**
 * PMMC Leader on ⟨adopted, b, pvals⟩: "proposals := proposals ◁ pmax(pvals)", then a commander
 * for every proposal. PMS §3: slots no acceptor reported are holes, filled with no-ops. Slots at
 * or below a reported snapshot are decided and compacted: the leader fetches them instead.
 * The unsafe switch `ignoreHighestBallot` proposes no-ops everywhere instead of pmax.
 */
function adopted(node: PaxosNode, scout: Scout): void {
  node.becomeLeader();
  // Every write this leader stamps must beat every command it may re-propose (kv/store.ts).
  node.hlc.catchUp(node.store.highestTimestamp);
  for (const pvalue of scout.pvalues.values()) if (pvalue.command?.timestamp !== undefined) node.hlc.catchUp(pvalue.command.timestamp);
  for (const decision of node.decisions.values()) if (decision.command?.timestamp !== undefined) node.hlc.catchUp(decision.command.timestamp);
  let highest = Math.max(node.executedSlot, scout.snapshotSlot, ...node.decisions.keys());
  for (const reported of scout.pvalues.keys()) highest = Math.max(highest, reported);
  const first = Math.max(node.executedSlot, scout.snapshotSlot) + 1;
  for (let slotNumber = first; slotNumber <= highest; slotNumber++) {
    if (node.decisions.has(slotNumber)) continue;
    const reported = scout.pvalues.get(slotNumber);
    const command: SlotCommand = reported === undefined || node.unsafe.has('ignoreHighestBallot') ? null : reported.command;
    propose(node, toSlot(slotNumber), command);
  }
  node.nextSlot = toSlot(highest + 1);
  node.adoptedThroughSlot = toSlot(highest);
  if (scout.snapshotHolder !== null && scout.snapshotSlot > node.executedSlot) node.requestCatchUp(scout.snapshotHolder);
}

/** Spawns a commander for ⟨ballot, slot, command⟩: the leader's own acceptor at once, the others by P2a. */
export function propose(node: PaxosNode, slotNumber: Slot, command: SlotCommand): void {
  assert(node.role === 'leader', 'paxos: only an active leader proposes');
  assert(!node.commanders.has(slotNumber), () => `paxos: slot ${slotNumber} already has a commander in ballot ${node.ballot.round}`);
  const pvalue: PValue = { ballot: node.ballot, slot: slotNumber, command };
  const commander: Commander = { pvalue, acceptedBy: new Set(), sentTick: node.nowTick };
  node.commanders.set(slotNumber, commander);
  node.broadcast({ kind: 'P2a', pvalue });
  if (accept(node, node.id, pvalue)) onAccepted(node, node.id, commander);
}

/** Resends P2a of commanders waiting longer than a heartbeat, to the acceptors that have not accepted. */
export function resendCommanders(node: PaxosNode): void {
  for (const commander of node.commanders.values()) {
    if (node.nowTick < commander.sentTick + node.heartbeatTicks) continue;
    commander.sentTick = node.nowTick;
    for (const peer of node.peers) if (!commander.acceptedBy.has(peer)) node.send(peer, { kind: 'P2a', pvalue: commander.pvalue });
  }
}

export function onP2b(node: PaxosNode, from: NodeId, message: P2b): void {
  const commander = node.commanders.get(message.slot);
  // PMMC: a p2b with a higher ballot preempts the leader, whichever slot it answers (a slot already
  // chosen included): an acceptor has promised someone newer, and this leader's P2a will not be accepted.
  if (node.role === 'leader' && compareBallots(message.ballot, node.ballot) > 0) return node.preempted(message.ballot);
  if (node.role !== 'leader' || commander === undefined) return node.ignoreMessage('P2b', from, 'stale-reply');
  if (compareBallots(message.ballot, commander.pvalue.ballot) > 0) return node.preempted(message.ballot);
  if (!sameBallot(message.ballot, commander.pvalue.ballot)) return node.ignoreMessage('P2b', from, 'stale-reply');
  onAccepted(node, from, commander);
}

/** PMMC Commander: accepted by a phase-2 quorum, the pvalue is chosen; tell every replica. */
function onAccepted(node: PaxosNode, from: NodeId, commander: Commander): void {
  commander.acceptedBy.add(from);
  if (commander.acceptedBy.size < node.phase2Quorum) return;
  const { slot: slotNumber, command, ballot } = commander.pvalue;
  node.commanders.delete(slotNumber);
  const decision = { slot: slotNumber, command, ballot };
  node.broadcast({ kind: 'Decide', decisions: [decision] });
  learn(node, [decision]);
}
