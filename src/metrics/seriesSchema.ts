import { z } from 'zod';
import type { SchemaAgrees } from '../base/schemaAgrees';
import { violationCountsSchema } from '../checker/schemas';
import type { FaultSpan, MetricsWindow, SeriesMarker } from './series';
import type { LatencyPercentiles } from './service';

/** The live metrics batches' data as zod (ARCHITECTURE §5, §8): windows, fault spans, markers. */

export const latencyPercentilesSchema = z.object({ p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() });


const bySide = z.object({ majority: z.number().nullable(), minority: z.number().nullable() });

export const metricsWindowSchema = z.object({
  startMs: z.number(),
  endMs: z.number(),
  ok: z.number(),
  fail: z.number(),
  info: z.number(),
  latencyMs: latencyPercentilesSchema.nullable(),
  latencyMsUncorrected: latencyPercentilesSchema.nullable(),
  offered: z.number(),
  served: z.number(),
  missed: z.number(),
  availability: z.number().nullable(),
  availabilityBySide: bySide,
  violations: violationCountsSchema,
  leader: z.string().nullable(),
  term: z.number(),
  commitIndex: z.record(z.string(), z.number()),
  messagesByLink: z.record(z.string(), z.number()),
  messagesSent: z.number(),
});

export const faultSpanSchema = z.object({ kind: z.string(), detail: z.string(), startMs: z.number(), endMs: z.number().nullable() });

export const seriesMarkerSchema = z.object({ atMs: z.number(), kind: z.literal('consistency'), label: z.string() });

const agrees: [SchemaAgrees<typeof metricsWindowSchema, MetricsWindow>, SchemaAgrees<typeof faultSpanSchema, FaultSpan>, SchemaAgrees<typeof seriesMarkerSchema, SeriesMarker>, SchemaAgrees<typeof latencyPercentilesSchema, LatencyPercentiles>] = [true, true, true, true];
void agrees;
