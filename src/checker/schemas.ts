import { z } from 'zod';
import type { SchemaAgrees } from '../base/schemaAgrees';
import { formatNames } from '../history/formats/parsed';
import { consistencyChoices } from './checkHistory';
import { consistencyModels, type ModelsBlock } from './consistencyMap';
import type { FindingReason, KeyExplanation, KeyVerdict } from './explainFindings';
import type { Counterexample } from './linearizability';
import type { ViolationKind } from './oracle';
import type { CheckReport } from './report';
import type { ModelVerdict } from './session';

/**
 * The checks' results as zod data, for what crosses the contract (ARCHITECTURE §6, §11): a
 * `caplab check` report, a counterexample, the consistency map and the per-key explanations of a
 * run summary. Each is checked against its TypeScript type both ways at compile time.
 */

/** The oracle's counts by kind (`ViolationKind`). */
export const violationCountsSchema = z.object({ staleRead: z.number(), lostWrite: z.number(), monotonicRead: z.number(), readYourWrites: z.number() });

const counterexampleOperationSchema = z.object({ id: z.number(), clientId: z.number(), call: z.number(), return: z.number().nullable(), description: z.string() });

export const counterexampleSchema = z.object({
  partition: z.string(),
  partitionOperationIds: z.array(z.number()).readonly(),
  linearized: z.array(counterexampleOperationSchema).readonly(),
  stateAfter: z.string(),
  blocked: counterexampleOperationSchema.nullable(),
  explanation: z.string(),
});

const unknownReasonSchema = z.enum(['timeout', 'cancelled', 'memory']);
const violationProofSchema = z.object({ key: z.string(), operations: z.array(z.number()).readonly(), explanation: z.string() });

export const modelVerdictSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('holds') }),
  z.object({ status: z.literal('violated'), ...violationProofSchema.shape }),
  z.object({ status: z.literal('not checked'), reason: z.string() }),
  z.object({ status: z.literal('unknown'), reason: z.string() }),
]);

export const modelsBlockSchema = z.object(Object.fromEntries(consistencyModels.map((model) => [model, modelVerdictSchema])) as Record<(typeof consistencyModels)[number], typeof modelVerdictSchema>);

const findingReasons = ['unobserved', 'overwritten', 'unread', 'indeterminate', 'concurrent', 'agrees', 'undecided', 'contradicting'] as const satisfies readonly FindingReason[];
const keyVerdicts = ['linearizable', 'not linearizable', 'undecided', 'not checked'] as const satisfies readonly KeyVerdict[];
const violationKinds = ['staleRead', 'lostWrite', 'monotonicRead', 'readYourWrites'] as const satisfies readonly ViolationKind[];

export const keyExplanationSchema = z.object({
  key: z.string(),
  checker: z.enum(keyVerdicts),
  findings: violationCountsSchema,
  groups: z.array(z.object({ kind: z.enum(violationKinds), reason: z.enum(findingReasons), count: z.number(), operations: z.array(z.number()).readonly() })).readonly(),
  contradicting: z.number(),
  sentence: z.string(),
});

export const checkReportSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('checked'),
    file: z.string(),
    format: z.enum(formatNames),
    verdict: z.enum(['linearizable', 'not-linearizable', 'sequential', 'not-sequential', 'unknown', 'holds', 'violated']),
    consistency: z.enum(consistencyChoices).optional(),
    unknownReason: unknownReasonSchema.optional(),
    model: z.string(),
    operations: z.number(),
    partitions: z.number(),
    elapsedMs: z.number(),
    counterexample: counterexampleSchema.optional(),
    violation: violationProofSchema.optional(),
  }),
  z.object({ kind: z.literal('bad-input'), file: z.string(), error: z.string() }),
]);

/** Every finding reason, key verdict and violation kind, and no other (a compile error names the one missing). */
type Complete<Union, Listed extends readonly unknown[]> = Exclude<Union, Listed[number]> extends never ? true : never;
const listsComplete: [Complete<FindingReason, typeof findingReasons>, Complete<KeyVerdict, typeof keyVerdicts>, Complete<ViolationKind, typeof violationKinds>] = [true, true, true];
const agrees: [
  SchemaAgrees<typeof counterexampleSchema, Counterexample>,
  SchemaAgrees<typeof modelVerdictSchema, ModelVerdict>,
  SchemaAgrees<typeof modelsBlockSchema, ModelsBlock>,
  SchemaAgrees<typeof keyExplanationSchema, KeyExplanation>,
  SchemaAgrees<typeof violationCountsSchema, Readonly<Record<ViolationKind, number>>>,
  SchemaAgrees<typeof checkReportSchema, CheckReport>,
] = [true, true, true, true, true, true];
void listsComplete;
void agrees;
