import type { NodeId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import type { UnsafeSwitch } from '../../src/protocol/replica';
import { type VrSettings, vrSettingsDefault } from '../../src/protocol/settings';
import { VrReplica } from '../../src/protocol/vr/replica';
import type { VrMessage, VrPersistRecord } from '../../src/protocol/vr/messages';
import { type InFlight as PumpInFlight, PumpHarness } from '../support/pumpHarness';

export { cas, read, write } from '../support/pumpHarness';

/** A message between replicas, held by the harness until a test delivers or drops it. */
export type InFlight = PumpInFlight<VrMessage>;

/**
 * The shared hand-driven pump (test/support/pumpHarness.ts) over VR replicas. VR keeps no disk: a
 * restart is a fresh replica with the next incarnation. Every broken invariant throws.
 */
export class Harness extends PumpHarness<VrReplica, VrMessage, VrPersistRecord, null> {
  constructor(
    count: number,
    readonly settings: VrSettings = vrSettingsDefault,
    readonly unsafe: readonly UnsafeSwitch[] = [],
    readonly seed = 1,
  ) {
    super(count, {
      create: (id, ids, incarnation) =>
        new VrReplica({ id, replicas: ids, settings, tickMs: 10, prng: prngStream(seed, `node:${id}:${incarnation}`), disk: null, incarnation, unsafe: new Set(unsafe), localClockUs: () => 0 }),
      applyPersist: () => null,
      strict: true,
    });
  }

  get replicas(): ReadonlyMap<NodeId, VrReplica> {
    return this.members;
  }

  replica(id: NodeId | string): VrReplica {
    return this.member(id);
  }
}
