import { z } from 'zod';
import { consistencySchema, experimentSchema, galleryGroups, networkChangeSchema } from '../experiment/schema';
import { runSummarySchema } from '../experiment/summarySchema';
import { checkReportSchema } from '../checker/schemas';
import { traceEventSchema } from '../history/traceSchema';
import { faultSpanSchema, metricsWindowSchema, seriesMarkerSchema } from '../metrics/seriesSchema';
import { consistencyPolicySchema, replicaViewSchema } from './worker';
import { limits } from '../base/limits';
import { type NodeId, nodeId as toNodeId } from '../base/ids';
import { protocolNames, unsafeSwitches } from '../protocol/replica';
import { swarmProtocols } from '../swarm/draw';
import { anomalies, appGuaranteesSeedsMax, databaseProfileNames, guaranteeScenarios } from '../experiment/guarantees';

/**
 * The one contract between the app and the lab (ARCHITECTURE §3, §10). Every call and event that
 * crosses the IPC bridge or the browser-mode WebSocket is declared here, with a zod validator for
 * its payload; nothing else crosses. Payloads are plain data.
 */

const runId = z.string().regex(/^run-\d+$/, 'must be a run id such as run-1');
const nodeId = z.string().regex(/^n[1-9]$/, 'must be a node id n1..n9').transform((value): NodeId => toNodeId(value));
/**
 * A run's speed: in the simulator a pace (simulated ms per wall ms, 0.1 … 100) or `max`, as fast as
 * possible; in the live threads runtime the time scale (lab ms per wall ms, 0.1 … 100): `max`
 * means nothing for a run in real time, and startRun / setSpeed refuse it with a message naming the range.
 */
const speed = z.union([z.literal('max'), z.number().min(0.1).max(100)]);
const runtime = z.enum(['sim', 'threads']);
/** Experiment and history texts: the experiment file's cap, the same as the CLI's (src/base/limits.ts). */
const textMax = limits.experimentFileBytesMax;
/** A bundle as base64: the CLI's cap on its bytes, in base64 characters. */
const bundleBase64Max = Math.ceil(limits.bundleBytesMax / 3) * 4;
const checkId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a check id of letters, digits and dashes');
const exportId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be an export id of 1 to 64 lower-case letters, digits and dashes');
const sweepId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a sweep id of 1 to 64 lower-case letters, digits and dashes');

const swarmId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a swarm id of 1 to 64 lower-case letters, digits and dashes');

/** One seed of a swarm (ARCHITECTURE §14): its verdict, safety and liveness apart; a failing one with its manifest and reproduce command. */
export const swarmSeedOutcome = z.object({
  seed: z.number().int(),
  passed: z.boolean(),
  failure: z.enum(['safety', 'liveness']).nullable(),
  safety: z.array(z.string()),
  liveness: z.array(z.string()),
  ops: z.object({ ok: z.number(), fail: z.number(), info: z.number() }),
  traceSha256: z.string(),
  /** Keys the linearizability check left undecided within its budget. */
  undecidedKeys: z.number().int(),
  /** A failing seed's drawn experiment as YAML: its parameter manifest, which opens in the lab as it is. */
  manifest: z.string().optional(),
  /** A failing seed's one command that reproduces it. */
  reproduce: z.string().optional(),
});

/** appSweepSeedsMax: src/base/limits.ts. */
export const appSweepSeedsMax = limits.appSweepSeedsMax;

/** One seed of a sweep, as the app shows it: the verdict and the summary's headline numbers (ARCHITECTURE §11). */
export const sweepSeedOutcome = z.object({
  seed: z.number().int(),
  /** `runPassed`: no invariant broken (unless an unsafe switch or an exceeded fault model explains it) and every `expect` holds. */
  passed: z.boolean(),
  /** Operations by outcome: ok, fail (definitely not applied), info (unknown). */
  ops: z.object({ ok: z.number(), fail: z.number(), info: z.number() }),
  /** Answered within the timeout ÷ offered, 0..1 (ARCHITECTURE §5); null when nothing was offered. */
  availability: z.number().nullable(),
  /** Violations by kind; `linearizability` counts the keys that are not linearizable (null: not checked, or the checker timed out). */
  violations: z.object({ linearizability: z.number().nullable(), staleRead: z.number(), lostWrite: z.number(), monotonicRead: z.number(), readYourWrites: z.number(), divergence: z.number() }),
  /** Keys the end-of-run check could not decide within its budget. */
  linearizabilityUnknownKeys: z.number(),
  invariantsBroken: z.array(z.string()),
  /** The faults went beyond what the protocol tolerates (e.g. more than f VR replicas down at once): its breaks are explained, not bugs. */
  faultModelExceeded: z.boolean(),
  /** Each `expect` line that did not hold, with the value it saw. */
  expectationsFailed: z.array(z.string()),
  traceSha256: z.string(),
});

const partitionSpec = z.union([
  z.enum(['majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring']),
  z.array(z.array(nodeId).min(1)).min(2),
]);

/**
 * A network change from the app: the experiment's own `network` fault shape (ARCHITECTURE §7), so the
 * app and the experiment file accept the same changes: every link's, or with `link` one link's.
 */
const networkChange = networkChangeSchema;

/** A call: the request's validator and, for documentation and tests, the response's. */
interface CallSpec<Request extends z.ZodType, Response extends z.ZodType> {
  readonly request: Request;
  readonly response: Response;
}

const call = <Request extends z.ZodType, Response extends z.ZodType>(request: Request, response: Response): CallSpec<Request, Response> => ({ request, response });

const presetInfo = z.object({ name: z.string(), title: z.string(), description: z.string(), group: z.enum(galleryGroups), protocol: z.enum(protocolNames), consistency: consistencySchema, text: z.string() });
const runRef = z.object({ runId }).strict();
/** The run's summary (ARCHITECTURE §11), the engine's own `RunSummary`. */
const summary = runSummarySchema;
/** One replica in `runState`: up, paused, its clock's drift, why its worker died (live runs), its last reported state (null while down). */
const nodeState = z.object({ id: z.string(), up: z.boolean(), paused: z.boolean(), driftPpm: z.number(), diedOf: z.string().nullable().optional(), view: replicaViewSchema.nullable() });
const ok = z.object({ ok: z.literal(true) });

// --- The Guarantees screen (ARCHITECTURE §11, issue 15): the guarantees table's runs from the app. ---
const guaranteesId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a guarantees run id of 1 to 64 lower-case letters, digits and dashes');
/** What one finished run of the table showed (src/experiment/guarantees.ts, GuaranteeObservation). */
export const guaranteeObservation = z.object({
  profile: z.enum(databaseProfileNames),
  scenario: z.enum(guaranteeScenarios),
  seed: z.number().int(),
  seen: z.array(z.object({ anomaly: z.enum(anomalies), count: z.number().int().min(1) })),
  undecided: z.array(z.enum(anomalies)),
});
const guaranteesCalls = {
  /**
   * Runs the chosen database profiles (default: all) through every guarantees scenario for seeds
   * 1 … `seeds`, in worker threads, as `caplab guarantees` does; `guaranteesProgress` events report
   * the runs as they finish. `runs` is how many there are (profiles × scenarios × seeds).
   */
  startGuarantees: call(
    z
      .object({
        guaranteesId,
        seeds: z.number().int('must be a whole number of seeds').min(1, 'must be at least 1 seed').max(appGuaranteesSeedsMax, `must be at most ${appGuaranteesSeedsMax} seeds (caplab guarantees on the command line runs more)`),
        profiles: z.array(z.enum(databaseProfileNames, { error: (issue) => `no profile ${JSON.stringify(issue.input)}; the profiles are ${databaseProfileNames.join(', ')}` })).min(1, 'name at least one profile').max(databaseProfileNames.length).optional(),
      })
      .strict(),
    z.object({ guaranteesId, runs: z.number().int() }),
  ),
  /** Stops the guarantees run: no further run starts, the ones going are abandoned; false when none is going. */
  cancelGuarantees: call(z.object({ guaranteesId }).strict(), z.object({ cancelled: z.boolean() })),
} as const;
const guaranteesEvents = {
  /** A guarantees run's progress, as `sweepProgress` is a sweep's: `outcomes` are the runs finished since the previous event. */
  guaranteesProgress: z.object({ guaranteesId, done: z.number(), total: z.number(), outcomes: z.array(guaranteeObservation), finished: z.boolean(), cancelled: z.boolean(), error: z.string().optional() }),
} as const;
export type GuaranteeObservationPayload = z.output<typeof guaranteeObservation>;
// --- end of the Guarantees block ---

export const labCalls = {
  listPresets: call(z.object({}).strict(), z.array(presetInfo)),
  validateExperiment: call(
    z.object({ text: z.string().max(textMax, 'experiment text is too large (5 MB at most)'), source: z.string().max(1000) }).strict(),
    z.union([z.object({ ok: z.literal(true), experiment: experimentSchema }), z.object({ ok: z.literal(false), problems: z.array(z.string()) })]),
  ),
  /**
   * Starts a run of the experiment (`runtime`: default the experiment's own). A live (threads) run
   * answers once every replica's worker has started; without `speed` it goes at the experiment's
   * speed, or time scale 1 when that is `max`.
   */
  startRun: call(
    z.object({ text: z.string().max(textMax), source: z.string().max(1000), runtime: runtime.optional(), speed: speed.optional(), seed: z.number().int().min(0).optional(), protocol: z.enum(protocolNames).optional() }).strict(),
    z.object({ runId, nodes: z.array(z.string()) }),
  ),
  pauseRun: call(runRef, ok),
  resumeRun: call(runRef, ok),
  /** A paused simulated run goes `ms` of simulated time forward and stays paused (the Lab's step); a live run refuses. */
  stepRun: call(z.object({ runId, ms: z.number().positive().max(10_000) }).strict(), ok),
  stopRun: call(runRef, z.object({ summary })),
  setSpeed: call(z.object({ runId, speed }).strict(), ok),
  nodeAction: call(z.object({ runId, node: nodeId, action: z.enum(['crash', 'restart', 'pause', 'resume']), amnesia: z.boolean().optional() }).strict(), z.object({ nodes: z.array(z.string()) })),
  partition: call(z.object({ runId, spec: partitionSpec }).strict(), z.object({ description: z.string() })),
  heal: call(runRef, ok),
  setNetwork: call(z.object({ runId, change: networkChange }).strict(), ok),
  setConsistency: call(z.object({ runId, consistency: consistencySchema }).strict(), ok),
  runState: call(
    runRef,
    z.object({
      runId,
      /** The run's runtime: `sim` (replayable) or `threads` (live, in real time). */
      runtime,
      nowMs: z.number(),
      done: z.boolean(),
      paused: z.boolean(),
      consistency: consistencyPolicySchema,
      nodes: z.array(nodeState),
      /** Every directed replica link: cut, and its faults (ARCHITECTURE §4), for the cluster graph. */
      links: z.array(z.object({ from: z.string(), to: z.string(), cut: z.boolean(), drop: z.number(), duplicate: z.number(), reorder: z.number(), latencyOverridden: z.boolean() })),
      summary: summary.nullable(),
    }),
  ),
  checkHistory: call(
    z.object({ text: z.string().max(textMax), fileName: z.string().max(1000), format: z.enum(['auto', 'jepsen-edn', 'etcd-log', 'porcupine-kv', 'caplab-history']).optional(), timeoutMs: z.number().int().positive().max(600_000).optional(), checkId: checkId.optional() }).strict(),
    checkReportSchema,
  ),
  /** Cancels the check started with this `checkId` (its report then says `unknown`); false when none is going. */
  cancelCheck: call(z.object({ checkId }).strict(), z.object({ cancelled: z.boolean() })),
  /**
   * The ended run's files (a simulated run's from an exact replay in a worker). With an `exportId`
   * the export reports `exportProgress` and `cancelExport` stops it: the answer then has
   * `cancelled: true` and no files, and nothing is kept.
   */
  exportRun: call(z.object({ runId, exportId: exportId.optional() }).strict(), z.object({ files: z.array(z.object({ name: z.string(), base64: z.string() })), cancelled: z.boolean().optional() })),
  /** Desktop app only: asks where with the save dialog and writes the run's files there atomically (`folder` null: the user chose none, or cancelled). */
  saveRunFiles: call(z.object({ runId, exportId: exportId.optional() }).strict(), z.object({ folder: z.string().nullable(), cancelled: z.boolean().optional() })),
  /** Cancels the export started with this `exportId`; false when none is going. */
  cancelExport: call(z.object({ exportId }).strict(), z.object({ cancelled: z.boolean() })),
  /** One chart of an ended run, rendered by the same option builders as the app and the report. */
  exportChart: call(
    z.object({ runId, chart: z.enum(['throughput', 'latency', 'availability', 'violations', 'leader', 'commit-index', 'messages-per-link']), format: z.enum(['svg', 'png']), theme: z.enum(['light', 'dark']).optional() }).strict(),
    z.object({ name: z.string(), base64: z.string() }),
  ),
  /**
   * Imports a bundle. A simulated run's is replayed (off the service's thread): `reproduced` says
   * whether the replay gave the same summary byte for byte, and `summary` is the replay's. A live
   * run's cannot be replayed exactly: `reproduced` is null with the `reason`, and `summary` is the
   * one it holds. `traceVerified`: the bundle's trace hashes to its summary's traceSha256. `trace`
   * is its trace.jsonl (one event a line), for the replay view.
   */
  importBundle: call(
    z.object({ base64: z.string().max(bundleBase64Max, `the bundle is too large (${limits.bundleBytesMax / 1e6} MB at most)`) }).strict(),
    // `moments`: the bundle's experiment's own (issue 17), so its replay's story has the preset's sentences.
    z.object({ reproduced: z.boolean().nullable(), reason: z.string().optional(), traceVerified: z.boolean(), summary, experimentName: z.string(), trace: z.string().optional(), moments: z.array(z.object({ atMs: z.number(), caption: z.string() })).optional() }),
  ),
  /**
   * Runs the experiment in the simulator for `seeds` seeds from `firstSeed` (default: the
   * experiment's own seed), in worker threads; `sweepProgress` events report the seeds as they
   * finish. The app picks the `sweepId`, so it can listen before the first event.
   */
  startSweep: call(
    z
      .object({
        text: z.string().max(textMax, 'experiment text is too large (5 MB at most)'),
        source: z.string().max(1000),
        protocol: z.enum(protocolNames).optional(),
        firstSeed: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional(),
        seeds: z.number().int('must be a whole number of seeds').min(1, 'must be at least 1 seed').max(appSweepSeedsMax, `must be at most ${appSweepSeedsMax} seeds (caplab sweep on the command line runs more)`),
        sweepId,
      })
      .strict(),
    z.object({ sweepId, seeds: z.number() }),
  ),
  /** Stops the sweep: no further seed starts, the ones going are abandoned; false when none is going. */
  cancelSweep: call(z.object({ sweepId }).strict(), z.object({ cancelled: z.boolean() })),
  /**
   * Swarm testing (ARCHITECTURE §14), as `caplab swarm`: each seed draws a whole experiment of the
   * protocol with the unsafe switches given on, runs and judges it in worker threads;
   * `swarmProgress` events report the seeds as they finish.
   */
  startSwarm: call(
    z
      .object({
        protocol: z.enum(swarmProtocols),
        unsafe: z.array(z.enum(unsafeSwitches)).max(unsafeSwitches.length),
        firstSeed: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(Number.MAX_SAFE_INTEGER - appSweepSeedsMax),
        seeds: z.number().int('must be a whole number of seeds').min(1, 'must be at least 1 seed').max(appSweepSeedsMax, `must be at most ${appSweepSeedsMax} seeds (caplab swarm on the command line runs more)`),
        swarmId,
      })
      .strict(),
    z.object({ swarmId, seeds: z.number() }),
  ),
  /** Stops the swarm: no further seed starts, the ones going are abandoned; false when none is going. */
  cancelSwarm: call(z.object({ swarmId }).strict(), z.object({ cancelled: z.boolean() })),
  /** Shrinks one failing swarm seed (in a worker) to a small experiment that fails the same way: its YAML, or null when it does not fail. */
  shrinkSwarmSeed: call(
    z.object({ protocol: z.enum(swarmProtocols), unsafe: z.array(z.enum(unsafeSwitches)).max(unsafeSwitches.length), seed: z.number().int().min(0) }).strict(),
    z.object({ yaml: z.string().nullable(), faultsBefore: z.number(), faultsAfter: z.number(), runs: z.number() }),
  ),
  ...guaranteesCalls,
} as const;

export type LabCallName = keyof typeof labCalls;
export type LabRequest<Name extends LabCallName> = z.input<(typeof labCalls)[Name]['request']>;
/** A call's request as `parseRequest` gives it: validated, defaults applied. */
export type LabParsedRequest<Name extends LabCallName> = z.output<(typeof labCalls)[Name]['request']>;
export type LabResponse<Name extends LabCallName> = z.output<(typeof labCalls)[Name]['response']>;

/** Events the lab pushes to the app, at most about ten batches a second per run. */
export const labEvents = {
  metrics: z.object({
    runId,
    nowMs: z.number(),
    windows: z.array(metricsWindowSchema),
    faults: z.array(faultSpanSchema),
    markers: z.array(seriesMarkerSchema),
    /**
     * The oracle's counts so far (about twice a second). Stale reads and session breaks only grow
     * as the run goes; lost writes are known only at the end, after the quiet period.
     */
    live: z
      .object({
        staleRead: z.number(),
        monotonicRead: z.number(),
        readYourWrites: z.number(),
        latest: z.array(z.object({ kind: z.string(), key: z.string(), operations: z.array(z.number()), explanation: z.string() })),
      })
      .optional(),
  }),
  /**
   * The trace events since the last batch; `skipped` counts the ones a busy interval did not send
   * (a batch carries at most 20,000), so what the app counts from the trace is then a lower bound.
   */
  trace: z.object({ runId, events: z.array(traceEventSchema), skipped: z.number().int().min(0) }),
  runEnded: z.object({ runId, summary }),
  /**
   * Browser mode only: this connection's client did not keep up, so the lab dropped these live
   * batches of the run instead of queueing them without bound. The run and its export are whole;
   * the charts and the event log of this page miss what was dropped.
   */
  liveDropped: z.object({ runId, metricsBatches: z.number().int().min(0), traceBatches: z.number().int().min(0), traceEvents: z.number().int().min(0) }),
  /** How far a check with a `checkId` got: operations in the keys searched so far, of all (a few times a second, when it moves). */
  checkProgress: z.object({ checkId, operationsDone: z.number().int().min(0), operationsTotal: z.number().int().min(0) }),
  /** How far an export with an `exportId` got: 0..1 and the stage (replaying, writing files, done). */
  exportProgress: z.object({ exportId, fraction: z.number().min(0).max(1), stage: z.string() }),
  /**
   * A sweep's progress, at most about ten a second: `outcomes` are the seeds finished since the
   * previous event (in the order they finished), `done` counts all finished so far. The last event
   * has `finished` true; `cancelled` says it was cancelled, `error` that a seed could not run.
   */
  sweepProgress: z.object({ sweepId, done: z.number(), total: z.number(), outcomes: z.array(sweepSeedOutcome), finished: z.boolean(), cancelled: z.boolean(), error: z.string().optional() }),
  /** A swarm's progress, as `sweepProgress` is a sweep's. */
  swarmProgress: z.object({ swarmId, done: z.number(), total: z.number(), outcomes: z.array(swarmSeedOutcome), finished: z.boolean(), cancelled: z.boolean(), error: z.string().optional() }),
  ...guaranteesEvents,
} as const;

export type LabEventName = keyof typeof labEvents;
export type LabEvent<Name extends LabEventName> = z.output<(typeof labEvents)[Name]>;
/** The run's summary as it crosses (ARCHITECTURE §11): the engine's `RunSummary`, checked both ways in src/experiment/summarySchema.ts. */
export type RunSummary = z.output<typeof runSummarySchema>;
/** One window of a live metrics batch: the engine's `MetricsWindow`. */
export type MetricsWindow = z.output<typeof metricsWindowSchema>;
/** One replica in `runState`. */
export type NodeState = z.output<typeof nodeState>;
export type SweepSeedOutcome = z.output<typeof sweepSeedOutcome>;
export type SwarmSeedOutcome = z.output<typeof swarmSeedOutcome>;

/** The lab as the renderer sees it: one method per call, and subscriptions that return an unsubscribe. */
export type LabClient = { [Name in LabCallName]: (request: LabRequest<Name>) => Promise<LabResponse<Name>> } & {
  on<Name extends LabEventName>(event: Name, listener: (payload: LabEvent<Name>) => void): () => void;
};

/** A rejected payload: names the call and every bad field. */
export class ContractError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

export function isLabCall(name: unknown): name is LabCallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(labCalls, name);
}

/** Every bad field of a payload, by its dotted path. */
function problemsOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length === 0 ? '(payload)' : issue.path.join('.')}: ${issue.message}`).join('; ');
}

/** Validates an event's payload (what browser mode's client does with each one); throws ContractError naming the event and the fields. */
export function parseEvent<Name extends LabEventName>(name: Name, payload: unknown): LabEvent<Name> {
  const result = labEvents[name].safeParse(payload);
  if (!result.success) throw new ContractError(`${name}: invalid event: ${problemsOf(result.error)}`);
  return result.data as LabEvent<Name>;
}

/** Validates a call's response (tests, and whoever must not trust the other side); throws ContractError naming the call and the fields. */
export function parseResponse<Name extends LabCallName>(name: Name, payload: unknown): LabResponse<Name> {
  const result = labCalls[name].response.safeParse(payload);
  if (!result.success) throw new ContractError(`${name}: invalid response: ${problemsOf(result.error)}`);
  return result.data as LabResponse<Name>;
}

/** Validates a call's request payload; throws ContractError naming the call and the fields. */
export function parseRequest<Name extends LabCallName>(name: Name, payload: unknown): z.output<(typeof labCalls)[Name]['request']> {
  if (!isLabCall(name)) throw new ContractError(`unknown call "${String(name)}"`);
  const result = labCalls[name].request.safeParse(payload);
  if (!result.success) throw new ContractError(`${name}: invalid payload: ${problemsOf(result.error)}`);
  return result.data as z.output<(typeof labCalls)[Name]['request']>;
}
