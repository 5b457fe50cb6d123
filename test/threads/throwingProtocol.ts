// A test-only protocol for the live runtime: Raft, except that n2's first incarnation throws on
// its 150th tick, as a protocol bug would. Loaded by the replica worker through `protocolModule`.
import type { NodeId } from '../../src/base/ids';
import { raftProtocol } from '../../src/protocol/raft';

export const failingNode = 'n2' as NodeId;
export const failingTick = 150;
export const failureMessage = `injected failure: ${failingNode} throws on tick ${failingTick}`;

export const protocol: typeof raftProtocol = {
  ...raftProtocol,
  create(options) {
    const replica = raftProtocol.create(options);
    if (options.id !== failingNode || options.incarnation > 0) return replica;
    let ticks = 0;
    const tick = replica.tick.bind(replica);
    replica.tick = () => {
      ticks++;
      if (ticks === failingTick) throw new Error(failureMessage);
      tick();
    };
    return replica;
  },
};
