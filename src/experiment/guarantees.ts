import type { ConsistencyPolicy } from '../kv/command';
import type { ExperimentInput } from './schema';
import type { RunSummary } from './summary';

/**
 * Database profiles and the guarantees table (ARCHITECTURE §5, issue 15): a real system's setting
 * named on the lab's knobs, with what its own documentation says it guarantees, run through a
 * fixed set of scenarios so the lab can show, beside each claim, what it observed.
 */

/** The anomalies the table counts, one column each. */
export const anomalies = ['staleRead', 'lostWrite', 'readYourWritesBreak', 'monotonicReadBreak', 'monotonicWriteBreak', 'writesFollowReadsBreak', 'notLinearizable', 'notSequentialPerKey'] as const;
export type Anomaly = (typeof anomalies)[number];

export const anomalyLabels: Readonly<Record<Anomaly, string>> = {
  staleRead: 'stale read',
  lostWrite: 'lost acknowledged write',
  readYourWritesBreak: 'read-your-writes break',
  monotonicReadBreak: 'monotonic-read break',
  monotonicWriteBreak: 'monotonic-write break',
  writesFollowReadsBreak: 'writes-follow-reads break',
  notLinearizable: 'not linearizable',
  notSequentialPerKey: 'not sequential (per key)',
};

/** What a profile's documentation says about one anomaly: it cannot happen, or it may. */
export type Claim = 'never' | 'possible';

export interface DatabaseProfile {
  readonly name: string;
  readonly system: string;
  readonly setting: string;
  /** What the documentation says, quoted briefly, and the page. */
  readonly quote: string;
  readonly source: string;
  /** The lab's knobs for this setting. */
  readonly consistency: ConsistencyPolicy;
  readonly claims: Readonly<Record<Anomaly, Claim>>;
  /** How the mapping falls short of the real system, when it does. */
  readonly caveat?: string;
  /** Scenarios outside the fault model the documentation assumes (clocks beyond the bound): its claims do not cover them. */
  readonly outsideFaultModel?: readonly GuaranteeScenario[];
}

const strong: Record<Anomaly, Claim> = {
  staleRead: 'never',
  lostWrite: 'never',
  readYourWritesBreak: 'never',
  monotonicReadBreak: 'never',
  monotonicWriteBreak: 'never',
  writesFollowReadsBreak: 'never',
  notLinearizable: 'never',
  notSequentialPerKey: 'never',
};
/** Reads from any replica's local state: only the acknowledged writes are promised. */
const anyReplica: Record<Anomaly, Claim> = { ...strong, staleRead: 'possible', readYourWritesBreak: 'possible', monotonicReadBreak: 'possible', writesFollowReadsBreak: 'possible', notLinearizable: 'possible', notSequentialPerKey: 'possible' };
/** Reads from the (possibly deposed) leader's state. */
const leaderReads: Record<Anomaly, Claim> = { ...anyReplica };
/** A client session's reads (protocol/sessionReads.ts): the four session guarantees, not recency. */
const sessionClaims: Record<Anomaly, Claim> = { ...strong, staleRead: 'possible', notLinearizable: 'possible' };

export const databaseProfiles: readonly DatabaseProfile[] = [
  {
    name: 'etcd-linearizable',
    system: 'etcd',
    setting: 'default (linearizable reads)',
    quote: 'etcd ensures linearizability for all other operations by default [than watch]; a linearizable read goes through a quorum (ReadIndex).',
    source: 'https://etcd.io/docs/v3.5/learning/api_guarantees/',
    consistency: { write: 'quorum', read: 'linearizable' },
    claims: strong,
  },
  {
    name: 'etcd-serializable',
    system: 'etcd',
    setting: '--consistency=s (serializable reads)',
    quote: 'Serializable read requests are served by any member and may be stale: "a serializable read ... is cheaper but may return stale data".',
    source: 'https://etcd.io/docs/v3.5/learning/api_guarantees/',
    consistency: { write: 'quorum', read: 'local' },
    claims: anyReplica,
  },
  {
    name: 'consul-consistent',
    system: 'Consul',
    setting: '?consistent',
    quote: '"consistent" — the leader verifies with a quorum of peers that it is still leader before answering: strongly consistent, at the cost of an extra round trip.',
    source: 'https://developer.hashicorp.com/consul/api-docs/features/consistency',
    consistency: { write: 'quorum', read: 'linearizable' },
    claims: strong,
  },
  {
    name: 'consul-default',
    system: 'Consul',
    setting: 'default (leader lease)',
    quote: '"default" — strongly consistent in almost all cases, but "a new leader may be elected while the old leader still holds the lease ... the old leader may return stale values".',
    source: 'https://developer.hashicorp.com/consul/api-docs/features/consistency',
    consistency: { write: 'quorum', read: 'lease' },
    claims: { ...strong, staleRead: 'possible', notLinearizable: 'possible', notSequentialPerKey: 'possible', monotonicReadBreak: 'possible', readYourWritesBreak: 'possible' },
    caveat: 'the lab\'s lease honours the clock-drift bound, so it should show nothing unless clocks drift beyond the bound',
    outsideFaultModel: ['drift-beyond-bound'],
  },
  {
    name: 'consul-stale',
    system: 'Consul',
    setting: '?stale',
    quote: '"stale" — any server may answer; reads can be arbitrarily stale, typically within 50 ms of the leader.',
    source: 'https://developer.hashicorp.com/consul/api-docs/features/consistency',
    consistency: { write: 'quorum', read: 'local' },
    claims: anyReplica,
  },
  {
    name: 'zookeeper-reads',
    system: 'ZooKeeper',
    setting: 'reads from the connected server (no sync)',
    quote: '"Sequential Consistency - Updates from a client will be applied in the order that they were sent"; a client "will never see an older view of the system", but "ZooKeeper does not guarantee that at every instance in time, two different clients will have identical views".',
    source: 'https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html#ch_zkGuarantees',
    consistency: { write: 'quorum', read: 'session' },
    claims: sessionClaims,
    caveat: 'the connected server is drawn per operation (random routing); the session read path makes it wait until it has applied the session\'s last-seen zxid, as a ZooKeeper server refuses a session that is ahead of it',
  },
  {
    name: 'zookeeper-sync-read',
    system: 'ZooKeeper',
    setting: 'sync() then read',
    quote: '"If a client needs the most up-to-date view, it can call sync() before the read"; writes are linearizable.',
    source: 'https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html#ch_zkGuarantees',
    consistency: { write: 'quorum', read: 'sync' },
    claims: strong,
    caveat: 'the lab\'s sync step confirms the leader\'s leadership with a quorum round, as a ReadIndex read does; ZooKeeper\'s leader orders sync like a proposal, which has the same effect except in a window where a deposed leader has not yet noticed',
  },
  {
    name: 'mongodb-w1-local',
    system: 'MongoDB',
    setting: 'w:1, readConcern local, readPreference primary',
    quote: 'With w:1 "the data can be rolled back if the primary steps down before the write has replicated"; readConcern "local" returns data "with no guarantee that the data has been written to a majority".',
    source: 'https://www.mongodb.com/docs/manual/reference/write-concern/',
    consistency: { write: 'leader', read: 'leader' },
    claims: { ...leaderReads, lostWrite: 'possible', monotonicWriteBreak: 'possible' },
    caveat: 'the lab\'s leader path shows a w:1 write as soon as the leader acknowledged it: it applies the acknowledged writes in its log (Raft), prepared ops (VR) or proposed slots (Paxos) over its state, as the primary applies its oplog at once',
  },
  {
    name: 'mongodb-majority-primary',
    system: 'MongoDB',
    setting: 'w:majority, readConcern majority, readPreference primary',
    quote: 'readConcern "majority" returns data acknowledged by a majority, which cannot be rolled back — but "does not guarantee ... the most recent data": a deposed primary may still answer.',
    source: 'https://www.mongodb.com/docs/manual/reference/read-concern-majority/',
    consistency: { write: 'quorum', read: 'leader' },
    claims: leaderReads,
    caveat: 'the lab\'s state machines apply only committed entries, so the leader\'s local state is its majority-committed state',
  },
  {
    name: 'mongodb-linearizable',
    system: 'MongoDB',
    setting: 'w:majority, readConcern linearizable',
    quote: 'readConcern "linearizable" returns data that "reflects all successful majority-acknowledged writes that completed prior to the start of the read operation".',
    source: 'https://www.mongodb.com/docs/manual/reference/read-concern-linearizable/',
    consistency: { write: 'quorum', read: 'linearizable' },
    claims: strong,
  },
  {
    name: 'mongodb-majority-secondary',
    system: 'MongoDB',
    setting: 'w:majority, readConcern majority, readPreference secondary',
    quote: 'readConcern "majority" returns data "acknowledged by a majority of the replica set members" — durable, never rolled back; but reads from secondaries "may return data that does not reflect the state of the data on the primary".',
    source: 'https://www.mongodb.com/docs/manual/reference/read-concern-majority/',
    consistency: { write: 'quorum', read: 'majority' },
    claims: anyReplica,
    caveat: 'the majority path answers from any replica\'s majority-committed state; the client draws the replica per operation, so a secondary or the primary may answer',
  },
  {
    name: 'mongodb-causal-session',
    system: 'MongoDB',
    setting: 'causally consistent session, w:majority, readConcern majority, readPreference secondary',
    quote: 'In a causally consistent session with "majority" read and write concerns, MongoDB guarantees "read your writes", "monotonic reads", "monotonic writes" and "writes follow reads", even during failures; reads wait for afterClusterTime.',
    source: 'https://www.mongodb.com/docs/manual/core/causal-consistency-read-write-concerns/',
    consistency: { write: 'quorum', read: 'session' },
    claims: { ...sessionClaims, notSequentialPerKey: 'possible' },
    caveat: 'afterClusterTime is the session\'s last-seen log position (operationTime), carried by the client; the documentation promises the four session guarantees, not sequential consistency, so that column is "possible"',
  },
  {
    name: 'leaseholder-reads',
    system: 'CockroachDB / Spanner-style',
    setting: 'leaseholder reads under a clock-offset bound',
    quote: 'The leaseholder serves reads without consensus; correctness relies on clocks: "nodes ... self-terminate if their clock offset exceeds --max-offset" (default 500 ms).',
    source: 'https://www.cockroachlabs.com/docs/stable/operational-faqs#what-happens-when-node-clocks-are-not-properly-synchronized',
    consistency: { write: 'quorum', read: 'lease' },
    claims: strong,
    caveat: 'the lab does not self-terminate a node whose clock drifts beyond the bound: the "drift beyond the bound" scenario shows what that rule prevents',
    outsideFaultModel: ['drift-beyond-bound'],
  },
];

/** The profiles' names, for the contract's validator. */
export const databaseProfileNames = databaseProfiles.map((profile) => profile.name) as [string, ...string[]];

/** Seeds per profile and scenario the app runs at most (13 profiles × 5 scenarios × 20 seeds is about an hour on two cores); `caplab guarantees` runs more. */
export const appGuaranteesSeedsMax = 20;

/** The scenarios every profile runs through. */
export const guaranteeScenarios = ['healthy', 'leader-crash', 'partition', 'drift-within-bound', 'drift-beyond-bound'] as const;
export type GuaranteeScenario = (typeof guaranteeScenarios)[number];

/** The experiment for one profile in one scenario (seed set by the caller). */
export function guaranteeExperiment(profile: DatabaseProfile, scenario: GuaranteeScenario): ExperimentInput {
  const drift = scenario === 'drift-within-bound' || scenario === 'drift-beyond-bound';
  // The bound is 20 %. Within it (15 % slow) the lease, shortened by the bound, ends before the
  // others can elect a leader; beyond it (90 % slow) the cut-off leader trusts its lease for
  // about 0.9 s of true time, long after a new leader commits. At 95 % slow against an 85 % bound
  // (the first version) the old lease ended ~20 ms after the new leader's election: no lease
  // profile ever showed a stale read there, so the column could not show what the bound is for.
  const driftPpm = scenario === 'drift-within-bound' ? -150_000 : -900_000;
  const faults: NonNullable<ExperimentInput['faults']> =
    scenario === 'healthy' ? []
    : scenario === 'leader-crash' ? [{ atMs: 1500, crash: 'leader' }, { atMs: 3000, restart: 'all' }]
    : scenario === 'partition' ? [{ atMs: 1500, partition: 'isolate-leader' }, { atMs: 3500, heal: true }]
    : [{ atMs: 1400, clock: { node: 'leader', driftPpm } }, { atMs: 1500, partition: 'isolate-leader' }, { atMs: 3000, heal: true }];
  return {
    name: `guarantees-${profile.name}-${scenario}`,
    title: `${profile.system} ${profile.setting}: ${scenario}`,
    protocol: 'raft',
    nodes: 5,
    durationMs: 5000,
    // Drift scenarios need a leader that keeps believing it leads (CheckQuorum off) and a lease
    // long enough to outlive an election when its clock runs slow (the lease-reads presets).
    ...(drift ? { protocolSettings: { checkQuorum: false, heartbeatMs: 20, leaseMs: 140, clockDriftBoundPpm: 200_000 } } : {}),
    consistency: profile.consistency,
    workload: { clients: 8, ratePerSec: 300, mix: { read: 0.6, write: 0.4, cas: 0 }, keys: 2, routing: 'random' },
    faults,
  } as ExperimentInput;
}

/** How many of one anomaly a run showed, to pick the worst run of a cell: the violation count where the summary has one, else 1. */
function severityOf(summary: RunSummary, anomaly: Anomaly): number {
  const count =
    anomaly === 'staleRead' ? summary.violations.staleRead
    : anomaly === 'lostWrite' ? summary.violations.lostWrite
    : anomaly === 'readYourWritesBreak' ? summary.violations.readYourWrites
    : anomaly === 'monotonicReadBreak' ? summary.violations.monotonicRead
    : anomaly === 'notLinearizable' ? summary.violations.linearizability
    : null;
  return Math.max(1, count ?? 1);
}

/** Which anomalies one run showed; `undecided` lists those its checks could not decide. */
export function anomaliesOf(summary: RunSummary): { readonly seen: ReadonlySet<Anomaly>; readonly undecided: ReadonlySet<Anomaly> } {
  const seen = new Set<Anomaly>();
  const undecided = new Set<Anomaly>();
  const model = (name: keyof RunSummary['models'], anomaly: Anomaly): void => {
    const status = summary.models[name].status;
    if (status === 'violated') seen.add(anomaly);
    if (status === 'unknown') undecided.add(anomaly);
  };
  if (summary.violations.staleRead > 0) seen.add('staleRead');
  if (summary.violations.lostWrite > 0) seen.add('lostWrite');
  model('readYourWrites', 'readYourWritesBreak');
  model('monotonicReads', 'monotonicReadBreak');
  model('monotonicWrites', 'monotonicWriteBreak');
  model('writesFollowReads', 'writesFollowReadsBreak');
  model('linearizable', 'notLinearizable');
  model('sequentialPerKey', 'notSequentialPerKey');
  return { seen, undecided };
}

/** One cell: how many of the runs (profile × every scenario × N seeds) showed the anomaly. */
export interface GuaranteeCell {
  readonly anomaly: Anomaly;
  readonly runs: number;
  readonly seen: number;
  readonly undecided: number;
  readonly claim: Claim;
  /** The documentation says it cannot happen, and the lab saw it in a scenario the claim covers. */
  readonly contradicts: boolean;
  /** Runs that showed it in scenarios outside the documented fault model (clocks beyond the bound). */
  readonly seenOutsideFaultModel: number;
  /** The scenarios it was seen in, with the first seed of each, to reproduce the worst run. */
  readonly seenIn: ReadonlyArray<{ readonly scenario: GuaranteeScenario; readonly seed: number; readonly count: number }>;
  /**
   * The run to open in the lab: the one with the most of it (a contradicting one first, when the
   * cell contradicts the documentation), the first in scenario and seed order on a tie; null when none showed it.
   */
  readonly worst: { readonly scenario: GuaranteeScenario; readonly seed: number; readonly count: number } | null;
}

export interface GuaranteeRow {
  readonly profile: string;
  readonly system: string;
  readonly setting: string;
  readonly source: string;
  readonly cells: readonly GuaranteeCell[];
}

/** One finished run, as the table needs it. */
export interface GuaranteeRun {
  readonly profile: string;
  readonly scenario: GuaranteeScenario;
  readonly seed: number;
  readonly summary: RunSummary;
}

/**
 * What the table keeps of one finished run (what the app's progress events carry): the anomalies
 * it showed, each with how many, and those its checks could not decide.
 */
export interface GuaranteeObservation {
  readonly profile: string;
  readonly scenario: GuaranteeScenario;
  readonly seed: number;
  readonly seen: ReadonlyArray<{ readonly anomaly: Anomaly; readonly count: number }>;
  readonly undecided: readonly Anomaly[];
}

export function observationOf(run: GuaranteeRun): GuaranteeObservation {
  const { seen, undecided } = anomaliesOf(run.summary);
  return {
    profile: run.profile,
    scenario: run.scenario,
    seed: run.seed,
    seen: anomalies.filter((anomaly) => seen.has(anomaly)).map((anomaly) => ({ anomaly, count: severityOf(run.summary, anomaly) })),
    undecided: anomalies.filter((anomaly) => undecided.has(anomaly)),
  };
}

/** Fills the table from finished runs. */
export function guaranteesTable(runs: readonly GuaranteeRun[], profiles: readonly DatabaseProfile[] = databaseProfiles): GuaranteeRow[] {
  return guaranteesTableOf(runs.map(observationOf), profiles);
}

/** Fills the table from what the runs showed (the app's table fills as they arrive). */
export function guaranteesTableOf(observations: readonly GuaranteeObservation[], profiles: readonly DatabaseProfile[] = databaseProfiles): GuaranteeRow[] {
  const scenarioRank = (scenario: GuaranteeScenario): number => guaranteeScenarios.indexOf(scenario);
  return profiles.map((profile) => {
    const mine = observations.filter((run) => run.profile === profile.name).sort((a, b) => scenarioRank(a.scenario) - scenarioRank(b.scenario) || a.seed - b.seed);
    const outside = new Set(profile.outsideFaultModel ?? []);
    const cells = anomalies.map((anomaly): GuaranteeCell => {
      const hits = mine.flatMap((run) => run.seen.filter((entry) => entry.anomaly === anomaly).map((entry) => ({ run, count: entry.count })));
      const byScenario = new Map<GuaranteeScenario, { seed: number; count: number }>();
      for (const { run } of hits) {
        const entry = byScenario.get(run.scenario);
        if (entry === undefined) byScenario.set(run.scenario, { seed: run.seed, count: 1 });
        else entry.count++;
      }
      const claim = profile.claims[anomaly];
      const seenOutsideFaultModel = hits.filter(({ run }) => outside.has(run.scenario)).length;
      const contradicts = claim === 'never' && hits.length > seenOutsideFaultModel;
      // A contradicting cell opens a run that contradicts (inside the fault model), not one beyond the clock bound.
      const candidates = contradicts ? hits.filter(({ run }) => !outside.has(run.scenario)) : hits;
      const worstHit = candidates.reduce<(typeof hits)[number] | null>((best, hit) => (best === null || hit.count > best.count ? hit : best), null);
      return {
        anomaly,
        runs: mine.length,
        seen: hits.length,
        undecided: mine.filter((run) => run.undecided.includes(anomaly)).length,
        claim,
        contradicts,
        seenOutsideFaultModel,
        seenIn: [...byScenario].map(([scenario, entry]) => ({ scenario, ...entry })),
        worst: worstHit === null ? null : { scenario: worstHit.run.scenario, seed: worstHit.run.seed, count: worstHit.count },
      };
    });
    return { profile: profile.name, system: profile.system, setting: profile.setting, source: profile.source, cells };
  });
}

/**
 * A cell in words: "never in 100 runs", "3 of 100 runs". A "never" counts only the runs whose
 * checks decided: "never in 50 decided runs of 100 (50 undecided)", not "never in 100 runs".
 */
export function cellText(cell: GuaranteeCell): string {
  const runs = (count: number): string => (count === 1 ? 'run' : 'runs');
  const decided = cell.runs - cell.undecided;
  const never = cell.undecided > 0 ? `never in ${decided} decided ${runs(decided)} of ${cell.runs}` : `never in ${cell.runs} ${runs(cell.runs)}`;
  const base = cell.seen === 0 ? never : `${cell.seen} of ${cell.runs} ${runs(cell.runs)}`;
  const text = cell.seenOutsideFaultModel > 0 ? `${base}, ${cell.seenOutsideFaultModel} beyond the clock bound` : base;
  return cell.undecided > 0 ? `${text} (${cell.undecided} undecided)` : text;
}

/** The table as CSV: one row per profile × anomaly. */
export function guaranteesCsv(rows: readonly GuaranteeRow[]): string {
  const quote = (text: string): string => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = ['profile,system,setting,anomaly,runs,seen,undecided,documented,contradicts,seen_in'];
  for (const row of rows) {
    for (const cell of row.cells) {
      const seenIn = cell.seenIn.map((entry) => `${entry.scenario}:${entry.count} (seed ${entry.seed})`).join('; ');
      lines.push([row.profile, row.system, row.setting, cell.anomaly, cell.runs, cell.seen, cell.undecided, cell.claim, cell.contradicts, seenIn].map((field) => quote(String(field))).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
