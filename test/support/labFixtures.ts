// Whole contract payloads for renderer tests that care about a few fields: the contract's types are
// the engine's (src/contract/lab.ts), so a fake summary or metrics window is a complete one with
// the fields a test sets. The defaults are a run that measured nothing.
import type { MetricsWindow, RunSummary } from '../../src/contract/lab';

const notChecked = { status: 'not checked', reason: 'fixture' } as const;

export function fakeSummary(fields: Partial<RunSummary> = {}): RunSummary {
  return {
    experiment: 'fixture',
    protocol: 'raft',
    runtime: 'sim',
    seed: 1,
    durationMs: 0,
    ops: { ok: 0, fail: 0, info: 0 },
    availability: null,
    availabilityBySide: { majority: null, minority: null },
    offered: { ops: 0, served: 0, missed: 0, majority: { ops: 0, served: 0 }, minority: { ops: 0, served: 0 } },
    offeredOpsPerSec: 0,
    throughputOpsPerSec: 0,
    latencyMs: null,
    latencyMsUncorrected: null,
    violations: { linearizability: null, staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0, divergence: 0 },
    violationsByKey: {},
    keyExplanations: [],
    linearizabilityUnknownKeys: 0,
    models: { linearizable: notChecked, sequentialPerKey: notChecked, readYourWrites: notChecked, monotonicReads: notChecked, monotonicWrites: notChecked, writesFollowReads: notChecked },
    notMeasured: {},
    invariantsBroken: [],
    unsafe: [],
    faultModelExceeded: false,
    expectations: [],
    traceSha256: '',
    messages: { sent: 0, delivered: 0, dropped: 0, duplicated: 0 },
    messagesPerOp: 0,
    ...fields,
  };
}

export function fakeWindow(fields: Partial<MetricsWindow> = {}): MetricsWindow {
  return {
    startMs: 0,
    endMs: 250,
    ok: 0,
    fail: 0,
    info: 0,
    latencyMs: null,
    latencyMsUncorrected: null,
    offered: 0,
    served: 0,
    missed: 0,
    availability: null,
    availabilityBySide: { majority: null, minority: null },
    violations: { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 },
    leader: null,
    term: 0,
    commitIndex: {},
    messagesByLink: {},
    messagesSent: 0,
    ...fields,
  };
}
