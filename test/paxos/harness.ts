import type { NodeId } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import { PaxosClusterChecker } from '../../src/protocol/paxos/invariants';
import type { PaxosDisk, PaxosMessage, PaxosPersistRecord } from '../../src/protocol/paxos/messages';
import { PaxosNode } from '../../src/protocol/paxos/node';
import { applyPaxosPersist } from '../../src/protocol/paxos/persist';
import type { UnsafeSwitch } from '../../src/protocol/replica';
import { type PaxosSettings, paxosSettingsDefault } from '../../src/protocol/settings';
import { type InFlight as PumpInFlight, PumpHarness } from '../support/pumpHarness';

export { cas, read, write } from '../support/pumpHarness';

/** A message between nodes, held by the harness until a test delivers or drops it. */
export type InFlight = PumpInFlight<PaxosMessage>;

/**
 * The shared hand-driven pump (test/support/pumpHarness.ts) over Multi-Paxos nodes, with their
 * disks and the cluster checker after every input. Broken invariants throw unless unsafe
 * switches are on (then `broken` collects them).
 */
export class Harness extends PumpHarness<PaxosNode, PaxosMessage, PaxosPersistRecord, PaxosDisk> {
  readonly checker: PaxosClusterChecker;

  constructor(
    count: number,
    readonly settings: PaxosSettings = paxosSettingsDefault,
    readonly unsafe: readonly UnsafeSwitch[] = [],
    readonly seed = 1,
    /** Throw on a broken invariant (the default without unsafe switches) or only record it. */
    readonly strict = unsafe.length === 0,
  ) {
    const checker = new PaxosClusterChecker();
    super(count, {
      create: (id, ids, incarnation, disk) =>
        new PaxosNode({ id, replicas: ids, settings, tickMs: 10, prng: prngStream(seed, `node:${id}:${incarnation}`), disk, incarnation, unsafe: new Set(unsafe), localClockUs: () => 0 }),
      applyPersist: applyPaxosPersist,
      checkCluster: (nodes) => checker.check(nodes),
      strict,
    });
    this.checker = checker;
  }

  get nodes(): ReadonlyMap<NodeId, PaxosNode> {
    return this.members;
  }

  node(id: NodeId | string): PaxosNode {
    return this.member(id);
  }

  /** Ticks `id` until its election timer fires and it becomes a candidate. */
  campaign(id: NodeId | string): void {
    const node = this.node(id);
    for (let i = 0; i < 1000 && node.role !== 'candidate' && node.role !== 'leader'; i++) this.tick(id);
    if (node.role !== 'candidate' && node.role !== 'leader') throw new Error(`${id} did not campaign`);
  }

  /** `id` campaigns and the cluster settles with it as leader. */
  elect(id: NodeId | string, options: { drop?: (m: InFlight) => boolean } = {}): PaxosNode {
    this.campaign(id);
    this.stabilize(options);
    const node = this.node(id);
    if (node.role !== 'leader') throw new Error(`${id} is ${node.role}, not leader`);
    return node;
  }
}
