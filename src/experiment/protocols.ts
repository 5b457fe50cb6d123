import { raftProtocol } from '../protocol/raft';
import { paxosProtocol } from '../protocol/paxos';
import { vrProtocol } from '../protocol/vr';
import { type PaxosSettings, type RaftSettings, type VrSettings, paxosSettingsDefault, raftSettingsDefault, vrSettingsDefault } from '../protocol/settings';
import type { ProtocolDefinition, ReplicaView } from '../protocol/replica';
import type { NodeId } from '../base/ids';
import type { Experiment } from './schema';

/* eslint-disable @typescript-eslint/no-explicit-any -- the registry hands out protocols whose message types the host never inspects */
export interface ProtocolChoice {
  readonly protocol: ProtocolDefinition<any, any, any, any>;
  readonly settings: RaftSettings | VrSettings | PaxosSettings;
  readonly clockDriftBoundPpm: number;
  /** Election or view-change timeout upper bound, ms: how long a failover may take. */
  readonly failoverMs: number;
}

/** The protocol an experiment names, with its settings filled in from the defaults. */
export function chooseProtocol(experiment: Experiment): ProtocolChoice {
  if (experiment.protocol === 'raft') {
    const settings: RaftSettings = { ...raftSettingsDefault, ...(experiment.protocolSettings as Partial<RaftSettings>) };
    return { protocol: raftProtocol, settings, clockDriftBoundPpm: settings.clockDriftBoundPpm, failoverMs: settings.electionTimeoutMs[1] };
  }
  if (experiment.protocol === 'paxos') {
    const settings: PaxosSettings = { ...paxosSettingsDefault, ...(experiment.protocolSettings as Partial<PaxosSettings>) };
    return { protocol: paxosProtocol, settings, clockDriftBoundPpm: settings.clockDriftBoundPpm, failoverMs: settings.electionTimeoutMs[1] };
  }
  const settings: VrSettings = { ...vrSettingsDefault, ...(experiment.protocolSettings as Partial<VrSettings>) };
  return { protocol: vrProtocol, settings, clockDriftBoundPpm: settings.clockDriftBoundPpm, failoverMs: settings.viewChangeTimeoutMs[1] };
}

/** Nodes down (no view) or recovering: what VR's fault model counts against f. */
export function unavailableNodes(ids: readonly NodeId[], viewOf: (id: NodeId) => ReplicaView | null | undefined): NodeId[] {
  return ids.filter((id) => {
    const view = viewOf(id);
    return view === null || view === undefined || view.role === 'recovering';
  });
}

/**
 * Whether the faults now go beyond the protocol's fault model: VR keeps no durable state, so more
 * than f replicas down or recovering at once is outside it (Raft's disks make it tolerate any).
 */
export function beyondFaultModel(experiment: Experiment, unavailableCount: number): boolean {
  return experiment.protocol === 'vr' && unavailableCount > Math.floor((experiment.nodes - 1) / 2);
}
