/**
 * What the renderer takes from the engine, and the only way it reaches it (ARCHITECTURE §1, §3):
 * lint refuses a renderer import of anything in src/ outside src/contract/. Each line re-exports one
 * piece the screens use — the engine's own types, its pure builders (charts, story text, logs,
 * moments) and the names and lists they show — so the app and the CLI's report draw the same thing
 * from the same code. Add a name here when a screen needs it; nothing else of src/ is the app's.
 */

// Protocols: names, roles and the unsafe switches a preset or the swarm turns on.
export type { ProtocolName, Role, UnsafeSwitch } from '../protocol/replica';
export { formatBallotNumber } from '../protocol/paxos/messages';
export { protocolSwitches, swarmProtocols, type SwarmProtocol } from '../swarm/draw';

// The key-value store's consistency policy: the CP/AP switch and its write acks and read paths.
export { policyAp, policyCp, type ConsistencyPolicy, type ReadPath, type WriteAck } from '../kv/command';

// Network: latency shapes and links, as experiments and the app's network controls give them.
export type { LatencySpec } from '../network/latency';
export { linkDirections, linkName, type NetworkLink } from '../experiment/faults';

// Experiments: the gallery's groups and the schemas the app's network controls validate with.
export { galleryGroups, latencySchema, networkChangeSchema, type GalleryGroup } from '../experiment/schema';

// The trace and what the views rebuild from it: replica logs at any instant, the story's moments.
export type { TraceEvent } from '../history/trace';
export { ReplicaLogs, type ReplicaLogEntry, type ReplicaLogRow } from '../history/replicaLogs';
export { MomentDetector, chartMomentsOf, detectMoments, isViolationMoment, presetMoments, provenFromSummary, storyOf, type Moment, type ProvenViolation } from '../history/moments';

// Metrics: the live windows, fault spans and markers, and the chart, story and timeline builders.
export { windowMsDefault, type FaultSpan, type MetricsSeries, type MetricsWindow, type SeriesMarker } from '../metrics/series';
export { chartBuilders, type ChartMoment, type ChartOption } from '../metrics/charts';
export { faultInWords, groupInvariants, invariantGroupLine } from '../metrics/storyText';
export { counterexampleTimeline, timelineBandRowHeight } from '../metrics/counterexampleTimeline';

// Checks: the counterexample and the consistency map's models.
export type { Counterexample, CounterexampleOperation } from '../checker/linearizability';
export { consistencyModelImplies, consistencyModelLabels, consistencyModels, strongestModelHeld, type ConsistencyModel, type ModelsBlock } from '../checker/consistencyMap';

// Guarantees: the database profiles, their scenarios and the table the Guarantees screen fills.
export {
  anomalies,
  anomalyLabels,
  appGuaranteesSeedsMax,
  cellText,
  databaseProfiles,
  guaranteeExperiment,
  guaranteeScenarios,
  guaranteesCsv,
  guaranteesTableOf,
  type Anomaly,
  type DatabaseProfile,
  type GuaranteeCell,
  type GuaranteeRow,
} from '../experiment/guarantees';
