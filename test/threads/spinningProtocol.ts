// A test-only protocol for the live runtime: Raft, except that n2's first incarnation spins forever
// on its 100th tick, as a protocol stuck in a loop would. Loaded by the replica worker through `protocolModule`.
import type { NodeId } from '../../src/base/ids';
import { raftProtocol } from '../../src/protocol/raft';

export const spinningNode = 'n2' as NodeId;
export const spinningTick = 100;

export const protocol: typeof raftProtocol = {
  ...raftProtocol,
  create(options) {
    const replica = raftProtocol.create(options);
    if (options.id !== spinningNode || options.incarnation > 0) return replica;
    let ticks = 0;
    const tick = replica.tick.bind(replica);
    replica.tick = () => {
      ticks++;
      // eslint-disable-next-line no-empty
      if (ticks === spinningTick) for (;;) {}
      tick();
    };
    return replica;
  },
};
