import { assert, assertNever } from '../../base/assert';
import { type NodeId, slot as toSlot } from '../../base/ids';
import type { ClientRequest, KvLogCommand } from '../../kv/command';
import type { HlcTimestamp } from '../../kv/hlc';
import { acceptLocalWrite } from '../../kv/localWrites';
import { propose } from './leader';
import type { PaxosMessage } from './messages';
import type { PaxosNode } from './node';
import { serveRead } from './reads';

/**
 * Client requests (PMMC's ⟨request, c⟩), served under the consistency policy each carries
 * (ARCHITECTURE §5). The leader assigns each write the next free slot within the window (PMMC: "slot_in
 * < slot_out + WINDOW") and answers it once the slot is decided and executed (`quorum`), or
 * right after proposing (`leader`). Client sessions make a retried request take effect once.
 */
export function serveRequest(node: PaxosNode, request: ClientRequest): void {
  const command = request.command;
  switch (command.f) {
    case 'read':
      return serveRead(node, request);
    case 'write':
    case 'cas':
      return serveWrite(node, request);
    default:
      return assertNever(command, 'kv command');
  }
}

function serveWrite(node: PaxosNode, request: ClientRequest): void {
  const ack = request.policy.write;
  if (ack === 'local') {
    if (acceptLocalWrite(node, request)) forwardLocalWrites(node);
    return;
  }
  if (node.role !== 'leader') return node.replyNotLeader(request);
  const applied = node.store.appliedResult(request.clientId, request.sequence);
  if (applied !== null) {
    // `unavailable` here means an older sequence than the session's: the client has moved on.
    if (applied.type === 'fail' && applied.reason === 'unavailable') return node.ignoreRequest(request, 'older-request');
    return node.reply(request, applied);
  }
  const proposed = node.proposedSessions.get(request.clientId);
  if (proposed !== undefined && proposed.sequence === request.sequence && node.commanders.has(proposed.slot)) {
    // A retry of a request already in a slot: answer when that slot executes.
    const pending = node.pendingWrites.get(proposed.slot);
    if (pending !== undefined && !pending.acknowledged) node.pendingWrites.set(proposed.slot, { request, acknowledged: false });
    return node.ignoreRequest(request, 'duplicate-in-progress');
  }
  if (!windowOpen(node)) return node.reply(request, { type: 'fail', reason: 'unavailable' });
  const slotNumber = proposeCommand(node, { clientId: request.clientId, sequence: request.sequence, command: request.command, timestamp: stampAsLeader(node) });
  // A `cas` always waits for execution: its result is only known then.
  const acknowledgeNow = ack === 'leader' && request.command.f === 'write';
  node.pendingWrites.set(slotNumber, { request, acknowledged: acknowledgeNow });
  if (acknowledgeNow) node.reply(request, { type: 'ok' });
}

/** PMMC Replica: a new command goes to slot_in only while slot_in < slot_out + WINDOW. */
function windowOpen(node: PaxosNode): boolean {
  return nextFreeSlot(node) <= node.executedSlot + node.settings.windowSlots;
}

function nextFreeSlot(node: PaxosNode): number {
  let next = Math.max(node.nextSlot, node.executedSlot + 1);
  while (node.decisions.has(next) || node.commanders.has(next)) next++;
  return next;
}

/** Proposes a client command in the next free slot and remembers its session there. */
function proposeCommand(node: PaxosNode, command: KvLogCommand): number {
  const slotNumber = toSlot(nextFreeSlot(node));
  node.nextSlot = toSlot(slotNumber + 1);
  node.proposedSessions.set(command.clientId, { sequence: command.sequence, slot: slotNumber });
  propose(node, slotNumber, command);
  return slotNumber;
}

/**
 * The leader's stamp for a write it proposes (ARCHITECTURE §5), caught up with everything executed and
 * adopted (leader.ts `adopted`), so quorum and leader writes win last-writer-wins in slot order.
 */
function stampAsLeader(node: PaxosNode): HlcTimestamp {
  node.hlc.catchUp(node.store.highestTimestamp);
  return node.hlc.now();
}

/** Sends the pending local writes toward the log: proposed here when leading, else to the believed leader. */
export function forwardLocalWrites(node: PaxosNode): void {
  node.localWrites.settle(node.store);
  const batch = node.localWrites.forwardBatch();
  if (batch.length === 0) return;
  if (node.role === 'leader') return proposeForwarded(node, batch);
  if (node.leaderId === null || node.leaderId === node.id) return; // no leader known: the next heartbeat period retries
  node.send(node.leaderId, { kind: 'ForwardWrites', writes: batch });
}

export function onForwardWrites(node: PaxosNode, from: NodeId, message: Extract<PaxosMessage, { kind: 'ForwardWrites' }>): void {
  if (node.role !== 'leader') return node.ignoreMessage('ForwardWrites', from, 'not-leader');
  proposeForwarded(node, message.writes);
}

/**
 * Proposes each forwarded write unless its session executed it or it already waits in a slot
 * (the forwarder repeats itself until it sees the write executed). The clock observes every stamp.
 */
function proposeForwarded(node: PaxosNode, writes: readonly KvLogCommand[]): void {
  assert(node.role === 'leader', 'paxos: only the leader proposes forwarded writes');
  for (const write of writes) {
    assert(write.timestamp !== undefined, 'paxos: a forwarded local write carries its stamp');
    node.hlc.observe(write.timestamp);
    if (node.store.appliedResult(write.clientId, write.sequence) !== null) continue;
    const proposed = node.proposedSessions.get(write.clientId);
    if (proposed !== undefined && proposed.sequence >= write.sequence && (node.commanders.has(proposed.slot) || node.decisions.has(proposed.slot))) continue;
    if (!windowOpen(node)) break;
    proposeCommand(node, write);
  }
}
