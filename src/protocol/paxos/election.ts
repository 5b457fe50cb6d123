import type { NodeId } from '../../base/ids';
import { resendCommanders, resendScout } from './leader';
import { compareBallots, sameBallot, type PaxosMessage } from './messages';
import type { PaxosNode } from './node';
import { acknowledgeRound, startRound } from './reads';

/**
 * Leader election and failure detection. Paxos Made Simple §2.4: "To guarantee progress, a
 * distinguished proposer must be selected as the only one to try issuing proposals"; §3: "the
 * leader … is elected … using timeouts". The leader sends heartbeats; a node that hears none
 * for an election timeout runs phase 1 with a higher ballot. A preempted proposer backs off for
 * a seeded random, growing delay (the cure for duelling proposers); without backoff it retries
 * at once and two proposers can preempt each other forever (PMS §2.4's livelock).
 */

type Heartbeat = Extract<PaxosMessage, { kind: 'Heartbeat' }>;
type HeartbeatReply = Extract<PaxosMessage, { kind: 'HeartbeatReply' }>;

/** Ticks until the next election attempt: random in [min, max], or fixed at min without backoff. */
export function electionTimeoutTicks(node: PaxosNode): number {
  if (!node.settings.backoff) return node.electionTimeoutTicksMin;
  return node.prng.int(node.electionTimeoutTicksMin, node.electionTimeoutTicksMax);
}

/**
 * After the `preemptionCount`th consecutive preemption: random in [min, ceiling], the ceiling
 * doubling per preemption up to backoffMaxMs. Without backoff: the next tick.
 */
export function backoffTicks(node: PaxosNode): number {
  if (!node.settings.backoff) return 1;
  const doublings = Math.min(Math.max(node.preemptionCount - 1, 0), 16);
  const ceiling = Math.min(node.backoffTicksMax, node.electionTimeoutTicksMax * 2 ** doublings);
  return node.prng.int(node.electionTimeoutTicksMin, Math.max(node.electionTimeoutTicksMin, ceiling));
}

/** A follower heard no leader, or a candidate's scout did not finish in time: try a higher ballot. */
export function onElectionTimeout(node: PaxosNode): void {
  // A master lease this acceptor granted still runs: its own promise would have to wait anyway.
  if (node.leaseGrantedUntilTick > node.nowTick) {
    node.electionDeadlineTick = node.leaseGrantedUntilTick;
    return;
  }
  node.becomeCandidate();
}

/** The leader's period: a heartbeat round, and P2a again for commanders that wait too long. */
export function onHeartbeatTimeout(node: PaxosNode): void {
  startRound(node);
  resendCommanders(node);
}

/** A candidate resends P1a to the acceptors that have not answered. */
export function onScoutResendTimeout(node: PaxosNode): void {
  resendScout(node);
}

/**
 * An acceptor hears the leader of a ballot at least its promise (raising the promise is always
 * safe: it only narrows what the acceptor may accept). It follows that leader, grants it a lease,
 * acknowledges the round, and asks for the decisions it lacks.
 */
export function onHeartbeat(node: PaxosNode, from: NodeId, message: Heartbeat): void {
  const order = compareBallots(message.ballot, node.promised);
  if (order < 0) {
    node.ignoreMessage('Heartbeat', from, 'lower-ballot');
    return node.send(from, { kind: 'HeartbeatReply', ballot: node.promised, round: message.round, executedSlot: node.executedSlot });
  }
  if (order > 0) node.promise(message.ballot);
  node.hearLeader(message.ballot);
  node.leaseGrantedUntilTick = node.nowTick + node.leaseGrantTicks + 1;
  node.leaseGrantedTo = message.ballot;
  node.send(from, { kind: 'HeartbeatReply', ballot: node.promised, round: message.round, executedSlot: node.executedSlot });
  if (message.executedSlot > node.executedSlot) node.requestCatchUp(from);
}

export function onHeartbeatReply(node: PaxosNode, from: NodeId, message: HeartbeatReply): void {
  if (node.role !== 'leader') return node.ignoreMessage('HeartbeatReply', from, 'not-leader');
  if (compareBallots(message.ballot, node.ballot) > 0) return node.preempted(message.ballot);
  if (!sameBallot(message.ballot, node.ballot)) return node.ignoreMessage('HeartbeatReply', from, 'stale-reply');
  acknowledgeRound(node, from, message.round);
  // A peer executed further (slots compacted away before this leader adopted): fetch them.
  if (message.executedSlot > node.executedSlot) node.requestCatchUp(from);
}
