import { describe, expect, it } from 'vitest';
import { ballotNumber } from '../../src/protocol/paxos/messages';
import { nodeId } from '../../src/base/ids';
import { formatTerm, knownProtocol, roleWord, termWord } from '../../renderer/stores/protocols';

describe('the cluster view in each protocol’s words', () => {
  it('a Paxos ballot is shown as round.node, Raft and VR numbers as they are', () => {
    expect(formatTerm('paxos', ballotNumber({ round: 3, node: nodeId('n2') }))).toBe('3.n2');
    expect(formatTerm('paxos', 0)).toBe('0');
    expect(formatTerm('raft', 32)).toBe('32');
    expect([termWord('raft'), termWord('vr'), termWord('paxos')]).toEqual(['term', 'view', 'ballot']);
  });

  it('Paxos roles read acceptor, phase 1 and leader; the others keep theirs', () => {
    expect(['follower', 'candidate', 'leader'].map((role) => roleWord('paxos', role))).toEqual(['acceptor', 'phase 1', 'leader']);
    expect(roleWord('raft', 'candidate')).toBe('candidate');
    expect(knownProtocol('paxos')).toBe('paxos');
    expect(knownProtocol('zab')).toBe('raft');
  });
});
