import { z } from 'zod';
import { type ClientId, clientId, type NodeId, nodeId, type RequestId, requestId } from '../base/ids';
import type { ClientReply, ClientRequest, ConsistencyPolicy, ReadPath, WriteAck } from '../kv/command';
import { NodeClock } from '../network/clock';
import type { ObservedEvent, ReplicaView, SafetyFacts, UnsafeSwitch } from '../protocol/replica';
import { roleSchema } from '../protocol/roleSchema';
import { operationInputSchema, operationOutputSchema } from '../history/traceSchema';
import type { Operation } from '../history/operation';
import type { Experiment } from '../experiment/schema';
import type { RunSummary } from '../experiment/summary';
import type { SwarmProtocol } from '../swarm/draw';
import type { SwarmFailure } from '../swarm/judge';
import type { ConsistencyChoice } from '../checker/checkHistory';
import type { ModelName } from '../checker/models';


/**
 * The thread boundary of the live runtime (ARCHITECTURE §3): every message between the main process
 * and a replica worker, and the checker worker's tasks, as zod data. Both sides parse what they
 * receive (`parseToReplica`, `parseFromReplica`), so a worker and a main process that disagree
 * about a field fail loudly, naming it, instead of misreading each other. The protocol's own
 * messages, persist records and disk images pass through as the protocol's data: the host only
 * checks they are objects with a `kind` (messages, records), since only the protocol reads them.
 */

// ---- Engine values ---------------------------------------------------------------------------------------

const nodeIdSchema = z.string().regex(/^n[1-9]$/, 'must be a node id n1..n9').transform((value): NodeId => nodeId(value));
const requestIdSchema = z.number().int().min(0).transform((value): RequestId => requestId(value));
const clientIdSchema = z.number().int().min(0).transform((value): ClientId => clientId(value));

export { roleSchema };

export const replicaViewSchema = z.object({
  id: nodeIdSchema,
  role: roleSchema,
  term: z.number(),
  leader: nodeIdSchema.nullable(),
  commitIndex: z.number(),
  appliedIndex: z.number(),
  lastIndex: z.number(),
  snapshotIndex: z.number(),
  logEntryCount: z.number(),
  acceptedCount: z.number().optional(),
}) satisfies z.ZodType<ReplicaView, unknown>;

export const observedEventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('role'), role: roleSchema, term: z.number(), leader: nodeIdSchema.nullable() }),
  z.object({ kind: z.literal('commit'), commitIndex: z.number() }),
  z.object({ kind: z.literal('apply'), index: z.number(), term: z.number(), digest: z.string() }),
  z.object({ kind: z.literal('snapshot'), index: z.number() }),
  z.object({ kind: z.literal('log-append'), from: z.number().int(), to: z.number().int(), term: z.number(), commands: z.array(z.string()).readonly().optional() }),
  z.object({ kind: z.literal('log-truncate'), from: z.number().int() }),
  z.object({ kind: z.literal('log-restore'), snapshotIndex: z.number().int(), runs: z.array(z.tuple([z.number().int(), z.number().int(), z.number()]).readonly()).readonly() }),
  z.object({ kind: z.literal('applied'), index: z.number().int() }),
  z.object({ kind: z.literal('ignored'), message: z.string(), from: z.union([nodeIdSchema, z.templateLiteral(['client ', z.number()])]), reason: z.string() }),
]) satisfies z.ZodType<ObservedEvent, unknown>;

const writeAcks = ['quorum', 'leader', 'local'] as const satisfies readonly WriteAck[];
const readPaths = ['linearizable', 'lease', 'leader', 'sync', 'session', 'majority', 'local'] as const satisfies readonly ReadPath[];
/** Every write acknowledgement and read path, and no other (a compile error names the one missing). */
const writeAcksComplete: Exclude<WriteAck, (typeof writeAcks)[number]> extends never ? true : never = true;
const readPathsComplete: Exclude<ReadPath, (typeof readPaths)[number]> extends never ? true : never = true;

/** A client's command: the same three operations a history records. */
const kvCommandSchema = operationInputSchema;

/** A consistency policy (`ConsistencyPolicy`): the write acknowledgement and the read path. */
export const consistencyPolicySchema = z.object({ write: z.enum(writeAcks), read: z.enum(readPaths) }) satisfies z.ZodType<ConsistencyPolicy, unknown>;

export const clientRequestSchema = z.object({
  requestId: requestIdSchema,
  clientId: clientIdSchema,
  sequence: z.number().int(),
  command: kvCommandSchema,
  policy: consistencyPolicySchema,
  afterIndex: z.number().int().optional(),
}) satisfies z.ZodType<ClientRequest, unknown>;

export const clientReplySchema = z.object({
  requestId: requestIdSchema,
  clientId: clientIdSchema,
  result: z.discriminatedUnion('type', [
    z.object({ type: z.literal('ok'), value: z.string().nullable().optional() }),
    z.object({ type: z.literal('fail'), reason: z.enum(['cas-mismatch', 'not-leader', 'recovering', 'unavailable']) }),
  ]),
  leaderHint: nodeIdSchema.nullable(),
  index: z.number().int().optional(),
}) satisfies z.ZodType<ClientReply, unknown>;

/**
 * Compile-time: every value of the engine's type `T` is accepted by the schema — a field or a
 * variant the engine gains and the schema lacks is a type error here, not a message the other
 * side refuses (`satisfies` above checks the other direction: what the schema gives is a `T`).
 */
type Accepts<Schema extends z.ZodType, T> = [T] extends [z.input<Schema>] ? true : never;
const schemasComplete: [Accepts<typeof observedEventSchema, ObservedEvent>, Accepts<typeof clientRequestSchema, ClientRequest>, Accepts<typeof clientReplySchema, ClientReply>, Accepts<typeof replicaViewSchema, ReplicaView>] = [true, true, true, true];

/** A protocol message or persist record: the protocol's own object, named by its `kind`. */
export const protocolRecordSchema = z.looseObject({ kind: z.string() });
export type ProtocolRecord = z.input<typeof protocolRecordSchema>;
/** A disk image: the protocol's own object (null: nothing durable yet, or a protocol that keeps none). */
export const diskImageSchema = z.looseObject({}).nullable();

export const safetyFactsSchema = z.object({
  node: nodeIdSchema,
  eraName: z.enum(['term', 'view', 'ballot']),
  era: z.string(),
  leads: z.boolean(),
  commitIndex: z.number(),
  committedFrom: z.number().int().min(0),
  committed: z.array(z.string()),
}) satisfies z.ZodType<SafetyFacts, unknown>;

// ---- Time ------------------------------------------------------------------------------------------------

/** The run's time: lab time (µs) ran from `labUs` at wall time `wallMs` at `scale` lab-ms per wall-ms. */
export const labTimeSchema = z.object({
  labUs: z.number(),
  /** Epoch ms (performance.timeOrigin + performance.now()), comparable across threads. */
  wallMs: z.number(),
  scale: z.number().positive(),
  /** False while the whole run is paused: lab time stands still. */
  running: z.boolean(),
});
export type LabTime = z.output<typeof labTimeSchema>;

/** A node's clock: at lab time `atLabUs` it reads `atLabUs + offsetUs` and runs at 1 + drift. */
export const clockSettingSchema = z.object({ atLabUs: z.number(), offsetUs: z.number(), driftPpm: z.number().gt(-1e6) });
export type ClockSetting = z.output<typeof clockSettingSchema>;

/** Lab time (µs) at wall time `wallMs`, the same computation in every thread. */
export function labNowUs(time: LabTime, wallMs: number): number {
  if (!time.running) return time.labUs;
  return Math.max(time.labUs, Math.floor(time.labUs + (wallMs - time.wallMs) * 1000 * time.scale));
}

/** A NodeClock set as the main process describes it. */
export function clockFromSetting(setting: ClockSetting): NodeClock {
  const clock = new NodeClock();
  clock.setDrift(setting.atLabUs, setting.driftPpm);
  clock.shift(setting.atLabUs, setting.offsetUs);
  return clock;
}

/** How a worker rebuilds the node's clock: its reading and rate at lab time `nowUs`. */
export function clockSetting(clock: NodeClock, nowUs: number): ClockSetting {
  return { atLabUs: nowUs, offsetUs: clock.localUs(nowUs) - nowUs, driftPpm: clock.driftPpm };
}

// ---- Main → replica worker ------------------------------------------------------------------------------

/** `InputBatch.senders` entry of a client request (the payload is a `ClientRequest`). */
export const clientSender = -1;

/**
 * The replica's inputs in the order the bus delivered them, as two columns: `payloads[i]` came
 * from the replica at index `senders[i]` (of the experiment's node ids), or is a client request
 * when that is `clientSender`. Columns rather than one object per input: structured cloning
 * costs per object, and every message is cloned twice on its way (worker → main → worker).
 * Each payload is parsed as what its sender says it is (`clientRequestSchema` or
 * `protocolRecordSchema`) where the worker takes it in.
 */
export const inputBatchSchema = z
  .object({ senders: z.array(z.number().int().min(clientSender)), payloads: z.array(z.union([protocolRecordSchema, clientRequestSchema])) })
  .refine((batch) => batch.senders.length === batch.payloads.length, 'an input batch has one sender per payload')
  .refine((batch) => batch.payloads.every((payload, position) => (batch.senders[position] === clientSender) === !('kind' in payload)), 'a client sends a client request, a replica a protocol record');
export type InputBatch = z.input<typeof inputBatchSchema>;

export const toReplicaSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('inputs'), batch: inputBatchSchema }),
  z.object({ kind: z.literal('time'), time: labTimeSchema }),
  z.object({ kind: z.literal('clock'), clock: clockSettingSchema }),
  z.object({ kind: z.literal('pause') }),
  z.object({ kind: z.literal('resume') }),
  /** Asks for the replica's applied key-values (end-of-run divergence check). */
  z.object({ kind: z.literal('inspect') }),
  /** Asks for the replica's safety facts, for the cluster-wide check (`main/lab/clusterCheck.ts`). */
  z.object({ kind: z.literal('facts') }),
  /** Asks for a `pong` (the main process's watchdog: a worker that stops answering is unresponsive). */
  z.object({ kind: z.literal('ping') }),
]);
export type ToReplicaWorker = z.input<typeof toReplicaSchema>;

/** What a replica worker starts with (its `workerData`). */
export const replicaWorkerDataSchema = z.object({
  role: z.literal('replica'),
  /** The validated experiment; the worker validates it again (`validateExperiment`). */
  experiment: z.looseObject({}),
  id: nodeIdSchema,
  /** The node's durable state as the main process kept it; null on first start. */
  disk: diskImageSchema,
  /** 0 on first start; every restart increments it (VR: a restart runs recovery). */
  incarnation: z.number().int().min(0),
  time: labTimeSchema,
  clock: clockSettingSchema,
  paused: z.boolean(),
  /** Per-replica invariants after every input (as the simulator does). */
  checkInvariants: z.boolean(),
  /** Tests and benchmarks only: a module whose `protocol` export replaces the experiment's protocol. */
  protocolModule: z.string().optional(),
});
export type ReplicaWorkerData = z.input<typeof replicaWorkerDataSchema>;

// ---- Replica worker → main ------------------------------------------------------------------------------

export const fromReplicaSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('outputs'),
    /** Durable before anything below leaves (ARCHITECTURE §2 host rule). */
    persist: z.array(protocolRecordSchema),
    /** Messages to other replicas: `messages[i]` goes to the node at index `to[i]` (columns, as `InputBatch`). */
    to: z.array(z.number().int().min(0)),
    messages: z.array(protocolRecordSchema),
    replies: z.array(clientReplySchema),
    events: z.array(observedEventSchema),
    view: replicaViewSchema,
    invariantsBroken: z.array(z.string()),
  }),
  z.object({ kind: z.literal('state'), view: replicaViewSchema, keyValues: z.array(z.tuple([z.string(), z.string()])) }),
  z.object({ kind: z.literal('facts'), facts: safetyFactsSchema }),
  z.object({ kind: z.literal('pong') }),
]);
export type FromReplicaWorker = z.input<typeof fromReplicaSchema>;
export type FromReplicaWorkerParsed = z.output<typeof fromReplicaSchema>;

/** A message that broke the worker contract: which side, and every bad field. */
export class WorkerContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerContractError';
  }
}

function parseWith<Schema extends z.ZodType>(schema: Schema, what: string, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${issue.path.length === 0 ? '(message)' : issue.path.join('.')}: ${issue.message}`);
  throw new WorkerContractError(`${what} breaks the worker contract: ${problems.join('; ')}`);
}

/** What the main process sent a replica worker, checked (the worker's side). */
export const parseToReplica = (value: unknown) => parseWith(toReplicaSchema, 'a message to a replica worker', value);
/** What a replica worker sent, checked (the main process's side). */
export const parseFromReplica = (value: unknown) => parseWith(fromReplicaSchema, 'a message from a replica worker', value);
/** A replica worker's start data, checked. */
export const parseReplicaWorkerData = (value: unknown) => parseWith(replicaWorkerDataSchema, 'a replica worker\'s start data', value);

// ---- The checker worker -----------------------------------------------------------------------------------

/** One operation of a lab history (ARCHITECTURE §5). */
const operationSchema = z.object({
  id: z.number().int().min(0),
  clientId: z.number().int().min(0),
  call: z.number(),
  return: z.number().nullable(),
  input: kvCommandSchema,
  output: operationOutputSchema,
}) satisfies z.ZodType<Operation, unknown>;

// The checker's names, listed here (type-checked against its own lists) so the replica worker's bundle carries no checker code.
const modelNames = ['cas-register', 'register', 'kv', 'kv-single-map', 'kv-cas-register'] as const satisfies readonly ModelName[];
const consistencyChoices = ['linearizable', 'sequential', 'read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const satisfies readonly ConsistencyChoice[];

const formatSchema = z.enum(['auto', 'jepsen-edn', 'etcd-log', 'porcupine-kv', 'caplab-history']);

/**
 * A checker task: a history file's text as the user gave it (`text`), or one key of a lab run's
 * history as operations (`lab-key`), which is checked as the simulator checks it (`checkLabKey`)
 * and answered with the search's own result. Optional SharedArrayBuffers let the caller cancel
 * cooperatively and read the progress; they cross threads as they are.
 */
/**
 * A SharedArrayBuffer, checked without naming the global at load: a browser page that is not
 * cross-origin isolated (the app in browser mode) has no SharedArrayBuffer, and this module is
 * loaded there through src/contract/lab.ts, so `z.instanceof(SharedArrayBuffer)` stopped the app.
 */
const sharedBuffer = z.custom<SharedArrayBuffer>((value) => typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer, 'must be a SharedArrayBuffer');

export const checkerTaskSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('text'),
    file: z.string(),
    text: z.string(),
    format: formatSchema,
    model: z.enum(modelNames).optional(),
    initial: z.string().optional(),
    timeoutMs: z.number().int().positive().optional(),
    consistency: z.enum(consistencyChoices).optional(),
    cancelFlag: sharedBuffer.optional(),
    progress: sharedBuffer.optional(),
  }),
  z.object({ kind: z.literal('lab-key'), key: z.string(), operations: z.array(operationSchema), timeoutMs: z.number().int().positive() }),
]);
export type CheckerTask = z.input<typeof checkerTaskSchema>;
export const parseCheckerTask = (value: unknown) => parseWith(checkerTaskSchema, 'a checker task', value);

/** The one key of a lab history a `lab-key` task checks, as plain operations. */
export function labKeyTask(key: string, operations: readonly Operation[], timeoutMs: number): CheckerTask {
  return { kind: 'lab-key', key, operations: operations.map(({ id, clientId: client, call, return: returned, input, output }) => ({ id, clientId: client, call, return: returned, input, output })), timeoutMs };
}

/** Shared counters a check writes its progress into, and their reading (operations done, of all). */
export function createCheckProgress(): { readonly buffer: SharedArrayBuffer; read(): { operationsDone: number; operationsTotal: number } } {
  const buffer = new SharedArrayBuffer(8);
  const view = new Int32Array(buffer);
  return { buffer, read: () => ({ operationsDone: Atomics.load(view, 0), operationsTotal: Atomics.load(view, 1) }) };
}

/** A cancel flag to hand to a task, and the function that raises it. */
export function createCancelFlag(): { readonly buffer: SharedArrayBuffer; cancel(): void } {
  const buffer = new SharedArrayBuffer(4);
  const view = new Int32Array(buffer);
  return { buffer, cancel: () => void Atomics.store(view, 0, 1) };
}

// ---- The sweep and swarm workers ---------------------------------------------------------------------------

/** One seed of a sweep, for `workers/sweep.worker.ts` (the experiment is validated again there). */
export interface SweepTask {
  readonly experiment: unknown;
  readonly seed: number;
}

export interface SweepOutcome {
  readonly seed: number;
  readonly passed: boolean;
  readonly summary: RunSummary;
}

/** One seed of a swarm, for `workers/swarm.worker.ts` (ARCHITECTURE §14). */
/** A swarm seed to shrink (`shrinkSeed` in the swarm worker): the same fields as a seed to run. */
export type ShrinkTask = SwarmTask;

/** A shrunk seed. */
export interface ShrinkOutcome {
  /** The shrunk experiment as a file, or null when the seed does not fail (or its faults written out no longer fail alike). */
  readonly yaml: string | null;
  readonly faultsBefore: number;
  readonly faultsAfter: number;
  readonly runs: number;
}

export interface SwarmTask {
  readonly protocol: SwarmProtocol;
  readonly seed: number;
  readonly unsafe: readonly UnsafeSwitch[];
}

export interface SwarmOutcome {
  readonly seed: number;
  readonly passed: boolean;
  readonly failure: SwarmFailure | null;
  readonly safety: readonly string[];
  readonly liveness: readonly string[];
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly traceSha256: string;
  /**
   * Keys the linearizability check left undecided within its budget: a seed that passed with some
   * is a pass with those keys unchecked, and the report says so rather than counting it clean.
   */
  readonly undecidedKeys: number;
  /** Where the liveness phase's bound ends, ms. */
  readonly convergedByMs: number;
  /** The drawn experiment, for a failing seed: its parameter manifest. */
  readonly manifest?: Experiment;
}

void writeAcksComplete;
void readPathsComplete;
void schemasComplete;
