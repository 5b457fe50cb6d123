import type { RunResult } from '../../src/experiment/run';
import type { NetworkChange } from '../../src/experiment/faults';
import type { Consistency, Experiment } from '../../src/experiment/schema';
import type { RunSummary } from '../../src/experiment/summary';
import type { ConsistencyPolicy } from '../../src/kv/command';
import type { LinkState } from '../../src/network/network';
import type { PartitionSpec } from '../../src/network/partitions';
import type { ReplicaView } from '../../src/protocol/replica';
import type { ExportedFile, ReplayControls } from './replayJob';

/** The runtime a session serves (ARCHITECTURE §3). */
export type SessionRuntime = Experiment['runtime'];

/** A speed as the app asks for it: a pace (0.1 … 100) or, in the simulator only, as fast as possible. */
export type Speed = number | 'max';

/** One replica in `runState`. */
export interface NodeState {
  id: string;
  up: boolean;
  paused: boolean;
  /** The node's clock drift (ppm). */
  driftPpm: number;
  /** The live runtime: why the node's worker died on its own (`unresponsive: …` when it stopped answering), else null. */
  diedOf?: string | null;
  /** The replica's last reported state; null while it is down. */
  view: ReplicaView | null;
}

/** What `runState` answers, the same shape for both runtimes. */
export interface SessionState {
  runtime: SessionRuntime;
  /** Lab time now (ms). */
  nowMs: number;
  done: boolean;
  paused: boolean;
  consistency: ConsistencyPolicy;
  nodes: NodeState[];
  links: LinkState[];
  summary: RunSummary | null;
}

/**
 * One run the app watches, whatever its runtime: the lab service's handlers call these and never
 * ask which runtime it is. Node actions return the nodes they touched.
 */
export interface LabSession {
  readonly runtime: SessionRuntime;
  readonly experiment: Experiment;
  /** The summary once the run has ended; null while it goes. */
  readonly summary: RunSummary | null;
  readonly runResult: RunResult | null;
  /** Starts the run; resolves once it is going (a live run: once every worker has started). */
  start(): Promise<void>;
  pause(): void;
  resume(): void;
  /** A paused run goes `ms` of lab time forward and stays paused; a run that cannot (live, or not paused) refuses with a ContractError. */
  step(ms: number): void;
  /** Ends the run now (or returns how it ended): settles, checks, and reports the result. */
  stop(): Promise<RunResult>;
  setSpeed(speed: Speed): void;
  crash(node: string, amnesia: boolean): string[];
  restart(node: string): string[];
  pauseNode(node: string): string[];
  resumeNode(node: string): string[];
  /** Returns the partition's description. */
  partition(spec: PartitionSpec): string;
  heal(): void;
  setNetwork(change: NetworkChange): void;
  setConsistency(consistency: Consistency): void;
  state(): SessionState;
  /** The files of the ended run (`exportedFileNames` of `exportJob.ts`, in that order). */
  exportFiles(controls?: ReplayControls): Promise<ExportedFile[]>;
  /** Lets the session go: a run still going is aborted, temporary files are removed. */
  close(): Promise<void>;
}
