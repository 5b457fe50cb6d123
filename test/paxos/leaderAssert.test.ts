import { describe, expect, it } from 'vitest';
import { nodeId } from '../../src/base/ids';
import { unsafeSwitches } from '../../src/protocol/replica';
import { paxosSettingsDefault } from '../../src/protocol/settings';
import { Harness } from './harness';

// A leader's own acceptor has promised the ballot it leads (PMMC: the scout's own acceptor is one
// of the promises). No unsafe switch breaks that, so none turns the check off: not a Raft or VR
// switch, and not one of Multi-Paxos's own, which change what acceptors accept, keep or report.
describe('the assert that a leader’s own acceptor promised its ballot', () => {
  it.each(unsafeSwitches)('holds under %s: becoming leader of a ballot its acceptor never promised throws', (unsafe) => {
    const h = new Harness(3, paxosSettingsDefault, [unsafe]);
    const node = h.node('n1');
    node.role = 'candidate';
    node.ballot = { round: 5, node: nodeId('n1') };
    expect(() => node.becomeLeader()).toThrow(/own acceptor promised its ballot \(n1 promised 0, leads 5\.n1\)/);
  });

  it.each(unsafeSwitches)('an election under %s passes it', (unsafe) => {
    const h = new Harness(3, paxosSettingsDefault, [unsafe]);
    h.elect('n1');
    expect(h.node('n1').role).toBe('leader');
  });
});
