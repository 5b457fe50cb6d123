import { assert } from '../../src/base/assert';
import type { ClusterChecker, ProtocolDefinition, Replica, ReplicaOptions } from '../../src/protocol/replica';
import { imageClassField } from '../../workers/replica.worker';

/** Class names bundlers may suffix to avoid collisions (`RaftLog2`): compared without the digits. */
function className(name: string): string {
  return name.replace(/\d+$/, '');
}

/**
 * Visits every plain or class object reachable from `root` once, depth first, looking through
 * arrays, sets and maps (their entries, not the containers) and skipping typed arrays.
 * `onObject` sees an object before its fields are walked, so it may change the object's fields.
 */
function walkObjects(root: unknown, onObject: (value: object) => void): void {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || ArrayBuffer.isView(value)) return;
    seen.add(value);
    if (Array.isArray(value) || value instanceof Set) {
      for (const item of value) visit(item);
      return;
    }
    if (value instanceof Map) {
      for (const [key, item] of value) {
        visit(key);
        visit(item);
      }
      return;
    }
    onObject(value);
    for (const item of Object.values(value)) visit(item);
  };
  visit(root);
}

/**
 * The prototypes of every class instance reachable from `root`, by class name (null when two
 * different classes share a name, so neither can be told apart).
 */
export function prototypesOf(root: object): Map<string, object | null> {
  const prototypes = new Map<string, object | null>();
  walkObjects(root, (value) => {
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype === Object.prototype || prototype === null) return;
    const name = className((prototype as { constructor: { name: string } }).constructor.name);
    const known = prototypes.get(name);
    prototypes.set(name, known === undefined || known === prototype ? prototype : null);
  });
  return prototypes;
}

/** Gives the objects of a replica image (see `replicaImage`) their prototypes back, in place. */
export function rehydrate(image: unknown, prototypes: ReadonlyMap<string, object | null>): unknown {
  walkObjects(image, (value) => {
    const record = value as Record<string, unknown>;
    const name = record[imageClassField];
    if (typeof name !== 'string') return;
    delete record[imageClassField];
    const prototype = prototypes.get(className(name));
    if (prototype !== undefined && prototype !== null) Object.setPrototypeOf(record, prototype);
  });
  return image;
}

/**
 * The protocol's own cluster-wide checker (Raft: election safety, log matching, leader
 * completeness; VR: one primary per view, committed ops never change) for the live runtime,
 * where the replicas live in other threads. Each check runs over replica objects rebuilt from
 * the images the workers send (`replicaImage`), with the prototypes of a replica built here;
 * the checker keeps what it saw across checks, as in the simulator. Images of different workers
 * are taken at slightly different moments: the properties checked hold between any states of
 * two replicas (an index-and-term pair names one entry for all time; a leader's log only grows
 * within its term), so this gives no false alarms, only a sample of the states.
 */
export class LiveClusterCheck {
  private readonly checker: ClusterChecker<unknown, unknown>;
  private readonly prototypes: Map<string, object | null>;
  /** How many checks ran. */
  checkCount = 0;

  constructor(protocol: ProtocolDefinition<unknown, unknown, unknown, unknown>, sampleOptions: ReplicaOptions<unknown, unknown>) {
    this.checker = protocol.createClusterChecker();
    // A replica built here and never run: only its classes are wanted.
    this.prototypes = prototypesOf(protocol.create(sampleOptions) as object);
    assert(this.prototypes.size > 0, () => `${protocol.name} replicas have no classes to rebuild`);
  }

  /** Checks the replicas that answered (each image is consumed: it becomes the replica object). */
  check(images: readonly unknown[]): string[] {
    this.checkCount++;
    const replicas = images.map((image) => rehydrate(image, this.prototypes) as Replica<unknown, unknown>);
    try {
      return this.checker.check(replicas);
    } catch (error) {
      // A checker that cannot read an image is the lab's own failure: said, never hidden.
      return [`cluster invariants could not be checked: ${(error as Error).message}`];
    }
  }
}
