import { assertNever } from '../base/assert';
import type { NodeId } from '../base/ids';
import type { Prng } from '../base/prng';
import type { LatencySpec } from '../network/latency';
import type { PartitionSpec } from '../network/partitions';
import type { ReplicaView } from '../protocol/replica';

/**
 * The stronger nemesis kinds (issue 18), each a named option of `nemesis.kinds`. They stay inside
 * the protocol's fault model as the basic kinds do: node faults only while fewer than f nodes are
 * down, paused or recovering; clock drift within the bound. What each is for:
 *
 * - `crash-leader` / `isolate-leader`: the current leader or primary crashes, or is cut off
 *   from every other replica (MIT's Figure 8 test: failovers while entries are in flight).
 * - `crash-freshest-follower` / `isolate-freshest-follower`: the follower or backup with the
 *   longest log goes away, so the next leader must come from the replicas further behind.
 * - `crash-new-leader` / `isolate-new-leader`: waits for the next election and takes down the node
 *   that just won it, before it has replicated much of its term (Figure 8's (b) step).
 * - `flapping-partition`: one partition shape cut and healed again and again, 20–150 ms apart.
 * - `long-reorder`: a share of messages held back hundreds of ms to seconds (a lognormal tail
 *   with p99 of 0.3–3 s, and most messages let out of FIFO order), as MIT's Figure8Unreliable.
 * - `crash-storm`: for one interval, node after node crashes and restarts within 20–300 ms,
 *   never more than f down at once, so a majority stays up.
 * - `power-loss`: the machines lose power together and come back 50–300 ms later, losing what
 *   was not yet durable. With durable disks (Raft) every replica goes down, which its fault model
 *   allows; without (VR) at most f do.
 * - `clock-skew-leader`: the leader's clock runs slow and every other clock fast, each by up to
 *   half the drift bound (so any two clocks stay within the bound of each other): the worst case
 *   for leases that the bound must cover. Half the time the leader is then isolated 10–100 ms
 *   later, while the lease it holds by its slow clock still runs (Jepsen's skew plus partition).
 * - `leader-churn`: MIT's Figure 8 test, which finds an old term's entry committed by counting
 *   with random leader crashes alone. From its first strike to the end of the safety phase
 *   (one churn at a time, the other kinds striking meanwhile): wait for a leader, let it run 0–13 ms
 *   (a tenth of the time up to half a failover), so it has appended what clients sent it and
 *   replicated some of it or none — or, half the time, until the moment its commit index moves
 *   (Jepsen's kill right after an acknowledgement) —, then cut it off, so what it has in flight
 *   is lost, and crash it with its disk intact; when f nodes are already
 *   down, first restart one the churn crashed, so leaders of old terms come back with the
 *   entries they could not replicate. The nemesis's heal restarts what is still down.
 * - `crash-leader-after-append`: the leader is cut off from the other replicas (clients still
 *   reach it), and the moment it has appended an entry it could not replicate it crashes, disk
 *   intact; the partition heals and it restarts an interval later (past the heal, the nemesis's
 *   own heal at the end of the safety phase undoes what is left of any kind), with a tail of its term no
 *   one else holds (Figure 8's step (b)). `isolate-leader` is its variant that keeps the leader
 *   running, isolated, while it appends.
 * - `lease-partition`: the leader's clock slowed and every other clock sped up by the full half
 *   of the drift bound, and at once the leader is cut off from the other replicas (not from
 *   clients) for 1.5–3 failover timeouts: the rest elect a new leader and commit writes while the
 *   old one may still serve lease reads. With the lease shortened by the bound it has stopped
 *   serving by then; without (`leaseWithoutClockBound`) it serves stale reads.
 */
export const roleNemesisKinds = [
  'crash-leader',
  'isolate-leader',
  'crash-freshest-follower',
  'isolate-freshest-follower',
  'crash-new-leader',
  'isolate-new-leader',
  'flapping-partition',
  'long-reorder',
  'crash-storm',
  'clock-skew-leader',
  'power-loss',
  'leader-churn',
  'crash-leader-after-append',
  'lease-partition',
] as const;
export type RoleNemesisKind = (typeof roleNemesisKinds)[number];

/** What the role kinds need of the cluster, beyond the basic nemesis target. */
export interface RoleNemesisTarget {
  readonly ids: readonly NodeId[];
  upNodes(): NodeId[];
  view(id: NodeId): ReplicaView | null;
  crash(id: NodeId, amnesia: boolean): void;
  restart(id: NodeId): void;
  partition(spec: PartitionSpec): void;
  healPartitions(): void;
  setClockDrift(id: NodeId, driftPpm: number): void;
  setNetwork(change: { latencyMs?: LatencySpec; drop?: number; duplicate?: number; reorder?: number }): void;
  resetNetwork(): void;
  at(timeUs: number, action: () => void): void;
  nowUs(): number;
  readonly clockDriftBoundPpm: number;
  /** The protocol keeps durable state, so any number of replicas may crash at once (Raft, not VR). */
  readonly disksDurable?: boolean;
  /** The upper election or view-change timeout, ms (what `leader-churn` and `lease-partition` time by). */
  readonly failoverMs?: number;
}

/** The nemesis's own helpers the role kinds use (its fault-model bookkeeping and undo timing). */
export interface RoleNemesisTools {
  readonly target: RoleNemesisTarget;
  readonly prng: Prng;
  /** Nodes this nemesis holds down (crashed or paused). */
  readonly held: Set<NodeId>;
  /** Whether one more node may go down now. */
  mayTakeDown(): boolean;
  /** Runs `action` after a random interval (or at the heal, whichever is first), unless the nemesis is done. */
  later(action: () => void): void;
  /** Runs `action` at `timeUs` unless the nemesis is done or it is past the heal. */
  atMost(timeUs: number, action: () => void): boolean;
  /** The nemesis's next interval, µs. */
  intervalUs(): number;
  /** Kinds that run once for the whole safety phase and have started (`leader-churn`). */
  readonly going: Set<RoleNemesisKind>;
}

const leaderRoles = new Set(['leader', 'primary']);

/** The up replica that leads with the highest term or view, if any. */
export function currentLeader(target: RoleNemesisTarget): { id: NodeId; term: number } | null {
  let best: { id: NodeId; term: number } | null = null;
  for (const id of target.upNodes()) {
    const view = target.view(id);
    if (view !== null && leaderRoles.has(view.role) && (best === null || view.term > best.term)) best = { id, term: view.term };
  }
  return best;
}

/** The up follower or backup with the longest log (then the highest commit index, then the first id). */
function freshestFollower(target: RoleNemesisTarget, leader: NodeId | null): NodeId | null {
  let best: { id: NodeId; view: ReplicaView } | null = null;
  for (const id of target.upNodes()) {
    const view = target.view(id);
    if (id === leader || view === null || leaderRoles.has(view.role)) continue;
    if (best === null || view.lastIndex > best.view.lastIndex || (view.lastIndex === best.view.lastIndex && view.commitIndex > best.view.commitIndex)) best = { id, view };
  }
  return best?.id ?? null;
}

/** Crashes `victim` (power loss half the time) and restarts it after an interval, if the fault model allows. */
function crashHeld(tools: RoleNemesisTools, victim: NodeId, restartAfterUs?: number): void {
  const { target, prng, held } = tools;
  if (held.has(victim) || !tools.mayTakeDown()) return;
  target.crash(victim, prng.chance(0.5));
  held.add(victim);
  const restart = () => {
    held.delete(victim);
    target.restart(victim);
  };
  if (restartAfterUs === undefined) tools.later(restart);
  else if (!tools.atMost(target.nowUs() + restartAfterUs, restart)) restart();
}

/** Cuts `victim` off from every other replica, and heals after an interval. */
function isolate(tools: RoleNemesisTools, victim: NodeId): void {
  const { target } = tools;
  target.partition([[victim], target.ids.filter((id) => id !== victim)]);
  tools.later(() => target.healPartitions());
}

/** Polls for a leader of a newer term than `termBefore`, for up to one interval, and hits it once found. */
function onNextLeader(tools: RoleNemesisTools, termBefore: number, hit: (leader: NodeId) => void): void {
  const pollUs = 5_000;
  const untilUs = tools.target.nowUs() + tools.intervalUs();
  const poll = () => {
    const leader = currentLeader(tools.target);
    if (leader !== null && leader.term > termBefore) return hit(leader.id);
    const nextUs = tools.target.nowUs() + pollUs;
    if (nextUs <= untilUs) tools.atMost(nextUs, poll);
  };
  poll();
}

const partitionShapes: PartitionSpec[] = ['majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring'];

function flap(tools: RoleNemesisTools): void {
  const { target, prng } = tools;
  const shape = prng.pick(partitionShapes);
  const flaps = prng.int(3, 12);
  let whenUs = target.nowUs();
  for (let i = 0; i < flaps; i++) {
    const cutUs = whenUs;
    const healUs = cutUs + prng.int(20, 150) * 1000;
    tools.atMost(cutUs, () => target.partition(shape));
    tools.atMost(healUs, () => target.healPartitions());
    whenUs = healUs + prng.int(20, 150) * 1000;
  }
}

function storm(tools: RoleNemesisTools): void {
  const { target, prng } = tools;
  const endUs = target.nowUs() + tools.intervalUs();
  const next = () => {
    const candidates = target.upNodes().filter((id) => !tools.held.has(id));
    if (candidates.length > 0) crashHeld(tools, prng.pick(candidates), prng.int(20, 300) * 1000);
    const nextUs = target.nowUs() + prng.int(10, 200) * 1000;
    if (nextUs < endUs) tools.atMost(nextUs, next);
  };
  next();
}

function skewLeader(tools: RoleNemesisTools): void {
  const { target, prng } = tools;
  const leader = currentLeader(target)?.id ?? null;
  const half = target.clockDriftBoundPpm / 2;
  for (const id of target.ids) {
    const size = Math.round(half * (0.5 + prng.float() * 0.5));
    target.setClockDrift(id, id === leader ? -size : size);
  }
  tools.later(() => target.ids.forEach((id) => target.setClockDrift(id, 0)));
  // Half the time the skewed leader is then cut off, while its lease (timed by its slow clock) still runs.
  if (leader !== null && prng.chance(0.5)) tools.atMost(target.nowUs() + prng.int(10, 100) * 1000, () => isolate(tools, leader));
}

function powerLoss(tools: RoleNemesisTools): void {
  const { target, prng, held } = tools;
  const restartUs = target.nowUs() + prng.int(50, 300) * 1000;
  const victims: NodeId[] = [];
  for (const id of target.upNodes()) {
    if (held.has(id) || (target.disksDurable !== true && !tools.mayTakeDown())) continue;
    target.crash(id, true);
    held.add(id);
    victims.push(id);
  }
  const restart = () =>
    victims.forEach((id) => {
      held.delete(id);
      target.restart(id);
    });
  if (!tools.atMost(restartUs, restart)) restart();
}

/** Failover timeout the kinds time by when the target does not say (ms). */
const failoverMsDefault = 300;

/**
 * Crashes `victim` the way a lost machine stops talking: cut off first, so what it sent and is still
 * in flight is lost with it (a plain crash lets in-flight messages land), then down with its disk
 * intact. The cut stays until it restarts.
 */
function isolateAndCrash(target: RoleNemesisTarget, held: Set<NodeId>, victim: NodeId): void {
  target.partition([[victim], target.ids.filter((id) => id !== victim)]);
  target.crash(victim, false);
  held.add(victim);
}

/** Restarts a node `isolateAndCrash` took down, ending the cut. */
function restartIsolated(target: RoleNemesisTarget, held: Set<NodeId>, id: NodeId): void {
  held.delete(id);
  target.healPartitions();
  target.restart(id);
}

/** MIT's Figure 8 loop: crash leaders moments after they took client commands, restarting old ones to stay within f. */
function leaderChurn(tools: RoleNemesisTools): void {
  const { target, prng, held } = tools;
  const failoverMs = target.failoverMs ?? failoverMsDefault;
  if (tools.going.has('leader-churn')) return;
  tools.going.add('leader-churn');
  const crashed: NodeId[] = [];
  const restartOne = (index: number) => {
    const [id] = crashed.splice(index, 1);
    if (id !== undefined) restartIsolated(target, held, id);
  };
  const pollUs = 2_000;
  const step = () => {
    const leader = currentLeader(target);
    if (leader === null) {
      tools.atMost(target.nowUs() + pollUs, step);
      return;
    }
    const crash = () => {
      const now = currentLeader(target);
      if (now !== null) {
        if (!tools.mayTakeDown() && crashed.length > 0) restartOne(prng.int(0, crashed.length - 1));
        if (!held.has(now.id) && tools.mayTakeDown()) {
          isolateAndCrash(target, held, now.id);
          crashed.push(now.id);
        }
      }
      tools.atMost(target.nowUs() + pollUs, step);
    };
    if (prng.chance(0.5)) {
      // Right after it commits (Jepsen's kill after an acknowledgement): what it sent with the commit is lost with it.
      const commitBefore = target.view(leader.id)?.commitIndex ?? 0;
      const giveUpUs = target.nowUs() + Math.round(failoverMs * 500);
      const watch = () => {
        const view = target.view(leader.id);
        if (view === null || !leaderRoles.has(view.role) || view.commitIndex > commitBefore || target.nowUs() >= giveUpUs) return crash();
        tools.atMost(target.nowUs() + 1_000, watch);
      };
      watch();
      return;
    }
    const runUs = prng.chance(0.1) ? prng.int(0, Math.round(failoverMs * 500)) : prng.int(0, 13_000);
    tools.atMost(target.nowUs() + runUs, crash);
  };
  step();
}

/** Isolates the leader, and crashes it the moment it appended an entry no one else got (polling every ms for one interval). */
function crashLeaderAfterAppend(tools: RoleNemesisTools): void {
  const { target, held } = tools;
  const leader = currentLeader(target);
  if (leader === null || held.has(leader.id) || !tools.mayTakeDown()) return;
  const lastIndex = target.view(leader.id)?.lastIndex ?? 0;
  target.partition([[leader.id], target.ids.filter((id) => id !== leader.id)]);
  const untilUs = target.nowUs() + tools.intervalUs();
  const poll = () => {
    const view = target.view(leader.id);
    if (view === null || !leaderRoles.has(view.role)) return target.healPartitions();
    if (view.lastIndex > lastIndex && tools.mayTakeDown()) {
      isolateAndCrash(target, held, leader.id);
      tools.later(() => restartIsolated(target, held, leader.id));
      return;
    }
    const nextUs = target.nowUs() + 1_000;
    if (nextUs > untilUs) target.healPartitions();
    else tools.atMost(nextUs, poll);
  };
  poll();
}

/** The up leader that a majority of the up replicas follow in its term, if any: one that can hold a lease. */
function leaderOfMajority(target: RoleNemesisTarget): NodeId | null {
  const leader = currentLeader(target);
  if (leader === null) return null;
  let following = 0;
  for (const id of target.upNodes()) {
    const view = target.view(id);
    if (view !== null && view.term === leader.term && (id === leader.id || view.leader === leader.id)) following++;
  }
  return following > target.ids.length / 2 ? leader.id : null;
}

/**
 * The lease loop: from its first strike to the end of the safety phase, one partition at a time.
 * Wait for a leader a majority follows, skew the clocks against it by the whole half bound and cut
 * it off from the other replicas for 1.5–3 failover timeouts, then heal, reset the clocks and
 * wait an interval before the next. One at a time: a second cut struck while the first holds
 * re-isolated the already isolated leader and its undo healed the later cut early (draw version 3's
 * raft seed 1, drawn with this kind alone: 27 strikes, most healed within 0–200 ms).
 */
function leasePartition(tools: RoleNemesisTools): void {
  const { target, prng } = tools;
  if (tools.going.has('lease-partition')) return;
  tools.going.add('lease-partition');
  const failoverMs = target.failoverMs ?? failoverMsDefault;
  const pollUs = 2_000;
  const step = () => {
    const leader = leaderOfMajority(target);
    if (leader === null) {
      tools.atMost(target.nowUs() + pollUs, step);
      return;
    }
    const half = Math.floor(target.clockDriftBoundPpm / 2);
    for (const id of target.ids) target.setClockDrift(id, id === leader ? -half : half);
    target.partition([[leader], target.ids.filter((id) => id !== leader)]);
    const endUs = target.nowUs() + Math.round(failoverMs * (1.5 + prng.float() * 1.5) * 1000);
    tools.atMost(endUs, () => {
      target.healPartitions();
      target.ids.forEach((id) => target.setClockDrift(id, 0));
      tools.atMost(target.nowUs() + tools.intervalUs(), step);
    });
  };
  step();
}

/** Carries out one strike of a role kind. */
export function strikeRoleKind(kind: RoleNemesisKind, tools: RoleNemesisTools): void {
  const { target, prng } = tools;
  switch (kind) {
    case 'crash-leader': {
      const leader = currentLeader(target);
      if (leader !== null) crashHeld(tools, leader.id);
      return;
    }
    case 'isolate-leader': {
      const leader = currentLeader(target);
      if (leader !== null) isolate(tools, leader.id);
      return;
    }
    case 'crash-freshest-follower':
    case 'isolate-freshest-follower': {
      const victim = freshestFollower(target, currentLeader(target)?.id ?? null);
      if (victim === null) return;
      if (kind === 'crash-freshest-follower') crashHeld(tools, victim);
      else isolate(tools, victim);
      return;
    }
    case 'crash-new-leader':
    case 'isolate-new-leader':
      onNextLeader(tools, currentLeader(target)?.term ?? -1, (leader) => (kind === 'crash-new-leader' ? crashHeld(tools, leader) : isolate(tools, leader)));
      return;
    case 'flapping-partition':
      flap(tools);
      return;
    case 'long-reorder':
      target.setNetwork({ latencyMs: { distribution: 'lognormal', median: prng.int(2, 10), p99: prng.int(300, 3000) }, reorder: 0.5 + prng.float() * 0.4 });
      tools.later(() => target.resetNetwork());
      return;
    case 'crash-storm':
      storm(tools);
      return;
    case 'clock-skew-leader':
      skewLeader(tools);
      return;
    case 'power-loss':
      powerLoss(tools);
      return;
    case 'leader-churn':
      leaderChurn(tools);
      return;
    case 'crash-leader-after-append':
      crashLeaderAfterAppend(tools);
      return;
    case 'lease-partition':
      leasePartition(tools);
      return;
    default:
      assertNever(kind, 'nemesis kind');
  }
}
