import { type Prng, prngStream } from '../base/prng';
import { type LatencySpec, latencyMeanMs, latencyP99Ms } from '../network/latency';
import type { UnsafeSwitch } from '../protocol/replica';
import { roleNemesisKinds } from '../experiment/nemesisKinds';
import { type Experiment, type NemesisKind, validateExperiment } from '../experiment/schema';

/**
 * Swarm testing (VOPR's, ARCHITECTURE §14): every knob of an experiment drawn from the seed, within the
 * ranges below, so that one seed is one whole experiment. The ranges keep the protocol safe with
 * its switches off (a lease below the election timeout, faults inside the fault model) and its
 * timeouts well above the message delay (`timeoutPerLatencyP99Min`); what a seed draws is printed
 * as its manifest.
 */
export const swarmRanges = {
  nodes: [3, 7],
  /** The safety phase: faults until this, ms. */
  safetyMs: [3000, 10000],
  latencyMsMedian: [1, 20],
  drop: [0, 0.1],
  duplicate: [0, 0.1],
  reorder: [0, 0.3],
  fsyncMs: [0, 10],
  clients: [1, 16],
  ratePerSec: [50, 500],
  keys: [1, 8],
  timeoutMs: [200, 1000],
  /** Election or view-change timeout, lower end, ms; the upper end is 1.05–2× it. */
  failoverMsMin: [100, 600],
  /** Lease as a share of the lower timeout (half the seeds draw from its top tenth: long leases, where a bound matters most). */
  leaseShare: [0.3, 0.97],
  /** The drift bound the protocols assume (the nemesis keeps every clock within half of it; half the seeds draw from its top half). */
  clockDriftBoundPpm: [10_000, 400_000],
  nemesisIntervalMsLow: [20, 300],
  nemesisIntervalMsHigh: [300, 1500],
} as const;

/** The protocols the swarm draws experiments for. */
export const swarmProtocols = ['raft', 'vr', 'paxos'] as const;
export type SwarmProtocol = (typeof swarmProtocols)[number];

/** The unsafe switches of each protocol the swarm draws for (VR's lease honours the drift bound as Raft's does). */
export const protocolSwitches: Record<SwarmProtocol, readonly UnsafeSwitch[]> = {
  raft: ['commitPriorTermByCount', 'voteWithoutLogCheck', 'replyBeforePersist', 'leaseWithoutClockBound'],
  vr: ['startViewWithOwnLog', 'leaseWithoutClockBound'],
  paxos: ['acceptWithoutPromiseCheck', 'ignoreHighestBallot', 'nonIntersectingQuorums', 'acceptorForgetsPromise'],
};

/** The one command that reproduces a swarm seed. */
export function swarmReproduceCommand(protocol: string, seed: number, unsafe: readonly string[]): string {
  return `npx caplab swarm --protocol ${protocol} --seeds 1 --first-seed ${seed}${unsafe.length > 0 ? ` --unsafe ${unsafe.join(' ')}` : ''}`;
}

/**
 * The version of the drawing rules: results files of another version are not merged. Version 3
 * raised timeouts below three p99 latencies (`timeoutPerLatencyP99Min`) and capped a Paxos rate by
 * its window (`rateCap`). Version 4 gives a quarter of the seeds a scenario of their own
 * (`drawScenario`, drawn after everything else, so the other seeds draw what version 3 drew):
 * `leader-churn` alone, or `lease-partition` alone with the lease, clocks and clients where a
 * lease's clock bound decides its safety. Under version 3 neither was found in seeds 1-100 (raft
 * commitPriorTermByCount, raft and vr leaseWithoutClockBound); see `drawScenario` for why. A raft
 * lease scenario also draws a 1.2-1.5 timeout spread, a bound in the top twentieth, no pre-vote and
 * random routing (Raft's leader stickiness, see `drawScenario`); an eighth of Raft's other seeds
 * draw the durability scenario (`powerLossScenarioShare`). Under version 4, seeds 1-100 find every
 * switch (test/swarm/swarm.test.ts, `found`).
 */
export const swarmDrawVersion = 4;

const basicKinds: NemesisKind[] = ['partition', 'crash', 'pause', 'clock', 'drop', 'duplicate', 'reorder'];
/**
 * `long-reorder` is left out: the messages it holds back (a lognormal tail, unbounded) can still
 * be landing long after the heal, so the liveness bound would not mean "healthy network". With it,
 * draw version 1's raft seeds 11, 19 and 21 ended with a follower's commit index far behind: a
 * finding to look into (issue 18's note), not yet a verdict the swarm can give.
 */
const allKinds: NemesisKind[] = [...basicKinds, ...roleNemesisKinds.filter((kind) => kind !== 'long-reorder')];

function between(prng: Prng, [low, high]: readonly [number, number]): number {
  return low + prng.float() * (high - low);
}

/** The top `share` of a range. */
function upperPart([low, high]: readonly [number, number], share: number): [number, number] {
  return [high - (high - low) * share, high];
}

function wholeBetween(prng: Prng, [low, high]: readonly [number, number]): number {
  return prng.int(low, high);
}

function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function drawLatency(prng: Prng): LatencySpec {
  const median = round(between(prng, swarmRanges.latencyMsMedian), 2);
  switch (prng.int(0, 4)) {
    case 0:
      return { distribution: 'fixed', value: median };
    case 1:
      return { distribution: 'uniform', min: round(median / 2, 2), max: round(median * 1.5, 2) };
    case 2:
      return { distribution: 'normal', mean: median, stddev: round(median / 3, 2) };
    case 3:
      return { distribution: 'lognormal', median, p99: round(median * (2 + prng.float() * 8), 2) };
    default:
      return { distribution: 'exponential', mean: median };
  }
}

/**
 * A third of the seeds use one kind alone; the others take each basic kind with probability 0.25
 * and each role kind 0.45, at least one. Small subsets, as swarm testing prescribes: a kind alone
 * strikes often enough to reach what it alone leads to (leader churn: Figure 8), and two kinds
 * meet often enough to find what needs both (a skewed clock and an isolated leader).
 */
function drawKinds(prng: Prng): NemesisKind[] {
  if (prng.chance(1 / 3)) return [prng.pick(allKinds)];
  const kinds = allKinds.filter((kind) => prng.chance(basicKinds.includes(kind) ? 0.25 : 0.45));
  return kinds.length > 0 ? kinds : [prng.pick(allKinds)];
}

function drawMix(prng: Prng): { read: number; write: number; cas: number } {
  const read = prng.float();
  const write = 0.2 + prng.float();
  const cas = prng.chance(0.5) ? prng.float() * 0.5 : 0;
  const total = read + write + cas;
  const readShare = round(read / total);
  const casShare = round(cas / total);
  return { read: readShare, write: round(1 - readShare - casShare), cas: casShare };
}

/** A seed's scenario (version 4): a staged kind alone, and for the lease the knobs it needs. */
export type SwarmScenario = 'leader-churn' | 'lease-partition' | 'power-loss';

/** The share of seeds that draw a scenario, split evenly between the two. */
export const scenarioShare = 0.25;

/**
 * Version 4's scenario seeds. Both kinds stage a failure over many steps, and under version 3 they
 * were rarely alone: a third of the seeds took one kind of 20, so `leader-churn` ran alone in 3
 * raft seeds of 100 (7 of 300), and with others their cuts were ended by any other kind's heal or
 * partition. Alone, `leader-churn` breaks Figure 8 with `commitPriorTermByCount` in 6 of raft
 * seeds 1-40 (drawn knobs, kinds replaced).
 *
 * The lease needs more than the kind. Its stale window runs from the new leader's first commit
 * to the end of the old leader's unshortened lease: the lease (`leaseShare` of the lower timeout,
 * on a clock slow by half the bound) against the first follower's timeout (on a clock fast by
 * half the bound) and an election. Drawn independently, the window is there in few seeds: raft
 * seed 48 (lease 0.91 of the timeout, bound 9 %) elected at +440 ms, the lease ended at +381.
 * And every client was stuck: the cut-off leader still takes writes, holds them until the client
 * gives up (200-1000 ms), and followers send clients back to it until they elect, so within
 * 100 ms of the cut no client was free to write to the new leader or read from the old one (raft
 * seed 5, 11 clients, write share 0.53). With the lease kind alone, a long lease (0.96), a loose
 * bound (39 %) and a narrow timeout spread, raft seeds 1-20 found the switch in none; with 16
 * clients, a read share of 0.8 and a 220 ms client timeout, in 7 (random routing), 5
 * (leader-hint), 3 (sticky). A lease scenario seed draws that corner of the ranges: lease 0.93-0.97
 * of the timeout, bound in the top quarter, a lower timeout of 400-600 ms and the upper 1.05-1.2
 * times it, 12-16 clients reading 70-90 % of the time, a client timeout in the lowest eighth
 * (200-300 ms, still raised by the latency's tail), so a client stuck on the old leader gives up
 * inside the window, not after it (with a 210 ms timeout and a 245 ms client timeout, raft seed 5
 * elected at +200 ms and its clients came free at +245 ms, as the lease ended). None of it depends on the switch, and all of it stays in `swarmRanges`.
 *
 * Raft needs a wider corner still: with those knobs none of its 13 lease scenario seeds in 1-100
 * failed, while VR's seed 36 did. Raft's leader stickiness (§6, `leaderIsFresh`, on with or
 * without checkQuorum) ignores a vote request until a voter's own minimum timeout has passed, and
 * the nemesis speeds every follower by the same drift at the same instant, so their ticks run in
 * lockstep: with a 1.05-1.2 spread (4-6 distinct timeout ticks of 10 ms) two followers often fired
 * at the same microsecond and split the vote (raft seed 92: n3 and n5 at +462 ms), or a candidate
 * fired before its voters were past their minimum, and the next try came a whole timeout later,
 * after the old lease had ended. A raft lease scenario seed therefore draws a spread of 1.2-1.5,
 * a bound in the top twentieth (h = 0.19-0.2 of drift: the window is the lease over 1 - h less the
 * timeout over 1 + h, about a third of the timeout), no pre-vote (one round trip less) and random
 * routing (clients reach the old leader while others write to the new one). Measured: raft
 * leaseWithoutClockBound then fails at seed 92 (1 of 13 lease seeds; clean with the switch off);
 * spreads of 1.05-1.2 and 1.5-2 found none. VR's lease scenario draws as before.
 */
function drawScenario(prng: Prng): SwarmScenario | null {
  if (!prng.chance(scenarioShare)) return null;
  return prng.chance(0.5) ? 'leader-churn' : 'lease-partition';
}

/**
 * The share of Raft's other seeds that draw the durability scenario: `power-loss` alone, with a
 * disk write of 5-10 ms. Raft's replyBeforePersist answers before the write is durable, and only a
 * crash that loses the unwritten tail shows it: under version 3 only seed 81 of 1-100 did (the kind
 * alone in about one seed in 60, a disk write in half of those), and version 4 redrew it into a
 * scenario. Drawn after `drawScenario` and only for a seed without one, so every other seed,
 * scenario seeds included, draws as before. Raft only: it is the protocol whose switch is about its
 * disk (VR keeps no disk; Paxos's acceptorForgetsPromise is found without it).
 */
export const powerLossScenarioShare = 1 / 8;

/** What a lease scenario seed draws in place of its own knobs. */
interface LeaseScenarioKnobs {
  readonly leaseShare: number;
  readonly clockDriftBoundPpm: number;
  readonly failoverMsLow: number;
  readonly failoverSpread: number;
  readonly clients: number;
  readonly readShare: number;
  readonly timeoutMs: number;
}


function drawLeaseScenario(prng: Prng, protocol: SwarmProtocol): LeaseScenarioKnobs {
  return {
    leaseShare: between(prng, [0.93, swarmRanges.leaseShare[1]]),
    clockDriftBoundPpm: Math.round(between(prng, upperPart(swarmRanges.clockDriftBoundPpm, protocol === 'raft' ? 0.05 : 0.25))),
    failoverMsLow: Math.round(between(prng, upperPart(swarmRanges.failoverMsMin, 0.4))),
    failoverSpread: between(prng, protocol === 'raft' ? [1.2, 1.5] : [1.05, 1.2]),
    clients: wholeBetween(prng, [12, swarmRanges.clients[1]]),
    readShare: between(prng, [0.7, 0.9]),
    timeoutMs: Math.round(between(prng, [swarmRanges.timeoutMs[0], swarmRanges.timeoutMs[0] + (swarmRanges.timeoutMs[1] - swarmRanges.timeoutMs[0]) / 8])),
  };
}

/**
 * What a seed draws for its protocol's settings, apart from the timeouts: the timing rule below
 * may still raise those, so the settings that follow them (lease, heartbeat) are built after it.
 */
interface ProtocolChoices {
  readonly leaseShare: number;
  readonly clockDriftBoundPpm: number;
  readonly batch: number;
  /** The heartbeat (or VR's commit message) is the lower timeout over this. */
  readonly heartbeatDivisor: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly snapshotEvery: number;
  readonly windowSlots: number;
}

/** Draws in the order draw version 2 drew them, so each seed's stream is unchanged. */
function drawProtocolChoices(prng: Prng, protocol: SwarmProtocol): ProtocolChoices {
  const leaseShare = between(prng, upperPart(swarmRanges.leaseShare, prng.chance(0.5) ? 0.1 : 1));
  const clockDriftBoundPpm = Math.round(between(prng, upperPart(swarmRanges.clockDriftBoundPpm, prng.chance(0.5) ? 0.5 : 1)));
  // One entry per AppendEntries half the time: catching up takes many rounds, as in Figure 8 (c).
  const batch = prng.pick([1, 1, 1, 2, 4, 16]);
  const heartbeatDivisor = prng.int(3, 10);
  if (protocol === 'raft') {
    const preVote = prng.chance(0.5);
    const checkQuorum = prng.chance(0.5);
    return { leaseShare, clockDriftBoundPpm, batch, heartbeatDivisor, preVote, checkQuorum, snapshotEvery: prng.pick([20, 100, 1000]), windowSlots: 0 };
  }
  const snapshotEvery = prng.pick([20, 100, 1000]);
  const windowSlots = protocol === 'paxos' ? prng.pick([1, 4, 16, 64]) : 0;
  return { leaseShare, clockDriftBoundPpm, batch, heartbeatDivisor, preVote: false, checkQuorum: false, snapshotEvery, windowSlots };
}

/**
 * The settings of a seed: the timeouts as `timeoutsForLatency` left them, the lease and the
 * heartbeat from the timeouts drawn. Both stay below the raised timeout; a heartbeat raised with
 * it would pace retransmission slower (draw version 3's first try: raft seed 270, one entry per
 * AppendEntries and 3.9 % drops, a 114 ms heartbeat instead of 34 ms, 24 of 66 late operations
 * timed out under a stable leader; with the drawn heartbeat none).
 */
function protocolSettings(protocol: SwarmProtocol, drawnFailoverMs: readonly [number, number], failoverMs: readonly [number, number], choices: ProtocolChoices): Record<string, unknown> {
  const { clockDriftBoundPpm, batch } = choices;
  const leaseMs = round(drawnFailoverMs[0] * choices.leaseShare, 1);
  const heartbeatMs = round(drawnFailoverMs[0] / choices.heartbeatDivisor, 1);
  const failover: [number, number] = [failoverMs[0], failoverMs[1]];
  if (protocol === 'raft') {
    return { electionTimeoutMs: failover, heartbeatMs, preVote: choices.preVote, checkQuorum: choices.checkQuorum, leaseMs, clockDriftBoundPpm, snapshotEveryEntries: choices.snapshotEvery, maxEntriesPerAppend: batch };
  }
  if (protocol === 'paxos') {
    // Backoff stays on: without it duelling proposers may never converge (a liveness setting, not a safe one to draw).
    return { electionTimeoutMs: failover, heartbeatMs, leaseMs, clockDriftBoundPpm, snapshotEveryEntries: choices.snapshotEvery, windowSlots: choices.windowSlots, maxEntriesPerMessage: batch };
  }
  return { viewChangeTimeoutMs: failover, commitIntervalMs: heartbeatMs, leaseMs, clockDriftBoundPpm, checkpointEveryOps: choices.snapshotEvery, maxEntriesPerMessage: batch };
}

/**
 * How many one-way p99 latencies the lower election (view-change) timeout and the client timeout
 * last at least. Raft §5.6: broadcastTime ≪ electionTimeout, "so that leaders can reliably send
 * the heartbeat messages required to keep followers from starting elections"; a client's timeout
 * has to outlast a redirect and a replication round. Links are FIFO (network.ts), so one message
 * in the latency's tail holds back every later one on its link: a follower then hears nothing for
 * as long. Three p99s: for the heaviest drawn tail (lognormal, p99 ten times the median) about
 * nine mean round trips, the paper's order of magnitude. Draw version 2 had no such rule: its
 * paxos seed 45 drew a 104 ms election timeout under a 150 ms p99 (one message of 586 ms held
 * n6 → n1 up, n1 ran for leader and unseated n6), and seed 75 a 237 ms client timeout under a
 * 158 ms p99 (operations took 151 ms at the median, 209 ms at the 90th percentile): both failed
 * liveness, and Raft without pre-vote and VR failed or nearly failed on the same experiments.
 */
export const timeoutPerLatencyP99Min = 3;

/**
 * The timeouts a seed drew, raised where they are too short for its latency's tail
 * (`timeoutPerLatencyP99Min`); the failover range keeps its ratio. Stays within `swarmRanges`:
 * the heaviest drawn p99 is 200 ms. The lease and the heartbeat stay as drawn.
 */
export function timeoutsForLatency(failoverMs: readonly [number, number], timeoutMs: number, latency: LatencySpec): { failoverMs: [number, number]; timeoutMs: number } {
  const floorMs = Math.ceil(timeoutPerLatencyP99Min * latencyP99Ms(latency));
  const scale = Math.max(1, floorMs / failoverMs[0]);
  return { failoverMs: [Math.round(failoverMs[0] * scale), Math.round(failoverMs[1] * scale)], timeoutMs: Math.max(timeoutMs, floorMs) };
}

/** The entries a leader may have in flight to one follower: Raft's window of 8 messages (replication.ts), at most so many for VR and Paxos. */
const messagesInFlight = 8;

/**
 * The offered rate a drawn pipeline keeps up with, at half its capacity: entries in flight per
 * round trip (messages × entries per message, and for Paxos no more than its window of slots)
 * over a round trip and a disk write. Above it the queue grows without bound and operations after
 * the heal time out though the cluster converged — a drawn overload, not a liveness failure (draw
 * version 2's raft seed 36: one entry per message, 16 ms median latency, 342 operations a second;
 * its paxos seed 199: a window of one slot, one slot chosen every 35 ms under a stable leader, 390
 * operations a second offered to 7 clients, a quarter of the late ones timed out). Applied after
 * every draw, so the seed's stream is unchanged.
 */
function rateCap(settings: Record<string, unknown>, latency: LatencySpec, fsyncMs: number, writeShare: number): number {
  const batch = Number(settings.maxEntriesPerAppend ?? settings.maxEntriesPerMessage ?? 1);
  // Paxos: a P2a carries one slot, and at most `windowSlots` slots are open at once (PMMC's WINDOW).
  const entriesInFlight = Math.min(messagesInFlight * batch, Number(settings.windowSlots ?? Number.POSITIVE_INFINITY));
  const roundTripMs = 2 * latencyMeanMs(latency) + fsyncMs + 1;
  return Math.max(20, Math.floor((0.5 * entriesInFlight * 1000) / roundTripMs / Math.max(0.2, writeShare)));
}

/** What a seed drew, and where its phases are. */
export interface SwarmDraw {
  readonly experiment: Experiment;
  /** Faults end here (ms): the liveness phase begins. */
  readonly healMs: number;
  /** By here (ms) a connected majority must have converged: later operations must all complete. */
  readonly convergedByMs: number;
}

/** The bound of the liveness phase after the heal, ms: a few failovers and a client timeout. */
export function livenessBoundMs(failoverMsMax: number, timeoutMs: number): number {
  return 1000 + 4 * failoverMsMax + timeoutMs;
}

/** The experiment of one swarm seed: the same seed, protocol and switches always draw the same. */
export function drawSwarmExperiment(protocol: SwarmProtocol, seed: number, unsafe: readonly UnsafeSwitch[]): SwarmDraw {
  const prng = prngStream(seed, `swarm-${protocol}`);
  const nodes = wholeBetween(prng, swarmRanges.nodes);
  let healMs = Math.round(between(prng, swarmRanges.safetyMs));
  const failoverLow = Math.round(between(prng, swarmRanges.failoverMsMin));
  const drawnFailoverMs: [number, number] = [failoverLow, Math.round(failoverLow * (1.05 + prng.float() * 0.95))];
  const timeoutDrawnMs = Math.round(between(prng, swarmRanges.timeoutMs));
  const drawnRead = prng.chance(0.4) ? 'lease' : 'linearizable';
  const intervalLow = Math.round(between(prng, swarmRanges.nemesisIntervalMsLow));
  const intervalHigh = Math.max(intervalLow, Math.round(between(prng, swarmRanges.nemesisIntervalMsHigh)));
  const fsyncMs = prng.chance(0.5) ? round(between(prng, swarmRanges.fsyncMs), 1) : 0;
  let choices = drawProtocolChoices(prng, protocol);
  const workload = {
    clients: wholeBetween(prng, swarmRanges.clients),
    ratePerSec: Math.round(between(prng, swarmRanges.ratePerSec)),
    mix: drawMix(prng),
    keys: wholeBetween(prng, swarmRanges.keys),
    keyDistribution: prng.chance(0.3) ? 'zipf' : 'uniform',
    timeoutMs: timeoutDrawnMs,
    routing: prng.pick(['leader-hint', 'sticky', 'random']),
  };
  const network = {
    latencyMs: drawLatency(prng),
    drop: prng.chance(0.5) ? round(between(prng, swarmRanges.drop)) : 0,
    duplicate: prng.chance(0.5) ? round(between(prng, swarmRanges.duplicate)) : 0,
    reorder: prng.chance(0.5) ? round(between(prng, swarmRanges.reorder)) : 0,
  };
  const nemesis: { kinds: NemesisKind[]; intervalMs: number[]; untilMs: number; shortIntervals?: unknown } = {
    kinds: drawKinds(prng),
    intervalMs: [intervalLow, intervalHigh],
    ...(prng.chance(0.5) ? { shortIntervals: { intervalMs: [10, Math.max(10, Math.round(intervalLow / 2))], share: round(prng.float() * 0.6) } } : {}),
    untilMs: healMs,
  };
  // Drawn last, so a seed without a scenario draws what version 3 drew.
  let scenario = drawScenario(prng);
  let fsyncDrawnMs = fsyncMs;
  if (scenario === null && protocol === 'raft' && prng.chance(powerLossScenarioShare)) {
    scenario = 'power-loss';
    fsyncDrawnMs = round(between(prng, upperPart(swarmRanges.fsyncMs, 0.5)), 1);
  }
  let read: 'lease' | 'linearizable' = drawnRead;
  let drawnTimeoutMs = timeoutDrawnMs;
  if (scenario !== null) nemesis.kinds = [scenario];
  if (scenario === 'lease-partition') {
    const knobs = drawLeaseScenario(prng, protocol);
    read = 'lease';
    choices = { ...choices, leaseShare: knobs.leaseShare, clockDriftBoundPpm: knobs.clockDriftBoundPpm, ...(protocol === 'raft' ? { preVote: false } : {}) };
    drawnFailoverMs[0] = knobs.failoverMsLow;
    drawnFailoverMs[1] = Math.round(knobs.failoverMsLow * knobs.failoverSpread);
    workload.clients = knobs.clients;
    if (protocol === 'raft') workload.routing = 'random';
    workload.mix = { read: round(knobs.readShare), write: round(1 - round(knobs.readShare)), cas: 0 };
    drawnTimeoutMs = knobs.timeoutMs;
    workload.timeoutMs = drawnTimeoutMs;
    // VR's primary renews its lease only by a read round, once the last one has run out, so a cut
    // leaves a stale window only when it falls shortly after a renewal (about one cut in five).
    // A safety phase in the top 30 % of its range gives the lease loop more cuts: seeds 1-500 find
    // VR's switch in 8 seeds instead of 5, the first at 27 instead of 238 (with VR's state-transfer
    // fix, seed 36, the first under the shorter phase, no longer fails). Raft seeds draw as before.
    if (protocol === 'vr') {
      healMs = Math.round(between(prng, upperPart(swarmRanges.safetyMs, 0.3)));
      nemesis.untilMs = healMs;
    }
  }
  // Every draw is made: what follows is derived, so each seed's stream stays as it was.
  const { failoverMs, timeoutMs } = timeoutsForLatency(drawnFailoverMs, drawnTimeoutMs, network.latencyMs);
  workload.timeoutMs = timeoutMs;
  const convergedByMs = healMs + livenessBoundMs(failoverMs[1], timeoutMs);
  const settings = protocolSettings(protocol, drawnFailoverMs, failoverMs, choices);
  workload.ratePerSec = Math.min(workload.ratePerSec, rateCap(settings, network.latencyMs, fsyncDrawnMs, workload.mix.write + workload.mix.cas));
  const document = {
    name: `swarm-${protocol}-${seed}`,
    title: `Swarm seed ${seed} (${protocol})`,
    description: `Every knob drawn from seed ${seed} by caplab swarm (draw version ${swarmDrawVersion}).`,
    protocol,
    nodes,
    seed,
    durationMs: convergedByMs + 1500,
    fsyncMs: fsyncDrawnMs,
    protocolSettings: settings,
    consistency: { write: 'quorum', read },
    workload,
    network,
    nemesis,
    unsafe: [...unsafe],
  };
  return { experiment: validateExperiment(document, `swarm seed ${seed}`), healMs, convergedByMs };
}
