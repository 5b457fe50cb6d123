/**
 * Multi-Paxos against its papers. One `describe` per section of Lamport's "Paxos Made Simple"
 * (2001), each `it` quoting the sentence it checks, then the invariants of van Renesse &
 * Altinbuken's "Paxos Made Moderately Complex" (2015) and Flexible Paxos's quorum rule. Every
 * step also runs the node and cluster invariants (the harness throws when one breaks).
 */
import { describe, expect, it } from 'vitest';
import { clientId, nodeId, slot } from '../../src/base/ids';
import type { KvLogCommand } from '../../src/kv/command';
import { PaxosClusterChecker } from '../../src/protocol/paxos/invariants';
import { type Ballot, compareBallots, type PaxosMessage } from '../../src/protocol/paxos/messages';
import { paxosQuorumProblems, paxosQuorums } from '../../src/protocol/paxos/quorums';
import { paxosSettingsDefault } from '../../src/protocol/settings';
import { Harness, read, write } from './harness';

const ballot = (round: number, node: string): Ballot => ({ round, node: nodeId(node) });
/** Each value gets its own client, as unique values do in a run, so digests tell values apart. */
const sequenceOf = new Map<string, number>();
const command = (value: string): KvLogCommand => {
  if (!sequenceOf.has(value)) sequenceOf.set(value, sequenceOf.size + 1);
  return { clientId: clientId(100 + (sequenceOf.get(value) ?? 0)), sequence: 1, command: { f: 'write', key: 'k', value } };
};
const p2a = (round: number, node: string, slotNumber: number, value: string | null): PaxosMessage => ({
  kind: 'P2a',
  pvalue: { ballot: ballot(round, node), slot: slot(slotNumber), command: value === null ? null : command(value) },
});
const p1a = (round: number, node: string, fromSlot = 1): PaxosMessage => ({ kind: 'P1a', ballot: ballot(round, node), fromSlot: slot(fromSlot) });
const sentTo = (h: Harness, from: string, kind: PaxosMessage['kind']): PaxosMessage[] => h.inFlight.filter((m) => m.from === from && m.message.kind === kind).map((m) => m.message);
/** The leader's heartbeats stopped long ago: nothing keeps `id` from answering a new ballot. */
const forgetLeader = (h: Harness, id: string): void => {
  h.node(id).lastHeardLeaderTick = Number.NEGATIVE_INFINITY;
};

describe('Paxos Made Simple §2.1, the problem', () => {
  it('"Only a value that has been proposed may be chosen": every executed command came from a client request', () => {
    const h = new Harness(3);
    h.elect('n1');
    const w = h.request('n1', write('k', 'v1'));
    h.stabilize();
    expect(h.replyTo(w)?.result).toEqual({ type: 'ok' });
    for (const id of h.ids) expect(h.node(id).decisions.get(1)?.command?.command).toEqual(write('k', 'v1'));
  });

  it('"Only a single value is chosen": two leaders competing for slot 1 end with one value on every node', () => {
    const h = new Harness(3);
    h.elect('n1');
    h.request('n1', write('k', 'from-n1'));
    h.take((m) => m.from === 'n1'); // n1's P2a never arrive
    forgetLeader(h, 'n2');
    forgetLeader(h, 'n3');
    h.elect('n3');
    h.request('n3', write('k', 'from-n3'), { client: 2 });
    h.stabilize();
    const values = h.ids.map((id) => h.node(id).decisions.get(1)?.command?.command);
    expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1);
  });

  it('"A process never learns that a value has been chosen unless it actually has been": no decision before a phase-2 quorum', () => {
    const h = new Harness(5);
    h.elect('n1');
    h.request('n1', write('k', 'v'));
    const accepts = h.take((m) => m.message.kind === 'P2a');
    h.deliverOne(accepts[0]!);
    h.deliver((m) => m.message.kind === 'P2b');
    expect(h.node('n1').decisions.has(1)).toBe(false); // n1 and one acceptor: 2 of 5
    h.deliverOne(accepts[1]!);
    h.deliver((m) => m.message.kind === 'P2b');
    expect(h.node('n1').decisions.has(1)).toBe(true); // 3 of 5
  });
});

describe('Paxos Made Simple §2.2, choosing a value', () => {
  it('P1: "An acceptor must accept the first proposal that it receives."', () => {
    const h = new Harness(3);
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'v'));
    expect(sentTo(h, 'n2', 'P2b')).toEqual([{ kind: 'P2b', ballot: ballot(1, 'n1'), slot: 1 }]);
    expect(h.node('n2').accepted.get(1)?.ballot).toEqual(ballot(1, 'n1'));
  });

  it('P1a: "An acceptor can accept a proposal numbered n iff it has not responded to a prepare request having a number greater than n."', () => {
    const h = new Harness(3);
    h.inject('n3', 'n2', p1a(2, 'n3'));
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'v'));
    expect(h.node('n2').accepted.has(1)).toBe(false);
    // The refusal carries the higher ballot: PMMC's ⟨p2b, α, ballot_num⟩, from which n1 learns it was preempted.
    expect(sentTo(h, 'n2', 'P2b')).toEqual([{ kind: 'P2b', ballot: ballot(2, 'n3'), slot: 1 }]);
  });

  it('Phase 1(b): "it responds … with a promise not to accept any more proposals numbered less than n and with the highest-numbered proposal (if any) that it has accepted"', () => {
    const h = new Harness(3);
    h.inject('n1', 'n2', p2a(1, 'n1', 4, 'v'));
    forgetLeader(h, 'n2');
    h.inject('n3', 'n2', p1a(2, 'n3'));
    const [promise] = sentTo(h, 'n2', 'P1b');
    expect(promise).toMatchObject({ kind: 'P1b', ballot: ballot(2, 'n3'), requested: ballot(2, 'n3') });
    expect(promise?.kind === 'P1b' && promise.accepted.map((pvalue) => [pvalue.slot, pvalue.ballot])).toEqual([[4, ballot(1, 'n1')]]);
    expect(h.node('n2').promised).toEqual(ballot(2, 'n3'));
  });

  it('Phase 1(b), the other case: a prepare numbered below the promise gets no promise, only the higher number', () => {
    const h = new Harness(3);
    h.inject('n3', 'n2', p1a(5, 'n3'));
    h.inject('n1', 'n2', p1a(2, 'n1'));
    expect(sentTo(h, 'n2', 'P1b').at(-1)).toMatchObject({ ballot: ballot(5, 'n3'), requested: ballot(2, 'n1') });
    expect(h.node('n2').promised).toEqual(ballot(5, 'n3'));
  });

  it('P2c / phase 2(a): "v is the value of the highest-numbered proposal among the responses"', () => {
    const h = new Harness(3);
    // n1 accepted slot 1 in ballot 1.n2, n3 in the higher ballot 2.n3 with another value.
    h.inject('n2', 'n3', p2a(2, 'n3', 1, 'higher'));
    h.inject('n2', 'n1', p2a(1, 'n2', 1, 'lower'));
    h.take();
    h.node('n1').ballot = ballot(2, 'n1'); // n1's next ballot is 3.n1
    h.campaign('n1');
    h.deliver((m) => m.message.kind === 'P1a' && m.to === 'n3');
    h.deliver((m) => m.message.kind === 'P1b');
    const proposals = sentTo(h, 'n1', 'P2a');
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.every((m) => m.kind === 'P2a' && m.pvalue.command?.command.f === 'write' && m.pvalue.command.command.value === 'higher')).toBe(true);
  });

  it('P2: "If a proposal with value v is chosen, then every higher-numbered proposal that is chosen has value v" — across a change of leader', () => {
    const h = new Harness(3);
    h.elect('n1');
    h.request('n1', write('k', 'v'));
    h.deliver((m) => m.message.kind === 'P2a' && m.to === 'n2');
    h.deliver((m) => m.message.kind === 'P2b');
    expect(h.node('n1').decisions.has(1)).toBe(true); // chosen by n1 and n2
    h.take(); // n1 crashes: its Decide messages and its P2a to n3 are lost
    forgetLeader(h, 'n2');
    forgetLeader(h, 'n3');
    h.elect('n3', { drop: (m) => m.to === 'n1' || m.from === 'n1' }); // phase 1 with n2, which reports the pvalue
    expect(h.node('n3').decisions.get(1)?.command?.command).toEqual(write('k', 'v'));
    expect(h.node('n3').store.read('k')).toBe('v');
  });

  it('"or is any value if the responses reported no proposals": a slot nobody reported is filled with a no-op (PMS §3)', () => {
    const h = new Harness(3);
    h.inject('n1', 'n2', p2a(1, 'n1', 3, 'three')); // slot 3 accepted, slots 1 and 2 never
    h.take();
    forgetLeader(h, 'n2');
    h.node('n3').ballot = ballot(1, 'n3');
    h.elect('n3', { drop: (m) => m.to === 'n1' || m.from === 'n1' }); // n1 is down
    const n3 = h.node('n3');
    expect(n3.decisions.get(1)?.command).toBeNull();
    expect(n3.decisions.get(2)?.command).toBeNull();
    expect(n3.decisions.get(3)?.command?.command).toEqual(write('k', 'three'));
    expect(n3.executedSlot).toBe(3);
  });
});

describe('Paxos Made Simple §2.3, learning a chosen value', () => {
  it('"the acceptors could respond with their acceptances to some set of distinguished learners": the leader learns and broadcasts the decision', () => {
    const h = new Harness(3);
    h.elect('n1');
    h.request('n1', write('k', 'v'));
    h.deliver((m) => m.message.kind === 'P2a');
    h.deliver((m) => m.message.kind === 'P2b');
    expect(h.peek('Decide').map((m) => m.to).sort()).toEqual(['n2', 'n3']);
    h.deliver((m) => m.message.kind === 'Decide');
    for (const id of h.ids) expect(h.node(id).store.read('k')).toBe('v');
  });

  it('"a learner can find out what value has been chosen by issuing a proposal"… or by asking: a lagging replica catches up from the leader', () => {
    const h = new Harness(3);
    h.elect('n1');
    for (let i = 1; i <= 5; i++) h.request('n1', write('k', `v${i}`), { client: i });
    h.stabilize({ drop: (m) => m.to === 'n3' && m.message.kind === 'Decide' });
    expect(h.node('n3').executedSlot).toBe(0);
    h.tick('n1', h.node('n1').heartbeatTicks); // a heartbeat tells n3 how far the leader executed
    h.stabilize();
    expect(h.node('n3').executedSlot).toBe(5);
    expect(h.node('n3').store.read('k')).toBe('v5');
  });
});

describe('Paxos Made Simple §2.4, progress', () => {
  it('"To guarantee progress, a distinguished proposer must be selected": followers of a live leader ignore a rival ballot', () => {
    const h = new Harness(3);
    h.elect('n1');
    h.tick('n1', h.node('n1').heartbeatTicks);
    h.stabilize();
    h.inject('n3', 'n2', p1a(9, 'n3'));
    expect(h.ignoredReasons('n2')).toContain('P1a:leader-is-fresh');
    expect(h.node('n2').promised).toEqual(h.node('n1').ballot);
  });

  it('"two proposers each keep issuing a sequence of proposals with increasing numbers": without backoff a preempted proposer retries at once', () => {
    const h = new Harness(3, { ...paxosSettingsDefault, backoff: false });
    h.campaign('n1');
    h.inject('n3', 'n1', { kind: 'P1b', ballot: ballot(7, 'n3'), requested: h.node('n1').ballot, accepted: [], snapshotSlot: slot(0) });
    expect(h.node('n1').role).toBe('follower');
    h.tick('n1');
    expect(h.node('n1').role).toBe('candidate');
    expect(compareBallots(h.node('n1').ballot, ballot(7, 'n3'))).toBeGreaterThan(0);
  });

  it('…with seeded randomized backoff it waits at least an election timeout, longer after repeated preemptions', () => {
    const h = new Harness(3);
    const n1 = h.node('n1');
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      h.campaign('n1');
      h.inject('n3', 'n1', { kind: 'P1b', ballot: ballot(n1.ballot.round + 5, 'n3'), requested: n1.ballot, accepted: [], snapshotSlot: slot(0) });
      waits.push(n1.electionDeadlineTick - n1.nowTick);
    }
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(n1.electionTimeoutTicksMin);
    expect(n1.preemptionCount).toBe(4);
  });
});

describe('Paxos Made Simple §2.5, the implementation', () => {
  it('"an acceptor records its intended response in stable storage before actually sending the response": the promise is in the same batch, durable first', () => {
    const h = new Harness(3);
    const n2 = h.node('n2');
    n2.receive(nodeId('n3'), p1a(2, 'n3'));
    const batch = n2.ready();
    expect(batch.persist).toEqual([{ kind: 'promise', ballot: ballot(2, 'n3') }]);
    expect(batch.messages.map((m) => m.message.kind)).toEqual(['P1b']);
  });

  it('"An acceptor must remember this information even if it fails and then restarts": a restarted acceptor keeps its promise and pvalues', () => {
    const h = new Harness(3);
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'v'));
    forgetLeader(h, 'n2');
    h.inject('n3', 'n2', p1a(3, 'n3'));
    const restarted = h.restart('n2');
    expect(restarted.promised).toEqual(ballot(3, 'n3'));
    expect(restarted.accepted.get(1)?.command?.command).toEqual(write('k', 'v'));
    h.inject('n1', 'n2', p2a(2, 'n1', 2, 'late'));
    expect(restarted.accepted.has(2)).toBe(false);
  });

  it('"Different proposers choose their numbers from disjoint sets of numbers": ballots are (round, node), ordered lexicographically', () => {
    expect(compareBallots(ballot(2, 'n1'), ballot(1, 'n5'))).toBeGreaterThan(0);
    expect(compareBallots(ballot(2, 'n1'), ballot(2, 'n3'))).toBeLessThan(0);
    const h = new Harness(3);
    h.campaign('n1');
    h.campaign('n2');
    expect(compareBallots(h.node('n1').ballot, h.node('n2').ballot)).not.toBe(0);
  });
});

describe('Paxos Made Simple §3, implementing a state machine', () => {
  it('"executes phase 1 for infinitely many instances … with a single reasonably short message": one P1a per acceptor, then only phase 2', () => {
    const h = new Harness(3);
    h.elect('n1');
    for (let i = 1; i <= 10; i++) {
      h.request('n1', write('k', `v${i}`), { client: i });
      h.stabilize();
    }
    expect(h.count('P1a')).toBe(2);
    expect(h.count('P2a')).toBe(20);
    expect(h.node('n3').executedSlot).toBe(10);
  });

  it('"the leader can propose command 142 before it learns that command 141 is chosen": proposals are pipelined within the window', () => {
    const h = new Harness(3, { ...paxosSettingsDefault, windowSlots: 4 });
    h.elect('n1');
    const requests = [1, 2, 3, 4, 5].map((i) => h.request('n1', write('k', `v${i}`), { client: i }));
    expect(new Set(sentTo(h, 'n1', 'P2a').map((m) => m.kind === 'P2a' && m.pvalue.slot))).toEqual(new Set([1, 2, 3, 4]));
    expect(h.replyTo(requests[4]!)?.result).toEqual({ type: 'fail', reason: 'unavailable' }); // beyond slot_out + WINDOW
  });

  it('"in which case the leader can fill the gaps by proposing a special no-op command": holes after a leader change become no-ops, the rest execute', () => {
    const h = new Harness(3);
    h.elect('n1');
    h.request('n1', write('k', 'a'), { client: 1 });
    h.take((m) => m.message.kind === 'P2a'); // slot 1's accepts are lost
    h.request('n1', write('k', 'b'), { client: 2 });
    h.deliver((m) => m.message.kind === 'P2a' && m.to === 'n2'); // slot 2 reaches n2 only
    h.take();
    forgetLeader(h, 'n2');
    forgetLeader(h, 'n3');
    h.elect('n2', { drop: (m) => m.to === 'n1' || m.from === 'n1' }); // n1 crashed
    const n2 = h.node('n2');
    expect(n2.decisions.get(1)?.command).toBeNull();
    expect(n2.decisions.get(2)?.command?.command).toEqual(write('k', 'b'));
    expect(n2.store.read('k')).toBe('b');
  });

  it('commands are applied in slot order: a decision that arrives early waits for the slots before it', () => {
    const h = new Harness(3);
    const decide = (slotNumber: number, value: string): PaxosMessage => ({ kind: 'Decide', decisions: [{ slot: slot(slotNumber), ballot: ballot(1, 'n1'), command: command(value) }] });
    h.inject('n1', 'n2', decide(2, 'second'));
    expect(h.node('n2').executedSlot).toBe(0);
    h.inject('n1', 'n2', decide(1, 'first'));
    expect(h.node('n2').executedSlot).toBe(2);
    expect(h.node('n2').store.read('k')).toBe('second');
  });

  it('client sessions: a retried request is applied once, however many slots it lands in', () => {
    const h = new Harness(3);
    h.elect('n1');
    const first = h.request('n1', { f: 'cas', key: 'k', from: null, to: 'x' }, { client: 4, sequence: 1 });
    h.stabilize();
    const retry = h.request('n1', { f: 'cas', key: 'k', from: null, to: 'x' }, { client: 4, sequence: 1 });
    h.stabilize();
    expect(h.replyTo(first)?.result).toEqual({ type: 'ok' });
    expect(h.replyTo(retry)?.result).toEqual({ type: 'ok' }); // the session's answer, not a cas-mismatch
    expect(h.node('n3').executedSlot).toBe(1);
  });

  it('reads: a linearizable read waits for a round confirmed at the leader’s ballot; a lease read is answered at once while the lease runs', () => {
    const h = new Harness(3);
    h.elect('n1');
    h.request('n1', write('k', 'v'));
    h.stabilize();
    const linearizable = h.request('n1', read('k'));
    expect(h.replyTo(linearizable)).toBeUndefined();
    h.stabilize();
    expect(h.replyTo(linearizable)?.result).toEqual({ type: 'ok', value: 'v' });
    const lease = h.request('n1', read('k'), { policy: { write: 'quorum', read: 'lease' } });
    expect(h.replyTo(lease)?.result).toEqual({ type: 'ok', value: 'v' });
    const follower = h.request('n2', read('k'));
    expect(h.replyTo(follower)?.result).toEqual({ type: 'fail', reason: 'not-leader' });
    const local = h.request('n2', read('k'), { policy: { write: 'local', read: 'local' } });
    expect(h.replyTo(local)?.result).toEqual({ type: 'ok', value: 'v' });
  });
});

describe('Paxos Made Moderately Complex, invariants', () => {
  it('A1: "an acceptor can only adopt strictly higher ballot numbers" — a promise that goes back is reported', () => {
    const h = new Harness(3);
    h.inject('n3', 'n2', p1a(4, 'n3'));
    const n2 = h.node('n2');
    n2.promised = ballot(1, 'n1');
    expect(n2.checkInvariants().join()).toMatch(/promise went back from 4\.n3 to 1\.n1/);
  });

  it('A2 / P1a broken on purpose: with acceptWithoutPromiseCheck an acceptance below the promise is reported', () => {
    const h = new Harness(3, paxosSettingsDefault, ['acceptWithoutPromiseCheck']);
    h.inject('n3', 'n2', p1a(4, 'n3'));
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'v'));
    expect(h.broken.join()).toMatch(/accepted slot 1 in ballot 1\.n1, below its promise 4\.n3/);
  });

  it('L1: one value per (ballot, slot) — two acceptors holding different values for one ballot and slot are caught', () => {
    const h = new Harness(3, paxosSettingsDefault, ['acceptWithoutPromiseCheck'], 1, false);
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'a'));
    h.inject('n1', 'n3', p2a(1, 'n1', 1, 'b'));
    expect(h.broken.join()).toMatch(/slot 1, ballot 1\.n1: two values/);
  });

  it('A5 / P2a: "if a proposal with value v is chosen, then every higher-numbered proposal accepted by any acceptor has value v"', () => {
    const h = new Harness(3, paxosSettingsDefault, ['ignoreHighestBallot']);
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'chosen'));
    h.inject('n1', 'n3', p2a(1, 'n1', 1, 'chosen'));
    h.inject('n3', 'n2', p2a(2, 'n3', 1, 'other'));
    expect(h.broken.join()).toMatch(/slot 1: c\d+#1:write:k was chosen in ballot 1\.n1, yet n2 accepted c\d+#1:write:k in the higher ballot 2\.n3/);
  });

  it('R1: "no two replicas decide different commands for the same slot" — the decided prefix never changes', () => {
    const checker = new PaxosClusterChecker();
    const h = new Harness(3);
    const decide = (value: string): PaxosMessage => ({ kind: 'Decide', decisions: [{ slot: slot(1), ballot: ballot(1, 'n1'), command: command(value) }] });
    h.node('n2').receive(nodeId('n1'), decide('a'));
    h.node('n3').receive(nodeId('n1'), decide('b'));
    expect(checker.check([h.node('n2'), h.node('n3')]).join()).toMatch(/decided prefix changed at slot 1/);
  });

  it('ignoreHighestBallot: the new leader proposes a no-op where phase 1 reported a value', () => {
    const h = new Harness(3, paxosSettingsDefault, ['ignoreHighestBallot']);
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'v'));
    h.take();
    forgetLeader(h, 'n2');
    h.node('n3').ballot = ballot(1, 'n3');
    h.campaign('n3');
    h.deliver((m) => m.message.kind === 'P1a' && m.to === 'n2');
    h.deliver((m) => m.message.kind === 'P1b');
    expect(sentTo(h, 'n3', 'P2a').every((m) => m.kind === 'P2a' && m.pvalue.command === null)).toBe(true);
  });

  it('acceptorForgetsPromise: the promise and pvalues never reach the disk, so a restart forgets them', () => {
    const h = new Harness(3, paxosSettingsDefault, ['acceptorForgetsPromise']);
    h.inject('n1', 'n2', p2a(1, 'n1', 1, 'v'));
    forgetLeader(h, 'n2');
    h.inject('n3', 'n2', p1a(3, 'n3'));
    expect(h.node('n2').promised.round).toBe(3);
    const restarted = h.restart('n2');
    expect(restarted.promised.round).toBe(0);
    expect(restarted.accepted.size).toBe(0);
  });
});

describe('Flexible Paxos: |Q1| + |Q2| > N', () => {
  it('quorums that intersect are accepted, and a leader decides with |Q2| acceptances', () => {
    expect(paxosQuorumProblems(5, { phase1Quorum: 4, phase2Quorum: 2 }, false)).toEqual([]);
    const h = new Harness(5, { ...paxosSettingsDefault, phase1Quorum: 4, phase2Quorum: 2 });
    h.elect('n1');
    h.request('n1', write('k', 'v'));
    h.deliverOne(h.take((m) => m.message.kind === 'P2a')[0]!);
    h.deliver((m) => m.message.kind === 'P2b');
    expect(h.node('n1').decisions.has(1)).toBe(true);
  });

  it('quorums that need not meet are refused, naming the setting, unless the unsafe switch allows them', () => {
    expect(paxosQuorumProblems(5, { phase1Quorum: 2, phase2Quorum: 3 }, false)).toEqual([{ field: 'phase2Quorum', message: expect.stringMatching(/must intersect: 2 \+ 3 ≤ 5/) }]);
    expect(paxosQuorumProblems(5, { phase1Quorum: 2, phase2Quorum: 3 }, true)).toEqual([]);
    expect(paxosQuorumProblems(3, { phase1Quorum: 4, phase2Quorum: null }, false)[0]?.field).toBe('phase1Quorum');
    expect(paxosQuorums(5, { phase1Quorum: null, phase2Quorum: null }, true)).toEqual({ phase1: 2, phase2: 3 });
    expect(paxosQuorums(5, { phase1Quorum: null, phase2Quorum: null }, false)).toEqual({ phase1: 3, phase2: 3 });
  });
});
