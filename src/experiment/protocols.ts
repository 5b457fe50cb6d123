import { raftProtocol } from '../protocol/raft';
import { vrProtocol } from '../protocol/vr';
import { type RaftSettings, type VrSettings, raftSettingsDefault, vrSettingsDefault } from '../protocol/settings';
import type { ProtocolDefinition } from '../protocol/replica';
import type { Experiment } from './schema';

/* eslint-disable @typescript-eslint/no-explicit-any -- the registry hands out protocols whose message types the host never inspects */
export interface ProtocolChoice {
  readonly protocol: ProtocolDefinition<any, any, any, any>;
  readonly settings: RaftSettings | VrSettings;
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
  const settings: VrSettings = { ...vrSettingsDefault, ...(experiment.protocolSettings as Partial<VrSettings>) };
  return { protocol: vrProtocol, settings, clockDriftBoundPpm: settings.clockDriftBoundPpm, failoverMs: settings.viewChangeTimeoutMs[1] };
}
