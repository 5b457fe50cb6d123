// The contract's call and event names and IPC channels, as the preload binds them (plain data, so a test
// can check they match src/contract/lab.ts exactly).

export const callNames = [
  'listPresets', 'validateExperiment', 'startRun', 'pauseRun', 'resumeRun', 'stepRun', 'stopRun', 'setSpeed', 'nodeAction', 'partition', 'heal',
  'setNetwork', 'setConsistency', 'runState', 'checkHistory', 'cancelCheck', 'exportRun', 'exportChart', 'saveRunFiles', 'importBundle',
  'startSweep', 'cancelSweep', 'cancelExport', 'startSwarm', 'cancelSwarm', 'shrinkSwarmSeed', 'startGuarantees', 'cancelGuarantees',
] as const;

export const eventNames = ['metrics', 'trace', 'runEnded', 'liveDropped', 'sweepProgress', 'exportProgress', 'checkProgress', 'swarmProgress', 'guaranteesProgress'] as const;

export const callChannel = (name: string): string => `lab:${name}`;
export const eventChannel = (name: string): string => `lab:event:${name}`;
