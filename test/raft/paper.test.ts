/**
 * The Raft paper, section by section (Ongaro & Ousterhout, extended version). The scenarios and
 * vectors re-implement etcd-io/raft's raft_paper_test.go (Apache-2.0; see shared/RAFT_SCENARIOS.md §2),
 * driving one replica by hand through tick / receive / ready.
 */
import { describe, expect, it } from 'vitest';
import { logIndex, nodeId, nodeIds, term } from '../../src/base/ids';
import type { RaftMessage } from '../../src/protocol/raft';
import {
  appendEntries,
  appendReply,
  clientRequest,
  drain,
  electLeader,
  logTerms,
  makeNode,
  n1,
  n2,
  n3,
  pump,
  terms,
  tickTimes,
} from './helpers';

type AppendMessage = Extract<RaftMessage, { kind: 'AppendEntries' }>;
type AppendReplyMessage = Extract<RaftMessage, { kind: 'AppendEntriesReply' }>;

function appendsTo(messages: ReturnType<typeof drain>['messages']): Map<string, AppendMessage[]> {
  const byPeer = new Map<string, AppendMessage[]>();
  for (const { to, message } of messages) {
    if (message.kind !== 'AppendEntries') continue;
    byPeer.set(to, [...(byPeer.get(to) ?? []), message]);
  }
  return byPeer;
}

describe('§5.1 Raft basics', () => {
  it('"If a server\'s current term is smaller than the other\'s, it updates its current term" — a follower', () => {
    const node = makeNode({ term: 1 });
    node.receive(n2, appendEntries({ term: 2, prevLogIndex: 0, prevLogTerm: 0 }));
    expect(node.currentTerm).toBe(2);
    expect(node.role).toBe('follower');
  });

  it('"If a candidate or leader discovers that its term is out of date, it immediately reverts to follower state" — a candidate', () => {
    const node = makeNode();
    node.becomeCandidate();
    expect(node.currentTerm).toBe(1);
    node.receive(n2, appendEntries({ term: 2, prevLogIndex: 0, prevLogTerm: 0 }));
    expect(node.currentTerm).toBe(2);
    expect(node.role).toBe('follower');
  });

  it('"… it immediately reverts to follower state" — a leader', () => {
    const node = makeNode();
    electLeader(node);
    expect(node.role).toBe('leader');
    node.receive(n2, appendEntries({ term: 2, prevLogIndex: 0, prevLogTerm: 0 }));
    expect(node.currentTerm).toBe(2);
    expect(node.role).toBe('follower');
    expect(node.leaderId).toBe(n2);
  });

  it('"If a server receives a request with a stale term number, it rejects the request"', () => {
    const node = makeNode({ term: 2, log: terms(1, 2) });
    drain(node);
    node.receive(n2, appendEntries({ term: 1, prevLogIndex: 2, prevLogTerm: 2, entries: terms(1, 2, 1).slice(2) }));
    const out = drain(node);
    expect(node.currentTerm).toBe(2);
    expect(logTerms(node)).toEqual([1, 2]);
    expect(out.persist).toEqual([]);
    expect(out.messages).toEqual([
      expect.objectContaining({ to: n2, message: expect.objectContaining({ kind: 'AppendEntriesReply', term: 2, success: false }) }),
    ]);
    expect(out.events).toContainEqual({ kind: 'ignored', message: 'AppendEntries', from: n2, reason: 'stale-term' });
  });
});

describe('§5.2 Leader election', () => {
  it('"When servers start up, they begin as followers"', () => {
    expect(makeNode().role).toBe('follower');
  });

  it('"Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to all followers"', () => {
    const node = makeNode();
    electLeader(node);
    for (let i = 0; i < 10; i++) node.request(clientRequest({ f: 'write', key: 'k', value: `v${i}` }));
    // Both followers hold everything, so the leader has nothing left to send but heartbeats.
    node.receive(n2, appendReply({ term: 1, matchIndex: node.log.lastIndex }));
    node.receive(n3, appendReply({ term: 1, matchIndex: node.log.lastIndex }));
    drain(node);
    tickTimes(node, node.ticks.heartbeatTicks);
    const appends = appendsTo(drain(node).messages);
    expect([...appends.keys()].sort()).toEqual([n2, n3]);
    for (const messages of appends.values()) {
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ term: 1, entries: [], leaderCommit: 11 });
    }
  });

  it('"If a follower receives no communication over a period of time called the election timeout, then it … begins an election"', () => {
    const node = makeNode({ term: 1 });
    drain(node);
    tickTimes(node, 2 * 10 - 1);
    const out = drain(node);
    expect(node.currentTerm).toBe(2);
    expect(node.role).toBe('candidate');
    expect(node.votedFor).toBe(n1);
    const votes = out.messages.filter((outbound) => outbound.message.kind === 'RequestVote');
    expect(votes.map((outbound) => outbound.to).sort()).toEqual([n2, n3]);
    for (const vote of votes) expect(vote.message).toMatchObject({ term: 2, lastLogIndex: 0, lastLogTerm: 0, candidateId: n1 });
    // The new term and vote are persisted in the same batch as the requests (Figure 2).
    expect(out.persist).toContainEqual({ kind: 'hard-state', term: 2, votedFor: n1 });
  });

  it('"If many followers become candidates at the same time, votes could be split … each candidate will time out and start a new election by incrementing its term"', () => {
    const node = makeNode({ term: 1 });
    node.becomeCandidate();
    expect(node.currentTerm).toBe(2);
    tickTimes(node, 2 * 10 - 1);
    expect(node.currentTerm).toBe(3);
    expect(node.role).toBe('candidate');
    expect(node.votedFor).toBe(n1);
  });

  // Vectors from etcd's TestLeaderElectionInOneRoundRPC: cluster size, votes received → state.
  const oneRound: Array<[number, Record<number, boolean>, string]> = [
    [1, {}, 'leader'],
    [3, { 2: true, 3: true }, 'leader'],
    [3, { 2: true }, 'leader'],
    [5, { 2: true, 3: true, 4: true, 5: true }, 'leader'],
    [5, { 2: true, 3: true, 4: true }, 'leader'],
    [5, { 2: true, 3: true }, 'leader'],
    [3, { 2: false, 3: false }, 'follower'],
    [5, { 2: false, 3: false, 4: false, 5: false }, 'follower'],
    [5, { 2: true, 3: false, 4: false, 5: false }, 'follower'],
    [3, {}, 'candidate'],
    [5, { 2: true }, 'candidate'],
    [5, { 2: false, 3: false }, 'candidate'],
    [5, {}, 'candidate'],
  ];
  it.each(oneRound)('"A candidate wins an election if it receives votes from a majority" — size %i, votes %j → %s', (size, votes, expected) => {
    const node = makeNode({ size });
    tickTimes(node, 2 * 10 - 1);
    expect(node.currentTerm).toBe(1);
    for (const [peer, granted] of Object.entries(votes)) {
      node.receive(nodeId(`n${peer}`), { kind: 'RequestVoteReply', term: term(1), voteGranted: granted });
    }
    expect(node.role).toBe(expected);
    expect(node.currentTerm).toBe(1);
  });

  // TestFollowerVote: (votedFor, candidate) → granted.
  const followerVote: Array<[string | null, string, boolean]> = [
    [null, 'n2', true],
    [null, 'n3', true],
    ['n2', 'n2', true],
    ['n3', 'n3', true],
    ['n2', 'n3', false],
    ['n3', 'n2', false],
  ];
  it.each(followerVote)('"Each server will vote for at most one candidate in a given term, on a first-come-first-served basis" — votedFor %s, candidate %s → %s', (votedFor, candidate, granted) => {
    const node = makeNode({ term: 1, votedFor: votedFor === null ? null : nodeId(votedFor) });
    node.receive(nodeId(candidate), { kind: 'RequestVote', term: term(1), candidateId: nodeId(candidate), lastLogIndex: logIndex(0), lastLogTerm: term(0) });
    const replies = drain(node).messages;
    expect(replies).toEqual([{ to: nodeId(candidate), message: { kind: 'RequestVoteReply', term: 1, voteGranted: granted } }]);
  });

  it.each([1, 2])('"If the leader\'s term … is at least as large as the candidate\'s current term, then the candidate … returns to follower state" — AppendEntries at term %i', (messageTerm) => {
    const node = makeNode();
    node.becomeCandidate();
    node.receive(n2, appendEntries({ term: messageTerm, prevLogIndex: 0, prevLogTerm: 0 }));
    expect(node.role).toBe('follower');
    expect(node.currentTerm).toBe(messageTerm);
    expect(node.leaderId).toBe(n2);
  });

  it.each(['follower', 'candidate'])('"Raft uses randomized election timeouts … chosen randomly from a fixed interval" — every value of [10, 19] occurs for a %s', (role) => {
    const node = makeNode({ seed: 42 });
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      if (role === 'follower') node.becomeFollower(node.currentTerm, null);
      else node.becomeCandidate();
      seen.add(node.randomizedElectionTimeout);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it.each(['follower', 'candidate'])('"… so that in most cases only a single server will time out" — 5 %ss rarely time out on the same tick', (role) => {
    const nodes = nodeIds(5).map((id) => makeNode({ id, size: 5, seed: 7 }));
    let conflicts = 0;
    const rounds = 1000;
    for (let round = 0; round < rounds; round++) {
      for (const node of nodes) {
        if (role === 'follower') node.becomeFollower(node.currentTerm, null);
        else node.becomeCandidate();
      }
      const timeouts = nodes.map((node) => node.randomizedElectionTimeout);
      const first = Math.min(...timeouts);
      if (timeouts.filter((timeout) => timeout === first).length > 1) conflicts++;
    }
    expect(conflicts / rounds).toBeLessThanOrEqual(0.3);
  });
});

describe('§5.3 Log replication', () => {
  /** A leader of term 1 whose no-op (index 1) both followers acknowledged. */
  function steadyLeader() {
    const node = makeNode();
    electLeader(node);
    node.receive(n2, appendReply({ term: 1, matchIndex: 1 }));
    node.receive(n3, appendReply({ term: 1, matchIndex: 1 }));
    expect(node.commitIndex).toBe(1);
    drain(node);
    return node;
  }

  it('"The leader appends the command to its log as a new entry, then issues AppendEntries RPCs in parallel to each of the other servers"', () => {
    const node = steadyLeader();
    node.request(clientRequest({ f: 'write', key: 'k', value: 'a' }));
    const out = drain(node);
    const entry = node.log.entryAt(2);
    expect(entry).toMatchObject({ index: 2, term: 1, command: { command: { f: 'write', key: 'k', value: 'a' } } });
    expect(out.persist).toEqual([{ kind: 'append', entries: [entry] }]);
    const appends = appendsTo(out.messages);
    for (const peer of [n2, n3]) {
      expect(appends.get(peer)).toEqual([expect.objectContaining({ prevLogIndex: 1, prevLogTerm: 1, entries: [entry], leaderCommit: 1 })]);
    }
    expect(node.commitIndex).toBe(1);
  });

  it('"When the entry has been safely replicated … the leader applies the entry to its state machine and returns the result of that execution to the client"', () => {
    const node = steadyLeader();
    const request = clientRequest({ f: 'write', key: 'k', value: 'a' });
    node.request(request);
    drain(node);
    node.receive(n2, appendReply({ term: 1, matchIndex: 2 }));
    node.receive(n3, appendReply({ term: 1, matchIndex: 2 }));
    const out = drain(node);
    expect(node.commitIndex).toBe(2);
    expect(node.lastApplied).toBe(2);
    expect(out.events).toContainEqual(expect.objectContaining({ kind: 'apply', index: 2, term: 1 }));
    expect(out.replies).toEqual([{ requestId: request.requestId, clientId: request.clientId, result: { type: 'ok' }, leaderHint: n1 }]);
    // "The leader keeps track of the highest index it knows to be committed, and it includes that index in future AppendEntries RPCs."
    tickTimes(node, node.ticks.heartbeatTicks);
    for (const messages of appendsTo(drain(node).messages).values()) expect(messages[0]?.leaderCommit).toBe(2);
  });

  // TestLeaderAcknowledgeCommit: (size, acceptors besides the leader) → committed?
  const acknowledge: Array<[number, number[], boolean]> = [
    [1, [], true],
    [3, [], false],
    [3, [2], true],
    [3, [2, 3], true],
    [5, [], false],
    [5, [2], false],
    [5, [2, 3], true],
    [5, [2, 3, 4], true],
    [5, [2, 3, 4, 5], true],
  ];
  it.each(acknowledge)('"A log entry is committed once the leader that created the entry has replicated it on a majority of the servers" — size %i, acks %j → %s', (size, acceptors, committed) => {
    const node = makeNode({ size });
    electLeader(node);
    node.request(clientRequest({ f: 'write', key: 'k', value: 'a' }));
    for (const peer of acceptors) node.receive(nodeId(`n${peer}`), appendReply({ term: 1, matchIndex: 2 }));
    expect(node.commitIndex >= 2).toBe(committed);
  });

  // TestLeaderCommitPrecedingEntries: prior logs; a leader of term 3 appends its no-op and a proposal.
  it.each([[[]], [[2]], [[1, 2]], [[1]]])('"This also commits all preceding entries in the leader\'s log, including entries created by previous leaders" — prior log terms %j', (prior) => {
    const node = makeNode({ term: 2, log: terms(...prior) });
    electLeader(node);
    expect(node.currentTerm).toBe(3);
    node.request(clientRequest({ f: 'write', key: 'k', value: 'a' }));
    const last = prior.length + 2;
    node.receive(n2, appendReply({ term: 3, matchIndex: last }));
    node.receive(n3, appendReply({ term: 3, matchIndex: last }));
    expect(node.commitIndex).toBe(last);
    const applied = drain(node).events.filter((event) => event.kind === 'apply');
    expect(applied.map((event) => event.kind === 'apply' && event.index)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  });

  // TestFollowerCommitEntry: entries and leaderCommit → the follower's commitIndex.
  it.each([
    [terms(1), 1],
    [terms(1, 1), 2],
    [terms(1, 1), 1],
    [terms(1), 1],
  ])('"Once a follower learns that a log entry is committed, it applies the entry to its local state machine" — %#', (entries, commit) => {
    const node = makeNode({ term: 1 });
    node.receive(n2, appendEntries({ term: 1, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommit: commit }));
    expect(node.commitIndex).toBe(commit);
    const applied = drain(node).events.filter((event) => event.kind === 'apply');
    expect(applied).toHaveLength(commit);
  });

  // TestFollowerCheckMsgApp: follower log terms(1,2), commit 1, term 2; MsgApp (prevLogTerm, prevLogIndex) → reply.
  const checks: Array<[number, number, Partial<AppendReplyMessage>]> = [
    [0, 0, { success: true, matchIndex: logIndex(1) }],
    [1, 1, { success: true, matchIndex: logIndex(1) }],
    [2, 2, { success: true, matchIndex: logIndex(2) }],
    [1, 2, { success: false, rejectedIndex: logIndex(2), conflictIndex: logIndex(1), conflictTerm: term(1) }],
    [3, 3, { success: false, rejectedIndex: logIndex(3), conflictIndex: logIndex(2), conflictTerm: term(2) }],
  ];
  it.each(checks)('"If the follower does not find an entry in its log with the same index and term, then it refuses the new entries" — prevLogTerm %i, prevLogIndex %i', (prevLogTerm, prevLogIndex, expected) => {
    const node = makeNode({ term: 2, log: terms(1, 2) });
    node.receive(n2, appendEntries({ term: 2, prevLogIndex: 2, prevLogTerm: 2, leaderCommit: 1 }));
    drain(node);
    expect(node.commitIndex).toBe(1);
    node.receive(n2, appendEntries({ term: 2, prevLogIndex, prevLogTerm, leaderCommit: 1 }));
    const [reply] = drain(node).messages;
    expect(reply?.message).toMatchObject({ kind: 'AppendEntriesReply', term: 2, ...expected });
  });

  // TestFollowerAppendEntries: follower log terms(1,2) at term 2; (prevLogIndex, prevLogTerm, entries) → log, what is persisted.
  const appendsVector: Array<[number, number, Array<[number, number]>, number[], Array<[number, number]>]> = [
    [2, 2, [[3, 3]], [1, 2, 3], [[3, 3]]],
    [1, 1, [[2, 3], [3, 4]], [1, 3, 4], [[2, 3], [3, 4]]],
    [0, 0, [[1, 1]], [1, 2], []],
    [0, 0, [[1, 3]], [3], [[1, 3]]],
  ];
  it.each(appendsVector)('"If an existing entry conflicts with a new one … delete the existing entry and all that follow it; append any new entries not already in the log" — prev (%i, %i)', (prevLogIndex, prevLogTerm, entries, expectedTerms, persisted) => {
    const node = makeNode({ term: 2, log: terms(1, 2) });
    drain(node);
    const incoming = entries.map(([index, entryTerm]) => ({ index: logIndex(index), term: term(entryTerm), command: null }));
    node.receive(n2, appendEntries({ term: 2, prevLogIndex, prevLogTerm, entries: incoming }));
    expect(logTerms(node)).toEqual(expectedTerms);
    const written = drain(node).persist.flatMap((record) => (record.kind === 'append' ? record.entries.map((entry) => [entry.index, entry.term]) : []));
    expect(written).toEqual(persisted);
  });
});

describe('Figure 7: the leader brings every follower log to its own', () => {
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: Array<[string, number[]]> = [
    ['(a) missing 1', [1, 1, 1, 4, 4, 5, 5, 6, 6]],
    ['(b) missing 6', [1, 1, 1, 4]],
    ['(c) 1 extra uncommitted', [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]],
    ['(d) 2 extra from term 7', [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]],
    ['(e) divergent term-4 tail', [1, 1, 1, 4, 4, 4, 4]],
    ['(f) divergent terms 2 and 3', [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]],
  ];
  it.each(followers)('"the leader must find the latest log entry where the two logs agree, delete any entries in the follower\'s log after that point, and send the follower all of the leader\'s entries after that point" — %s', (_, followerLog) => {
    const leader = makeNode({ id: n1, term: 8, log: terms(...leaderLog) });
    const follower = makeNode({ id: n2, term: 7, log: terms(...followerLog) });
    // The leader wins term 9 with n3's vote; n3 is otherwise absent.
    leader.becomeCandidate();
    leader.receive(n3, { kind: 'RequestVoteReply', term: term(9), voteGranted: true });
    expect(leader.role).toBe('leader');
    pump([leader, follower]);
    for (let round = 0; round < 5; round++) {
      tickTimes(leader, leader.ticks.heartbeatTicks);
      pump([leader, follower]);
    }
    expect(logTerms(follower)).toEqual([...leaderLog, 9]);
    expect(logTerms(leader)).toEqual([...leaderLog, 9]);
    expect(follower.commitIndex).toBe(11);
  });
});

describe('§5.4.1 Election restriction', () => {
  it('"The RequestVote RPC … includes information about the candidate\'s log" — last index and term, to every peer, at term + 1', () => {
    const node = makeNode({ term: 2, log: terms(1, 1, 2) });
    drain(node);
    node.becomeCandidate();
    const votes = drain(node).messages;
    expect(votes).toHaveLength(0); // becomeCandidate alone sends nothing; the campaign does
    tickTimes(node, 2 * 10 - 1);
    const requests = drain(node).messages;
    expect(requests.map((outbound) => outbound.to).sort()).toEqual([n2, n3]);
    for (const { message } of requests) expect(message).toMatchObject({ kind: 'RequestVote', term: 4, lastLogIndex: 3, lastLogTerm: 2 });
  });

  // TestVoter: voter log, candidate (lastLogTerm, lastLogIndex) at term 3 → granted?
  const voter: Array<[number[], number, number, boolean]> = [
    [[1], 1, 1, true],
    [[1], 1, 2, true],
    [[1, 1], 1, 1, false],
    [[1], 2, 1, true],
    [[1], 2, 2, true],
    [[1, 1], 2, 1, true],
    [[2], 1, 1, false],
    [[2], 1, 2, false],
    [[2, 2], 1, 1, false],
    [[1, 1], 1, 1, false],
  ];
  it.each(voter)('"the voter denies its vote if its own log is more up-to-date than that of the candidate" — voter log %j, candidate (term %i, index %i) → %s', (log, lastLogTerm, lastLogIndex, granted) => {
    const node = makeNode({ term: 2, log: terms(...log) });
    drain(node);
    node.receive(n2, { kind: 'RequestVote', term: term(3), candidateId: n2, lastLogIndex: logIndex(lastLogIndex), lastLogTerm: term(lastLogTerm) });
    const [reply] = drain(node).messages;
    expect(reply?.message).toEqual({ kind: 'RequestVoteReply', term: 3, voteGranted: granted });
  });

  it('with the unsafe switch voteWithoutLogCheck the same voter grants a less up-to-date candidate', () => {
    const node = makeNode({ term: 2, log: terms(2, 2), unsafe: ['voteWithoutLogCheck'] });
    node.receive(n2, { kind: 'RequestVote', term: term(3), candidateId: n2, lastLogIndex: logIndex(1), lastLogTerm: term(1) });
    expect(drain(node).messages[0]?.message).toMatchObject({ voteGranted: true });
  });
});

describe('§5.4.2 Committing entries from previous terms', () => {
  // TestLeaderOnlyCommitsLogFromCurrentTerm: log terms(1,2); leader of term 3 appends its no-op at 3.
  it.each([
    [1, 0],
    [2, 0],
    [3, 3],
  ])('"Raft never commits log entries from previous terms by counting replicas" — ack up to %i → commitIndex %i', (ackedIndex, expectedCommit) => {
    const node = makeNode({ term: 2, log: terms(1, 2) });
    electLeader(node);
    expect(node.log.lastIndex).toBe(3);
    node.receive(n2, appendReply({ term: 3, matchIndex: ackedIndex }));
    expect(node.commitIndex).toBe(expectedCommit);
  });

  it('with the unsafe switch commitPriorTermByCount an old-term entry commits by counting replicas', () => {
    const node = makeNode({ term: 2, log: terms(1, 2), unsafe: ['commitPriorTermByCount'] });
    electLeader(node);
    node.receive(n2, appendReply({ term: 3, matchIndex: 2 }));
    expect(node.commitIndex).toBe(2);
  });
});

describe('Figure 8: a leader cannot determine commitment using log entries from older terms', () => {
  // S1..S5 after (c): S1 leads term 4 and has put its term-2 entry at index 2 on S2 and S3 (a majority);
  // S5 holds a term-3 entry at index 2 that S2, S3 and S4 would vote for.
  const ids = nodeIds(5);
  const [s1, s2, s3, , s5] = ids;

  function afterC(unsafe: 'commitPriorTermByCount'[] = []) {
    const leader = makeNode({ id: s1, size: 5, term: 3, log: terms(1, 2), unsafe });
    electLeader(leader); // term 4, its no-op at index 3
    leader.receive(s2!, appendReply({ term: 4, matchIndex: 2 }));
    leader.receive(s3!, appendReply({ term: 4, matchIndex: 2 }));
    return leader;
  }

  it('"(c) … the entry from term 2 has been replicated on a majority of the servers, but it is not committed"', () => {
    const leader = afterC();
    expect(leader.commitIndex).toBe(0);
  });

  it('"(d) If S1 crashes, S5 could be elected leader … and overwrite the entry with its own entry from term 3"', () => {
    const voters = [s2!, s3!].map((id) => makeNode({ id, size: 5, term: 4, log: terms(1, 2) }));
    const candidate = makeNode({ id: s5!, size: 5, term: 4, log: terms(1, 3) });
    candidate.becomeCandidate();
    const request = { kind: 'RequestVote', term: term(5), candidateId: s5!, lastLogIndex: logIndex(2), lastLogTerm: term(3) } as const;
    for (const voter of voters) {
      voter.receive(s5!, request);
      expect(drain(voter).messages[0]?.message).toMatchObject({ voteGranted: true });
    }
    candidate.receive(s2!, { kind: 'RequestVoteReply', term: term(5), voteGranted: true });
    candidate.receive(s3!, { kind: 'RequestVoteReply', term: term(5), voteGranted: true });
    expect(candidate.role).toBe('leader');
    pump([candidate, ...voters]);
    for (const voter of voters) expect(logTerms(voter).slice(0, 2)).toEqual([1, 3]);
  });

  it('"(e) if S1 replicates an entry from its current term on a majority … then this entry is committed", and the term-2 entry with it', () => {
    const leader = afterC();
    leader.receive(s2!, appendReply({ term: 4, matchIndex: 3 }));
    leader.receive(s3!, appendReply({ term: 4, matchIndex: 3 }));
    expect(leader.commitIndex).toBe(3);
  });

  it('with commitPriorTermByCount S1 commits the term-2 entry in (c), which (d) then overwrites: the anomaly the switch permits', () => {
    expect(afterC(['commitPriorTermByCount']).commitIndex).toBe(2);
  });
});

describe('§8 Client interaction', () => {
  it('"a leader must check whether it has been deposed before processing a read-only request" — ReadIndex waits for a majority to answer a round', () => {
    const node = makeNode();
    electLeader(node);
    node.receive(n2, appendReply({ term: 1, matchIndex: 1 }));
    node.receive(n3, appendReply({ term: 1, matchIndex: 1 }));
    drain(node);
    const read = clientRequest({ f: 'read', key: 'k' });
    node.request(read);
    const round = appendsTo(drain(node).messages).get(n2)?.[0]?.round ?? -1;
    expect(round).toBeGreaterThan(0);
    node.receive(n2, appendReply({ term: 1, matchIndex: 1, round: round - 1 }));
    expect(drain(node).replies).toEqual([]);
    node.receive(n2, appendReply({ term: 1, matchIndex: 1, round }));
    expect(drain(node).replies).toEqual([expect.objectContaining({ requestId: read.requestId, result: { type: 'ok', value: null } })]);
  });

  it('"each leader commit a blank no-op entry into the log at the start of its term" before it serves ReadIndex reads', () => {
    const node = makeNode();
    electLeader(node);
    drain(node);
    const read = clientRequest({ f: 'read', key: 'k' });
    node.request(read);
    expect(drain(node).replies).toEqual([]);
    node.receive(n2, appendReply({ term: 1, matchIndex: 1, round: node.round }));
    const out = drain(node);
    expect(node.commitIndex).toBe(1);
    const round = appendsTo(out.messages).get(n2)?.[0]?.round ?? -1;
    node.receive(n3, appendReply({ term: 1, matchIndex: 1, round }));
    expect(drain(node).replies).toEqual([expect.objectContaining({ requestId: read.requestId, result: { type: 'ok', value: null } })]);
  });

  it('non-leaders answer not-leader with a hint, and a retried request is applied once', () => {
    const follower = makeNode({ term: 1 });
    follower.receive(n2, appendEntries({ term: 1, prevLogIndex: 0, prevLogTerm: 0 }));
    drain(follower);
    follower.request(clientRequest({ f: 'write', key: 'k', value: 'a' }));
    expect(drain(follower).replies[0]).toMatchObject({ result: { type: 'fail', reason: 'not-leader' }, leaderHint: n2 });
    const leader = makeNode();
    electLeader(leader);
    const write = clientRequest({ f: 'write', key: 'k', value: 'b' });
    leader.request(write);
    leader.request({ ...write, requestId: clientRequest({ f: 'read', key: 'x' }).requestId });
    expect(leader.log.lastIndex).toBe(2);
  });
});
