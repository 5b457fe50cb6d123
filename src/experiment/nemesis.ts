import type { NodeId } from '../base/ids';
import type { Prng } from '../base/prng';
import type { PartitionSpec } from '../network/partitions';
import type { LatencySpec } from '../network/latency';
import type { ReplicaView } from '../protocol/replica';
import { type RoleNemesisTools, strikeRoleKind } from './nemesisKinds';
import type { NemesisKind } from './schema';

/** What the nemesis can do to a cluster; the run controller provides it. */
export interface NemesisTarget {
  readonly ids: readonly NodeId[];
  /** Nodes down or still recovering (they count against the fault model). */
  unavailableNodes(): NodeId[];
  upNodes(): NodeId[];
  crash(id: NodeId, amnesia: boolean): void;
  restart(id: NodeId): void;
  pause(id: NodeId): void;
  resume(id: NodeId): void;
  partition(spec: PartitionSpec): void;
  healPartitions(): void;
  setClockDrift(id: NodeId, driftPpm: number): void;
  setNetwork(change: { latencyMs?: LatencySpec; drop?: number; duplicate?: number; reorder?: number }): void;
  /** A node's state (null while it is down), for the kinds that target roles. */
  view(id: NodeId): ReplicaView | null;
  /** Back to the experiment's own network settings. */
  resetNetwork(): void;
  at(timeUs: number, action: () => void): void;
  nowUs(): number;
  /** The clock drift the protocols are told to tolerate (ppm). */
  readonly clockDriftBoundPpm: number;
  /** The protocol keeps durable state, so any number of replicas may crash at once (Raft, not VR). */
  readonly disksDurable?: boolean;
  /** The upper election or view-change timeout, ms, for the kinds that time by it. */
  readonly failoverMs?: number;
}

export interface NemesisSpec {
  readonly kinds: readonly NemesisKind[];
  readonly intervalMs: readonly [number, number];
  readonly untilMs: number;
  readonly exceedFaultModel: boolean;
  /** Short gaps mixed in with the long ones (each gap is short with probability `share`). */
  readonly shortIntervals?: { readonly intervalMs: readonly [number, number]; readonly share: number };
}

const shapes: PartitionSpec[] = ['majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring'];

/**
 * The random nemesis (ARCHITECTURE §4, §7): faults drawn from the seed at random intervals, each
 * undone after another random interval. It stays inside the fault model — at most f nodes
 * crashed, paused or recovering at once, clock drift within the bound the protocols assume —
 * unless told otherwise. At `untilMs` it heals everything so the cluster must converge.
 */
export class Nemesis {
  private readonly faultTolerance: number;
  private readonly held = new Set<NodeId>();
  private done = false;

  constructor(
    private readonly spec: NemesisSpec,
    private readonly target: NemesisTarget,
    private readonly prng: Prng,
  ) {
    this.faultTolerance = Math.floor((target.ids.length - 1) / 2);
  }

  start(): void {
    this.scheduleNext();
    this.target.at(Math.round(this.spec.untilMs * 1000), () => this.healAll());
  }

  /** What the kinds of nemesisKinds.ts use of this nemesis. */
  private toolsMade: RoleNemesisTools | null = null;

  private get tools(): RoleNemesisTools {
    this.toolsMade ??= this.makeTools();
    return this.toolsMade;
  }

  private makeTools(): RoleNemesisTools {
    return {
      target: this.target,
      prng: this.prng,
      held: this.held,
      mayTakeDown: () => this.mayTakeDown(),
      later: (action) => this.later(action),
      atMost: (timeUs, action) => {
        if (timeUs >= this.spec.untilMs * 1000) return false;
        this.target.at(timeUs, () => {
          if (!this.done) action();
        });
        return true;
      },
      intervalUs: () => this.intervalUs(),
      going: new Set(),
    };
  }

  private intervalUs(): number {
    const short = this.spec.shortIntervals;
    const [low, high] = short !== undefined && this.prng.chance(short.share) ? short.intervalMs : this.spec.intervalMs;
    return Math.round((low + this.prng.float() * (high - low)) * 1000);
  }

  private scheduleNext(): void {
    const whenUs = this.target.nowUs() + this.intervalUs();
    if (whenUs >= this.spec.untilMs * 1000) return;
    this.target.at(whenUs, () => {
      if (this.done) return;
      this.strike(this.prng.pick(this.spec.kinds));
      this.scheduleNext();
    });
  }

  /** A node may be taken down only while fewer than f are down, paused or recovering. */
  private mayTakeDown(): boolean {
    if (this.spec.exceedFaultModel) return true;
    const unavailable = new Set([...this.target.unavailableNodes(), ...this.held]);
    return unavailable.size < this.faultTolerance;
  }

  private later(action: () => void): void {
    const whenUs = Math.min(this.target.nowUs() + this.intervalUs(), Math.round(this.spec.untilMs * 1000));
    this.target.at(whenUs, () => {
      if (!this.done) action();
    });
  }

  private strike(kind: NemesisKind): void {
    const target = this.target;
    switch (kind) {
      case 'partition': {
        target.partition(this.prng.pick(shapes));
        this.later(() => target.healPartitions());
        return;
      }
      case 'crash': {
        const candidates = target.upNodes().filter((id) => !this.held.has(id));
        if (candidates.length === 0 || !this.mayTakeDown()) return;
        const victim = this.prng.pick(candidates);
        target.crash(victim, this.prng.chance(0.5));
        this.held.add(victim);
        this.later(() => {
          this.held.delete(victim);
          target.restart(victim);
        });
        return;
      }
      case 'pause': {
        const candidates = target.upNodes().filter((id) => !this.held.has(id));
        if (candidates.length === 0 || !this.mayTakeDown()) return;
        const victim = this.prng.pick(candidates);
        target.pause(victim);
        this.held.add(victim);
        this.later(() => {
          this.held.delete(victim);
          target.resume(victim);
        });
        return;
      }
      case 'clock': {
        const victim = this.prng.pick(target.ids);
        // Within the bound the protocols assume, unless the fault model may be exceeded.
        const bound = this.spec.exceedFaultModel ? 4 * target.clockDriftBoundPpm : target.clockDriftBoundPpm / 2;
        target.setClockDrift(victim, Math.round((this.prng.float() * 2 - 1) * bound));
        this.later(() => target.setClockDrift(victim, 0));
        return;
      }
      case 'drop':
        target.setNetwork({ drop: 0.05 + this.prng.float() * 0.15 });
        this.later(() => target.resetNetwork());
        return;
      case 'duplicate':
        target.setNetwork({ duplicate: 0.05 + this.prng.float() * 0.15 });
        this.later(() => target.resetNetwork());
        return;
      case 'reorder':
        target.setNetwork({ reorder: 0.1 + this.prng.float() * 0.3 });
        this.later(() => target.resetNetwork());
        return;
      default:
        strikeRoleKind(kind, this.tools);
    }
  }

  /** Ends every fault: the liveness phase begins. */
  private healAll(): void {
    this.done = true;
    const target = this.target;
    target.healPartitions();
    target.resetNetwork();
    for (const id of target.ids) {
      target.setClockDrift(id, 0);
      target.resume(id);
      target.restart(id);
    }
    this.held.clear();
  }
}
