import { assert } from '../../base/assert';
import { term, type LogIndex, type NodeId, type Term } from '../../base/ids';
import type { RaftMessage } from './messages';
import type { RaftNode } from './node';

type MessageOf<Kind extends RaftMessage['kind']> = Extract<RaftMessage, { kind: Kind }>;

/**
 * §5.2 starts an election; with PreVote (dissertation §9.6) a pre-vote round first asks whether
 * the node could win, at the term it would use, without incrementing its own term.
 */
export function campaign(node: RaftNode, kind: 'pre-vote' | 'vote'): void {
  if (kind === 'pre-vote') node.becomePreCandidate();
  else node.becomeCandidate();
  if (tallyVotes(node) === 'won') return winCampaign(node);
  const campaignTerm = kind === 'pre-vote' ? term(node.currentTerm + 1) : node.currentTerm;
  const lastLogIndex = node.log.lastIndex;
  const lastLogTerm = node.log.lastTerm;
  for (const peer of node.peers) {
    node.send(peer, {
      kind: kind === 'pre-vote' ? 'RequestPreVote' : 'RequestVote',
      term: campaignTerm,
      candidateId: node.id,
      lastLogIndex,
      lastLogTerm,
    });
  }
}

function winCampaign(node: RaftNode): void {
  if (node.role === 'pre-candidate') campaign(node, 'vote');
  else node.becomeLeader();
}

/** Counts the votes of the current campaign: a majority decides either way (§5.2). */
export function tallyVotes(node: RaftNode): 'won' | 'lost' | 'pending' {
  let granted = 0;
  let rejected = 0;
  for (const vote of node.votes.values()) {
    if (vote) granted++;
    else rejected++;
  }
  if (granted >= node.quorum) return 'won';
  if (rejected >= node.quorum) return 'lost';
  return 'pending';
}

/**
 * §5.4.1 election restriction: "If the logs have last entries with different terms, then the log
 * with the later term is more up-to-date. If the logs end with the same term, then whichever log
 * is longer is more up-to-date." A voter grants only a candidate at least as up-to-date as itself.
 */
export function candidateIsUpToDate(node: RaftNode, lastLogIndex: LogIndex, lastLogTerm: Term): boolean {
  if (node.unsafe.has('voteWithoutLogCheck')) return true; // unsafe on purpose: breaks Leader Completeness
  if (lastLogTerm !== node.log.lastTerm) return lastLogTerm > node.log.lastTerm;
  return lastLogIndex >= node.log.lastIndex;
}

/**
 * Figure 2, RequestVote receiver: "If votedFor is null or candidateId, and candidate's log is at
 * least as up-to-date as receiver's log, grant vote." The vote is persisted before the reply leaves.
 */
export function onRequestVote(node: RaftNode, from: NodeId, message: MessageOf<'RequestVote'>): void {
  assert(message.term === node.currentTerm, 'raft: vote request term was normalised');
  assert(message.candidateId === from, 'raft: a candidate asks for itself');
  const canVote = node.votedFor === null || node.votedFor === from;
  const granted = canVote && candidateIsUpToDate(node, message.lastLogIndex, message.lastLogTerm);
  if (granted) {
    node.votedFor = from;
    node.persistHardState();
    // Figure 2, followers: the election timer restarts when granting a vote.
    node.electionElapsed = 0;
  }
  node.send(from, { kind: 'RequestVoteReply', term: node.currentTerm, voteGranted: granted });
}

/** Figure 2, candidates: "If votes received from majority of servers: become leader." */
export function onRequestVoteReply(node: RaftNode, from: NodeId, message: MessageOf<'RequestVoteReply'>): void {
  if (node.role !== 'candidate') return node.ignore(message, from, 'not-candidate');
  assert(message.term === node.currentTerm, 'raft: vote reply term was normalised');
  node.votes.set(from, message.voteGranted);
  const outcome = tallyVotes(node);
  if (outcome === 'won') winCampaign(node);
  // A majority refused: wait as a follower for the next timeout (etcd does the same).
  else if (outcome === 'lost') node.becomeFollower(node.currentTerm, null);
}

/**
 * §9.6 PreVote: grant if the candidate's term is ahead of ours and its log is up-to-date; nothing is
 * persisted and our term does not move, so a partitioned node cannot disrupt the cluster on return.
 */
export function onRequestPreVote(node: RaftNode, from: NodeId, message: MessageOf<'RequestPreVote'>): void {
  const granted = message.term > node.currentTerm && candidateIsUpToDate(node, message.lastLogIndex, message.lastLogTerm);
  node.send(from, { kind: 'RequestPreVoteReply', term: granted ? message.term : node.currentTerm, voteGranted: granted });
}

export function onRequestPreVoteReply(node: RaftNode, from: NodeId, message: MessageOf<'RequestPreVoteReply'>): void {
  if (node.role !== 'pre-candidate') return node.ignore(message, from, 'not-pre-candidate');
  // A granted pre-vote is for the term we would enter; anything else is for a round long gone.
  if (message.voteGranted && message.term !== node.currentTerm + 1) return node.ignore(message, from, 'stale-reply');
  node.votes.set(from, message.voteGranted);
  const outcome = tallyVotes(node);
  if (outcome === 'won') winCampaign(node);
  else if (outcome === 'lost') node.becomeFollower(node.currentTerm, null);
}
