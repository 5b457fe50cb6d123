import { z } from 'zod';
import { limits } from '../base/limits';
import { latencyProblem } from '../network/latency';
import { expectMetrics, expectationMetric } from './expect';
import { paxosQuorumProblems } from '../protocol/paxos/quorums';
import { protocolNames, unsafeSwitches } from '../protocol/replica';
import { carriesSession } from '../protocol/sessionReads';
import { readPaths } from '../kv/command';
import { roleNemesisKinds } from './nemesisKinds';
import { paxosSettingsDefault, raftSettingsDefault } from '../protocol/settings';

/**
 * The experiment file (ARCHITECTURE §7), validated field by field. Unknown fields are errors, so a
 * typo never silently does nothing. Everything but `protocol` has a default.
 */

const probability = z.number().min(0, 'must be ≥ 0').max(1, 'must be ≤ 1 (a probability, not a percent)');
const positiveMs = z.number().positive('must be > 0 ms');
/** A protocol timing (timeout, heartbeat, lease): positive, and no longer than the longest run. */
const settingMs = positiveMs.max(limits.protocolSettingMsMax, `must be ≤ ${limits.protocolSettingMsMax} ms (the longest run)`);
const nonNegativeMs = z.number().min(0, 'must be ≥ 0 ms');

export const latencySchema = z
  .discriminatedUnion('distribution', [
    z.object({ distribution: z.literal('fixed'), value: nonNegativeMs }).strict(),
    z.object({ distribution: z.literal('uniform'), min: nonNegativeMs, max: nonNegativeMs }).strict(),
    z.object({ distribution: z.literal('normal'), mean: nonNegativeMs, stddev: nonNegativeMs }).strict(),
    z.object({ distribution: z.literal('lognormal'), median: positiveMs, p99: positiveMs }).strict(),
    z.object({ distribution: z.literal('exponential'), mean: nonNegativeMs }).strict(),
  ])
  .superRefine((spec, context) => {
    const problem = latencyProblem(spec);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  });

const nodeName = z.string().regex(/^n[1-9]$/, 'must be a node id n1..n9');
/** Who a node fault hits. */
const target = z.union([nodeName, z.enum(['leader', 'primary', 'random', 'minority', 'majority', 'all'])]);

const writeAck = z.enum(['quorum', 'leader', 'local']);
const readPath = z.enum(readPaths, { error: `must be one of ${readPaths.join(', ')}` });
/** The two knobs; a session's position comes from the log, so `session` and `sync` reads need writes that are in it when acknowledged. */
const consistencyKnobs = z
  .object({ write: writeAck, read: readPath })
  .strict()
  .superRefine((knobs, context) => {
    if (knobs.write === 'local' && carriesSession(knobs.read)) {
      context.addIssue({ code: 'custom', path: ['read'], message: `${knobs.read} needs write quorum or leader: a local write has no log position when it is acknowledged, so the session could not wait for it` });
    }
  });
export const consistencySchema = z.union([z.enum(['cp', 'ap']), consistencyKnobs]);

const partitionShape = z.union([
  z.enum(['majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring']),
  z.array(z.array(nodeName).min(1, 'a partition group needs a node')).min(2, 'an explicit partition needs at least two groups'),
]);

/** The link a network change is limited to: one direction, or both directions between two replicas (ARCHITECTURE §4). */
export type NetworkLink = { readonly from: string; readonly to: string } | { readonly between: [string, string] };

const linkForm = 'must be { from, to } (one direction) or { between: [a, b] } (both directions)';

/**
 * A link as the experiment names it. One object with optional fields rather than a union of two,
 * so a mistake in it is reported on its own field instead of as "no fault shape matches".
 */
export const networkLinkSchema = z
  .object({ from: nodeName.optional(), to: nodeName.optional(), between: z.array(nodeName).optional() })
  .strict()
  .superRefine((link, context) => {
    const directed = link.from !== undefined || link.to !== undefined;
    if (directed === (link.between !== undefined)) return context.addIssue({ code: 'custom', message: linkForm });
    if (link.between !== undefined) {
      if (link.between.length !== 2) return context.addIssue({ code: 'custom', path: ['between'], message: `needs exactly two nodes, got ${link.between.length}` });
      if (link.between[0] === link.between[1]) context.addIssue({ code: 'custom', path: ['between'], message: `needs two different nodes (a link joins two replicas), got ${link.between[0]} twice` });
      return;
    }
    if (link.from === undefined) return context.addIssue({ code: 'custom', path: ['from'], message: `is missing: ${linkForm}` });
    if (link.to === undefined) return context.addIssue({ code: 'custom', path: ['to'], message: `is missing: ${linkForm}` });
    if (link.from === link.to) context.addIssue({ code: 'custom', path: ['to'], message: `must differ from from (a link joins two replicas), got ${link.to} twice` });
  })
  .transform((link): NetworkLink => (link.between !== undefined ? { between: [link.between[0] as string, link.between[1] as string] } : { from: link.from as string, to: link.to as string }));

/**
 * A change of the replica network (ARCHITECTURE §7 `network`): of every link, or with `link` of that
 * link only. The contract's `setNetwork` takes the same shape.
 */
export const networkChangeSchema = z
  .object({ latencyMs: latencySchema.optional(), drop: probability.optional(), duplicate: probability.optional(), reorder: probability.optional(), link: networkLinkSchema.optional() })
  .strict()
  .superRefine((change, context) => {
    const settings = (['latencyMs', 'drop', 'duplicate', 'reorder'] as const).filter((key) => change[key] !== undefined);
    if (change.link !== undefined && settings.length === 0) context.addIssue({ code: 'custom', path: ['link'], message: 'names a link but changes nothing: set latencyMs, drop, duplicate or reorder' });
  });

/** The nodes a link names. */
export function linkNodes(link: NetworkLink): string[] {
  return 'between' in link ? [...link.between] : [link.from, link.to];
}

const atMs = nonNegativeMs;
/** The actions a scheduled fault may take, in the order of `faultSchema`'s shapes. */
const faultActions = ['partition', 'crash', 'restart', 'pause', 'resume', 'clock', 'network', 'consistency', 'heal'] as const;
/** One scheduled fault: `atMs` plus exactly one action (one shape per action, in `faultActions` order). */
export const faultSchema = z.union([
  z.object({ atMs, partition: partitionShape }).strict(),
  z.object({ atMs, crash: target, amnesia: z.boolean().optional() }).strict(),
  z.object({ atMs, restart: target }).strict(),
  z.object({ atMs, pause: target, forMs: positiveMs.optional() }).strict(),
  z.object({ atMs, resume: target }).strict(),
  z.object({ atMs, clock: z.object({ node: target, driftPpm: z.number().gt(-1_000_000).lt(1_000_000).optional(), offsetMs: z.number().optional() }).strict() }).strict(),
  z.object({ atMs, network: networkChangeSchema }).strict(),
  z.object({ atMs, consistency: consistencySchema }).strict(),
  z.object({ atMs, heal: z.literal(true) }).strict(),
]);

const nemesisKind = z.enum(['partition', 'crash', 'pause', 'clock', 'drop', 'duplicate', 'reorder', ...roleNemesisKinds]);

const raftSettings = z
  .object({
    electionTimeoutMs: z.tuple([settingMs, settingMs]).optional(),
    heartbeatMs: settingMs.optional(),
    preVote: z.boolean().optional(),
    checkQuorum: z.boolean().optional(),
    leaseMs: settingMs.optional(),
    clockDriftBoundPpm: z.number().min(0).lt(1_000_000).optional(),
    snapshotEveryEntries: z.number().int().min(1).optional(),
    maxEntriesPerAppend: z.number().int().min(1).max(limits.entriesPerMessageMax).optional(),
  })
  .strict();

const vrSettings = z
  .object({
    viewChangeTimeoutMs: z.tuple([settingMs, settingMs]).optional(),
    commitIntervalMs: settingMs.optional(),
    leaseMs: settingMs.optional(),
    clockDriftBoundPpm: z.number().min(0).lt(1_000_000).optional(),
    checkpointEveryOps: z.number().int().min(1).optional(),
    maxEntriesPerMessage: z.number().int().min(1).max(limits.entriesPerMessageMax).optional(),
  })
  .strict();

const paxosSettings = z
  .object({
    electionTimeoutMs: z.tuple([settingMs, settingMs]).optional(),
    heartbeatMs: settingMs.optional(),
    backoff: z.boolean().optional(),
    backoffMaxMs: settingMs.optional(),
    leaseMs: settingMs.optional(),
    clockDriftBoundPpm: z.number().min(0).lt(1_000_000).optional(),
    snapshotEveryEntries: z.number().int().min(1).optional(),
    windowSlots: z.number().int().min(1).max(limits.entriesPerMessageMax).optional(),
    maxEntriesPerMessage: z.number().int().min(1).max(limits.entriesPerMessageMax).optional(),
    phase1Quorum: z.number().int().min(1).max(limits.nodesMax).nullable().optional(),
    phase2Quorum: z.number().int().min(1).max(limits.nodesMax).nullable().optional(),
  })
  .strict();

/** Each protocol's setting names: a name that belongs only to another protocol is an error. */
const settingNames = { raft: Object.keys(raftSettings.shape), vr: Object.keys(vrSettings.shape), paxos: Object.keys(paxosSettings.shape) } as const;

const expectation = z.string().regex(/^\s*[A-Za-z][\w.]*\s*(==|!=|<=|>=|<|>)\s*-?\d+(\.\d+)?\s*$/, 'must read "<metric> <op> <number>", e.g. "violations.linearizability == 0"');

export const experimentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be kebab-case, e.g. raft-partition-cp').default('experiment'),
    title: z.string().min(1).default('Untitled experiment'),
    description: z.string().default(''),
    protocol: z.enum(protocolNames),
    nodes: z.number().int().min(limits.nodesMin).max(limits.nodesMax).default(5),
    runtime: z.enum(['sim', 'threads']).default('sim'),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
    durationMs: z.number().int().positive().max(limits.durationMsMax).default(20_000),
    /** Set when a user stopped the run early: the workload stopped here, so a replay stops here too. */
    stoppedAtMs: z.number().int().positive().max(limits.durationMsMax).optional(),
    tickMs: z.number().int().min(limits.tickMsMin).max(limits.tickMsMax).default(10),
    speed: z.union([z.literal('max'), z.number().min(0.1).max(100)]).default('max'),
    fsyncMs: nonNegativeMs.default(0),
    protocolSettings: z.union([raftSettings, vrSettings, paxosSettings]).default({}),
    consistency: consistencySchema.default('cp'),
    workload: z
      .object({
        clients: z.number().int().min(1).max(limits.clientsMax).default(8),
        ratePerSec: z.number().positive().max(limits.ratePerSecMax).default(200),
        mix: z.object({ read: probability.default(0.5), write: probability.default(0.4), cas: probability.default(0.1) }).strict().default({ read: 0.5, write: 0.4, cas: 0.1 }),
        keys: z.number().int().min(1).max(limits.keysMax).default(5),
        keyDistribution: z.enum(['uniform', 'zipf']).default('uniform'),
        zipfExponent: z.number().positive().default(1),
        timeoutMs: positiveMs.default(500),
        routing: z.enum(['leader-hint', 'sticky', 'random']).default('leader-hint'),
      })
      .strict()
      .default({ clients: 8, ratePerSec: 200, mix: { read: 0.5, write: 0.4, cas: 0.1 }, keys: 5, keyDistribution: 'uniform', zipfExponent: 1, timeoutMs: 500, routing: 'leader-hint' }),
    network: z
      .object({
        latencyMs: latencySchema.default({ distribution: 'lognormal', median: 5, p99: 40 }),
        clientLatencyMs: latencySchema.default({ distribution: 'fixed', value: 0.5 }),
        drop: probability.default(0),
        duplicate: probability.default(0),
        reorder: probability.default(0),
      })
      .strict()
      .default({ latencyMs: { distribution: 'lognormal', median: 5, p99: 40 }, clientLatencyMs: { distribution: 'fixed', value: 0.5 }, drop: 0, duplicate: 0, reorder: 0 }),
    faults: z.array(faultSchema).default([]),
    nemesis: z
      .object({
        kinds: z.array(nemesisKind).min(1, 'name at least one nemesis kind'),
        intervalMs: z.tuple([positiveMs, positiveMs]).default([500, 3000]),
        untilMs: positiveMs.optional(),
        /** Short gaps mixed in: each gap is drawn from `intervalMs` here with probability `share`, else from the long range. */
        shortIntervals: z.object({ intervalMs: z.tuple([positiveMs, positiveMs]), share: probability }).strict().optional(),
        /** Allow crashes beyond the protocol's fault model (more than f at once). */
        exceedFaultModel: z.boolean().default(false),
      })
      .strict()
      .optional(),
    unsafe: z.array(z.enum(unsafeSwitches)).default([]),
    expect: z.array(expectation).default([]),
  })
  .strict()
  .superRefine((experiment, context) => {
    const mix = experiment.workload.mix;
    const total = mix.read + mix.write + mix.cas;
    if (Math.abs(total - 1) > 1e-9) context.addIssue({ code: 'custom', path: ['workload', 'mix'], message: `read + write + cas must add up to 1, got ${+total.toFixed(6)}` });
    const settings = experiment.protocolSettings as Record<string, unknown>;
    const own: readonly string[] = settingNames[experiment.protocol];
    for (const key of Object.keys(settings)) {
      if (!own.includes(key)) context.addIssue({ code: 'custom', path: ['protocolSettings', key], message: `is not a ${experiment.protocol} setting` });
    }
    if (experiment.protocol === 'paxos') {
      const quorums = { phase1Quorum: (settings.phase1Quorum as number | null | undefined) ?? null, phase2Quorum: (settings.phase2Quorum as number | null | undefined) ?? null };
      for (const problem of paxosQuorumProblems(experiment.nodes, quorums, experiment.unsafe.includes('nonIntersectingQuorums'))) {
        context.addIssue({ code: 'custom', path: ['protocolSettings', problem.field], message: problem.message });
      }
    }
    for (const range of ['electionTimeoutMs', 'viewChangeTimeoutMs'] as const) {
      const value = settings[range] as [number, number] | undefined;
      if (value !== undefined && value[0] > value[1]) context.addIssue({ code: 'custom', path: ['protocolSettings', range], message: 'needs [min, max] with min ≤ max' });
    }
    if (experiment.protocol === 'raft' || experiment.protocol === 'paxos') {
      // Raft's and Paxos's own bounds (raft/node.ts raftTicks, paxos/node.ts), named here by field and with the defaults filled in.
      const defaults = experiment.protocol === 'raft' ? raftSettingsDefault : paxosSettingsDefault;
      const electionMs = (settings.electionTimeoutMs as [number, number] | undefined) ?? defaults.electionTimeoutMs;
      for (const field of ['heartbeatMs', 'leaseMs'] as const) {
        const value = (settings[field] as number | undefined) ?? defaults[field];
        const given = settings[field] !== undefined;
        if (value >= electionMs[0]) context.addIssue({ code: 'custom', path: ['protocolSettings', given ? field : 'electionTimeoutMs'], message: `${field} ${value}${given ? '' : ' (the default)'} must be shorter than the election timeout's minimum ${electionMs[0]} ms` });
      }
    }
    experiment.faults.forEach((fault, index) => {
      if (fault.atMs > experiment.durationMs) context.addIssue({ code: 'custom', path: ['faults', index, 'atMs'], message: `is after the end of the run (durationMs ${experiment.durationMs})` });
      for (const { path, message } of faultNodeProblems(fault, experiment.nodes)) context.addIssue({ code: 'custom', path: ['faults', index, ...path], message });
    });
    if (experiment.stoppedAtMs !== undefined && experiment.stoppedAtMs > experiment.durationMs) {
      context.addIssue({ code: 'custom', path: ['stoppedAtMs'], message: `is after the end of the run (durationMs ${experiment.durationMs})` });
    }
    if (experiment.nemesis?.untilMs !== undefined && experiment.nemesis.untilMs > experiment.durationMs) {
      context.addIssue({ code: 'custom', path: ['nemesis', 'untilMs'], message: `is after the end of the run (durationMs ${experiment.durationMs})` });
    }
    experiment.expect.forEach((expr, index) => {
      const metric = expectationMetric(expr);
      if (metric !== null && !(expectMetrics as readonly string[]).includes(metric)) {
        context.addIssue({ code: 'custom', path: ['expect', index], message: `names the metric "${metric}", which a run does not have; the metrics are ${expectMetrics.join(', ')}` });
      }
    });
    const [low, high] = experiment.nemesis?.intervalMs ?? [0, 0];
    if (low > high) context.addIssue({ code: 'custom', path: ['nemesis', 'intervalMs'], message: 'needs [min, max] with min ≤ max' });
    const [shortLow, shortHigh] = experiment.nemesis?.shortIntervals?.intervalMs ?? [0, 0];
    if (shortLow > shortHigh) context.addIssue({ code: 'custom', path: ['nemesis', 'shortIntervals', 'intervalMs'], message: 'needs [min, max] with min ≤ max' });
  });

/** The nodes a fault names, each with where it names it (a link's nodes sit under `network.link`). */
function nodesNamed(fault: Fault): Array<{ node: string; path: string[] }> {
  const named: Array<{ node: string; path: string[] }> = [];
  const add = (value: unknown, path: string[] = []) => {
    if (typeof value === 'string' && /^n\d$/.test(value)) named.push({ node: value, path });
  };
  if ('partition' in fault && Array.isArray(fault.partition)) fault.partition.flat().forEach((node) => add(node));
  if ('crash' in fault) add(fault.crash);
  if ('restart' in fault) add(fault.restart);
  if ('pause' in fault) add(fault.pause);
  if ('resume' in fault) add(fault.resume);
  if ('clock' in fault) add(fault.clock.node);
  if ('network' in fault && fault.network.link !== undefined) for (const node of linkNodes(fault.network.link)) add(node, ['network', 'link']);
  return named;
}

/**
 * What is wrong with the nodes a fault names, in a cluster of n1..n`nodeCount`: a node it does not
 * have, or a node in two groups of a partition. Each problem has its path inside the fault. The
 * one check of the nodes of a scheduled fault and of the app's actions (`LabService`), so what
 * the app records as a fault always replays.
 */
export function faultNodeProblems(fault: Fault, nodeCount: number): Array<{ path: string[]; message: string }> {
  const problems = nodesNamed(fault)
    .filter(({ node }) => Number(node.slice(1)) > nodeCount)
    .map(({ node, path }) => ({ path, message: `names ${node}, but the cluster has nodes n1..n${nodeCount}` }));
  if ('partition' in fault && Array.isArray(fault.partition)) {
    const listed = fault.partition.flat();
    const twice = [...new Set(listed.filter((node, index) => listed.indexOf(node) !== index))];
    if (twice.length > 0) problems.push({ path: ['partition'], message: `puts ${twice.join(' and ')} in two groups; each node belongs to one group` });
  }
  return problems;
}

/** The nodes a link names that a cluster of n1..n`nodeCount` does not have. */
export function unknownLinkNodes(link: NetworkLink, nodeCount: number): string[] {
  return linkNodes(link).filter((node) => Number(node.slice(1)) > nodeCount);
}

/**
 * The fields that run an experiment on another protocol: the protocol, and no protocol settings
 * (they are per protocol). Empty when `to` is none or the same.
 */
export function protocolChange<Protocol extends string>(from: string, to: Protocol | undefined): { protocol?: Protocol; protocolSettings?: Record<string, never> } {
  return to === undefined || to === from ? {} : { protocol: to, protocolSettings: {} };
}

/** An experiment after validation, every default filled in. */
export type Experiment = z.output<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;
export type Fault = z.output<typeof faultSchema>;
export type Consistency = z.output<typeof consistencySchema>;
export type NemesisKind = z.output<typeof nemesisKind>;

/** A bad experiment: every problem, each naming its field. */
export class ExperimentError extends Error {
  constructor(
    readonly problems: readonly string[],
    source: string,
  ) {
    super(`${source}: invalid experiment\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ExperimentError';
  }
}

function describePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join('');
}

/**
 * When a fault names exactly one action, the issues of that action's shape (paths from the top),
 * so a mistake deep inside it (a link's node, say) is named instead of "no shape matches". Null
 * when it names none or several, or the shape's own issues are unions again.
 */
function meantFaultIssues(issue: z.core.$ZodIssueInvalidUnion, document: unknown): z.core.$ZodIssue[] | null {
  const [field, index] = issue.path;
  if (field !== 'faults' || typeof index !== 'number' || issue.path.length !== 2) return null;
  const faults = (document as { faults?: unknown } | null)?.faults;
  const fault: unknown = Array.isArray(faults) ? faults[index] : undefined;
  if (typeof fault !== 'object' || fault === null) return null;
  const actions = faultActions.filter((action) => action in fault);
  if (actions.length !== 1) return null;
  const meant = issue.errors[faultActions.indexOf(actions[0] as (typeof faultActions)[number])];
  if (meant === undefined || meant.length === 0 || meant.some((inner) => inner.code === 'invalid_union')) return null;
  return meant.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
}

/**
 * For `protocolSettings`, which is one shape per protocol, the issues of the experiment's own
 * protocol's shape (paths from the top), so `electionTimeoutMs: [0, 0]` is named rather than
 * "Invalid input". Null when the protocol is not known.
 */
function protocolSettingsIssues(issue: z.core.$ZodIssueInvalidUnion, document: unknown): z.core.$ZodIssue[] | null {
  if (issue.path.length !== 1 || issue.path[0] !== 'protocolSettings') return null;
  const protocol = (document as { protocol?: unknown } | null)?.protocol;
  const index = (protocolNames as readonly string[]).indexOf(String(protocol));
  const meant = index < 0 ? undefined : issue.errors[index];
  if (meant === undefined || meant.length === 0) return null;
  return meant.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
}

function describeIssue(issue: z.core.$ZodIssue, document: unknown): string[] {
  const path = describePath(issue.path);
  if (issue.code === 'invalid_union') {
    const meant = protocolSettingsIssues(issue, document);
    if (meant !== null) return meant.flatMap((inner) => describeIssue(inner, document));
  }
  if (issue.code === 'unrecognized_keys') return [`${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`];
  if (issue.code === 'invalid_union' && issue.path.length > 0 && issue.path[0] === 'faults') {
    const meant = meantFaultIssues(issue, document);
    if (meant !== null) return meant.flatMap((inner) => describeIssue(inner, document));
    return [`${path}: must be { atMs, <one of ${faultActions.join(' | ')}> }`];
  }
  if (issue.code === 'invalid_union') {
    // Any other union (consistency, speed …): say what each allowed form wanted, never a bare "Invalid input".
    const wanted = [...new Set(issue.errors.map((branch) => (branch[0] === undefined ? null : `${branch[0].path.length > 0 ? `${describePath(branch[0].path)} ` : ''}${branch[0].message}`)).filter((text): text is string => text !== null))];
    if (wanted.length > 0) return [`${path}: matches none of its forms: ${wanted.join('; or ')}`];
  }
  return [`${path}: ${issue.message}`];
}

/** Validates a parsed document; throws ExperimentError naming each bad field. */
export function validateExperiment(document: unknown, source = 'experiment'): Experiment {
  const result = experimentSchema.safeParse(document);
  if (result.success) return result.data;
  throw new ExperimentError(result.error.issues.flatMap((issue) => describeIssue(issue, document)), source);
}
