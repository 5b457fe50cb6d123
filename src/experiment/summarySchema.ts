import { z } from 'zod';
import type { SchemaAgrees } from '../base/schemaAgrees';
import { keyExplanationSchema, modelsBlockSchema, violationCountsSchema } from '../checker/schemas';
import { latencyPercentilesSchema } from '../metrics/seriesSchema';
import { protocolNames } from '../protocol/replica';
import type { ExpectationResult } from './expect';
import type { RunSummary } from './summary';

/** `RunSummary` (the `run --json` object, ARCHITECTURE §11) as zod data, for what crosses the contract. */

export const expectationResultSchema = z.object({ expr: z.string(), holds: z.boolean(), actual: z.union([z.number(), z.string()]).nullable() });

const served = z.object({ ops: z.number(), served: z.number() });

export const runSummarySchema = z.object({
  experiment: z.string(),
  protocol: z.enum(protocolNames),
  runtime: z.enum(['sim', 'threads']),
  seed: z.number(),
  durationMs: z.number(),
  ops: z.object({ ok: z.number(), fail: z.number(), info: z.number() }),
  availability: z.number().nullable(),
  availabilityBySide: z.object({ majority: z.number().nullable(), minority: z.number().nullable() }),
  offered: z.object({ ops: z.number(), served: z.number(), missed: z.number(), majority: served, minority: served }),
  offeredOpsPerSec: z.number(),
  throughputOpsPerSec: z.number(),
  latencyMs: latencyPercentilesSchema.nullable(),
  latencyMsUncorrected: latencyPercentilesSchema.nullable(),
  violations: z.object({ linearizability: z.number().nullable(), staleRead: z.number(), lostWrite: z.number(), monotonicRead: z.number(), readYourWrites: z.number(), divergence: z.number() }),
  violationsByKey: z.record(z.string(), violationCountsSchema),
  keyExplanations: z.array(keyExplanationSchema).readonly(),
  linearizabilityUnknownKeys: z.number(),
  models: modelsBlockSchema,
  notMeasured: z.record(z.string(), z.string()),
  invariantsBroken: z.array(z.string()).readonly(),
  unsafe: z.array(z.string()).readonly(),
  faultModelExceeded: z.boolean(),
  expectations: z.array(expectationResultSchema).readonly(),
  traceSha256: z.string(),
  messages: z.object({ sent: z.number(), delivered: z.number(), dropped: z.number(), duplicated: z.number() }),
  messagesPerOp: z.number(),
  clusterInvariants: z.object({ checked: z.literal('sampled'), everyMs: z.number(), checkCount: z.number() }).optional(),
  workersUnresponsive: z.array(z.string()).readonly().optional(),
});

const agrees: [SchemaAgrees<typeof runSummarySchema, RunSummary>, SchemaAgrees<typeof expectationResultSchema, ExpectationResult>] = [true, true];
void agrees;
