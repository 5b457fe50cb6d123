import { z } from 'zod';
import type { SchemaAgrees } from '../base/schemaAgrees';
import { roleSchema } from '../protocol/roleSchema';
import type { OperationInput, OperationOutput } from './operation';
import { type TraceEvent, traceFormat } from './trace';

/**
 * `TraceEvent` as zod data (ARCHITECTURE §9), for what crosses the contract: the live trace
 * batches. A discriminated union on `kind`, no transforms, so a batch of thousands of events is
 * checked by one lookup and a few field tests per event.
 */

export const operationInputSchema = z.discriminatedUnion('f', [
  z.object({ f: z.literal('read'), key: z.string() }),
  z.object({ f: z.literal('write'), key: z.string(), value: z.string() }),
  z.object({ f: z.literal('cas'), key: z.string(), from: z.string().nullable(), to: z.string() }),
]);

export const operationOutputSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('ok'), value: z.string().nullable().optional() }), z.object({ type: z.literal('fail') }), z.object({ type: z.literal('info') })]);

const message = { id: z.number(), from: z.string(), to: z.string(), message: z.string(), heartbeat: z.literal(true).optional() };

export const traceEventSchema = z.discriminatedUnion('kind', [
  z.object({ t: z.number(), kind: z.literal('header'), format: z.literal(traceFormat), experiment: z.string(), protocol: z.string(), seed: z.number(), nodes: z.array(z.string()).readonly() }),
  z.object({ t: z.number(), kind: z.literal('send'), ...message }),
  z.object({ t: z.number(), kind: z.literal('deliver'), ...message }),
  z.object({ t: z.number(), kind: z.literal('drop'), ...message, reason: z.string() }),
  z.object({ t: z.number(), kind: z.literal('role'), node: z.string(), role: roleSchema, term: z.number(), leader: z.string().nullable() }),
  z.object({ t: z.number(), kind: z.literal('commit'), node: z.string(), commitIndex: z.number() }),
  z.object({ t: z.number(), kind: z.literal('snapshot'), node: z.string(), index: z.number() }),
  z.object({ t: z.number(), kind: z.literal('log-append'), node: z.string(), from: z.number(), to: z.number(), term: z.number(), commands: z.array(z.string()).readonly().optional() }),
  z.object({ t: z.number(), kind: z.literal('log-truncate'), node: z.string(), from: z.number() }),
  z.object({ t: z.number(), kind: z.literal('log-restore'), node: z.string(), snapshotIndex: z.number(), runs: z.array(z.tuple([z.number(), z.number(), z.number()]).readonly()).readonly() }),
  z.object({ t: z.number(), kind: z.literal('applied'), node: z.string(), index: z.number() }),
  z.object({ t: z.number(), kind: z.literal('ignored'), node: z.string(), from: z.string(), message: z.string(), reason: z.string() }),
  z.object({ t: z.number(), kind: z.literal('node'), node: z.string(), action: z.enum(['crash', 'restart', 'pause', 'resume', 'worker-died']), detail: z.string().optional() }),
  z.object({ t: z.number(), kind: z.literal('fault'), fault: z.string(), detail: z.string() }),
  z.object({ t: z.number(), kind: z.literal('invoke'), op: z.number(), client: z.number(), node: z.string(), input: operationInputSchema, intended: z.number().optional() }),
  z.object({ t: z.number(), kind: z.literal('complete'), op: z.number(), client: z.number(), output: operationOutputSchema, served: z.boolean().optional() }),
  z.object({ t: z.number(), kind: z.literal('missed'), client: z.number(), intended: z.number() }),
  z.object({ t: z.number(), kind: z.literal('clients'), homes: z.array(z.string()).readonly(), timeoutMs: z.number() }),
  z.object({ t: z.number(), kind: z.literal('invariant'), node: z.string().nullable(), broken: z.string() }),
  z.object({ t: z.number(), kind: z.literal('end'), summary: z.string() }),
]);

const agrees: [SchemaAgrees<typeof traceEventSchema, TraceEvent>, SchemaAgrees<typeof operationInputSchema, OperationInput>, SchemaAgrees<typeof operationOutputSchema, OperationOutput>] = [true, true, true];
void agrees;
