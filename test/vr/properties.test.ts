import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vrSettingsDefault } from '../../src/protocol/settings';
import { VrClusterChecker } from '../../src/protocol/vr';
import { Harness, read, write } from './harness';

/**
 * Safety under any schedule the network could produce: fast-check picks which message is
 * delivered, duplicated or lost, which replica ticks, which gets a client request, and which
 * restarts (never more than f recovering at once, VR's fault model). After every step the
 * per-replica invariants (the harness throws on any) and the cluster checker must hold: one
 * primary per view, and committed ops never change; and every linearizable read answered must
 * respect real time (ReadOracle below). Removing the primary's confirmation round makes the
 * oracle fail at once, so it can fail.
 */

type Step =
  | { kind: 'deliver'; pick: number }
  | { kind: 'deliverAll' }
  | { kind: 'duplicate'; pick: number }
  | { kind: 'drop'; pick: number }
  | { kind: 'tick'; node: number; times: number }
  | { kind: 'request'; node: number; value: number; isRead: boolean }
  | { kind: 'restart'; node: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('deliverAll' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), node: fc.nat(), times: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('request' as const), node: fc.nat(), value: fc.nat(), isRead: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), node: fc.nat() }) },
);

/**
 * Real-time order of linearizable reads (every write is to key k with a unique value): a read
 * must see the latest write acknowledged before it was invoked, or a later one, and only
 * committed values. Committed values are learned from the replicas' logs as they commit.
 */
class ReadOracle {
  private readonly committedOp = new Map<string, number>();
  private readonly acknowledged = new Set<number>();
  private highestAcknowledgedOp = 0;
  private readonly pendingReads = new Map<number, number>();
  private repliesSeen = 0;

  learnCommitted(harness: Harness): void {
    for (const replica of harness.replicas.values()) {
      for (let op = replica.log.baseOpNumber + 1; op <= replica.commitNumber; op++) {
        const command = replica.log.entry(op).command.command;
        if (command.f === 'write') this.committedOp.set(command.value, op);
      }
    }
  }

  invokeRead(requestId: number): void {
    this.pendingReads.set(requestId, this.highestAcknowledgedOp);
  }

  checkReplies(harness: Harness, writes: Map<number, string>): void {
    for (; this.repliesSeen < harness.replies.length; this.repliesSeen++) {
      const reply = harness.replies[this.repliesSeen]!;
      if (reply.result.type !== 'ok') continue;
      const written = writes.get(reply.requestId);
      if (written !== undefined) {
        const op = this.committedOp.get(written);
        expect(op, `acknowledged write ${written} is committed`).toBeDefined();
        this.highestAcknowledgedOp = Math.max(this.highestAcknowledgedOp, op ?? 0);
        continue;
      }
      const floor = this.pendingReads.get(reply.requestId);
      if (floor === undefined) continue;
      const value = reply.result.value ?? null;
      const op = value === null ? 0 : this.committedOp.get(value);
      expect(op, `read returned ${value}, which is not committed`).toBeDefined();
      expect(op, `read returned ${value} (op ${op}), older than a write acknowledged before it (op ${floor})`).toBeGreaterThanOrEqual(floor);
    }
  }
}

function run(nodes: number, steps: readonly Step[], checkpointEveryOps: number): void {
  const harness = new Harness(nodes, { ...vrSettingsDefault, checkpointEveryOps });
  const checker = new VrClusterChecker();
  const oracle = new ReadOracle();
  const writes = new Map<number, string>();
  const failuresTolerated = Math.floor((nodes - 1) / 2);
  let written = 0;
  for (const next of steps) {
    const inFlight = harness.inFlight;
    switch (next.kind) {
      case 'deliver':
      case 'duplicate':
      case 'drop': {
        if (inFlight.length === 0) break;
        const index = next.pick % inFlight.length;
        const message = inFlight[index]!;
        if (next.kind !== 'duplicate') harness.inFlight = inFlight.filter((_, i) => i !== index);
        if (next.kind !== 'drop') harness.deliverOne(message);
        break;
      }
      case 'deliverAll':
        harness.deliver();
        break;
      case 'tick':
        harness.tick(harness.ids[next.node % nodes]!, next.times);
        break;
      case 'request': {
        const node = harness.ids[next.node % nodes]!;
        const client = 1 + (next.value % 3);
        if (next.isRead) {
          // Invoke first: the oracle's floor is what was acknowledged before the read began.
          oracle.invokeRead(harness.nextRequestId);
          harness.request(node, read('k'), { client });
        } else {
          const value = `v${++written}`;
          writes.set(harness.nextRequestId, value);
          harness.request(node, write('k', value), { client });
        }
        break;
      }
      case 'restart': {
        const recovering = harness.ids.filter((id) => harness.replica(id).status === 'recovering').length;
        const id = harness.ids[next.node % nodes]!;
        if (harness.replica(id).status !== 'recovering' && recovering < failuresTolerated && next.node % 5 === 0) harness.restart(id);
        break;
      }
    }
    expect(checker.check([...harness.replicas.values()])).toEqual([]);
    oracle.learnCommitted(harness);
    oracle.checkReplies(harness, writes);
  }
}

describe('VR safety under arbitrary schedules (fast-check)', () => {
  it('3 replicas: invariants, the cluster checker and the read oracle hold after every step', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 100, maxLength: 400, size: 'max' }), (steps) => run(3, steps, 4)),
      { numRuns: 400, seed: 20261126 },
    );
  });

  it('5 replicas: invariants, the cluster checker and the read oracle hold after every step', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 100, maxLength: 400, size: 'max' }), (steps) => run(5, steps, 5)),
      { numRuns: 250, seed: 20261127 },
    );
  });

  it('the same search finds a broken committed op with the unsafe startViewWithOwnLog switch', () => {
    // Guards the property above against being unable to fail: with the switch, safety must break.
    const details = fc.check(
      fc.property(fc.array(step, { minLength: 100, maxLength: 400, size: 'max' }), (steps) => {
        const harness = new Harness(3, { ...vrSettingsDefault, checkpointEveryOps: 4 }, ['startViewWithOwnLog']);
        const checker = new VrClusterChecker();
        for (const next of steps) {
          if (next.kind === 'deliverAll') {
            harness.deliver();
          } else if (next.kind === 'deliver' && harness.inFlight.length > 0) {
            const index = next.pick % harness.inFlight.length;
            const message = harness.inFlight[index]!;
            harness.inFlight = harness.inFlight.filter((_, i) => i !== index);
            harness.deliverOne(message);
          } else if (next.kind === 'drop' && harness.inFlight.length > 0) {
            harness.inFlight.splice(next.pick % harness.inFlight.length, 1);
          } else if (next.kind === 'tick') {
            harness.tick(harness.ids[next.node % 3]!, next.times);
          } else if (next.kind === 'request') {
            harness.request(harness.ids[next.node % 3]!, write('k', `v${next.value}`), { client: 1 + (next.value % 3) });
          }
          if (checker.check([...harness.replicas.values()]).length > 0) return false;
        }
        return true;
      }),
      { numRuns: 2000, seed: 7, endOnFailure: true },
    );
    expect(details.failed).toBe(true);
  });
});
