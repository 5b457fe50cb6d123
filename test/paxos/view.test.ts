import { describe, expect, it } from 'vitest';
import { replicaViewSchema } from '../../src/contract/worker';
import { paxosSettingsDefault } from '../../src/protocol/settings';
import { Harness, write } from './harness';

// The cluster view shows each Paxos node's accepted pvalues (issue 16): the replica view carries
// the count, the worker contract keeps it, and compaction brings it down with the log.
describe('a Multi-Paxos node’s view counts its accepted pvalues', () => {
  it('one per slot accepted, on every acceptor; kept by the worker contract; dropped into the snapshot', () => {
    const h = new Harness(3, { ...paxosSettingsDefault, snapshotEveryEntries: 4 });
    h.elect('n1');
    for (let i = 0; i < 3; i++) h.request('n1', write('k', `v${i}`), { client: i + 1 });
    h.stabilize();
    for (const id of h.ids) {
      const view = h.node(id).view();
      expect(view.acceptedCount).toBe(h.node(id).accepted.size);
      expect(view.acceptedCount).toBeGreaterThanOrEqual(3);
      expect(replicaViewSchema.parse(view).acceptedCount).toBe(view.acceptedCount);
    }
    for (let i = 3; i < 6; i++) h.request('n1', write('k', `v${i}`), { client: i + 1 });
    h.stabilize();
    // Slots up to the snapshot are compacted: only the pvalues above it are held.
    const leader = h.node('n1');
    expect(leader.snapshotSlot).toBeGreaterThan(0);
    expect(leader.view().acceptedCount).toBe([...leader.accepted.keys()].filter((slot) => slot > leader.snapshotSlot).length);
    expect(leader.view().acceptedCount).toBeLessThan(6);
  });
});
