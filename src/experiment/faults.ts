import { assertNever } from '../base/assert';
import type { LatencySpec } from '../network/latency';
import type { PartitionSpec } from '../network/partitions';
import type { Consistency, Fault, NetworkLink } from './schema';

export type { NetworkLink } from './schema';

/**
 * A change of the replica network's link faults (ARCHITECTURE §7 `network`): of every link (those
 * without faults of their own), or with `link` of that link only, which keeps them until a heal.
 */
export interface NetworkChange {
  readonly latencyMs?: LatencySpec;
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly link?: NetworkLink;
}

/** The directed links a link stands for, each as [from, to]: one, or both directions. */
export function linkDirections(link: NetworkLink): Array<[string, string]> {
  if ('between' in link) {
    const [a, b] = link.between;
    return [
      [a, b],
      [b, a],
    ];
  }
  return [[link.from, link.to]];
}

/** A link as the trace and the app name it: "n1→n2" one way, "n1↔n2" both ways. */
export function linkName(link: NetworkLink): string {
  return 'between' in link ? `${link.between[0]}↔${link.between[1]}` : `${link.from}→${link.to}`;
}

/**
 * The `detail` of a change's trace event, the same in both runtimes: its settings as JSON, after
 * the link's name when it names one ("n1→n2 {"drop":1}"). A change of every link reads exactly
 * as it always has, so existing traces keep their digests.
 */
export function networkChangeDetail(change: NetworkChange): string {
  if (change.link === undefined) return JSON.stringify(change);
  const { link, ...settings } = change;
  return `${linkName(link)} ${JSON.stringify(settings)}`;
}

/**
 * The controls a runtime offers while a run goes (the app's buttons and the scheduled faults
 * alike). The simulator's run controller and the live worker-thread runtime both implement it,
 * so one experiment's faults mean the same thing in either.
 */
export interface FaultControls {
  partition(spec: PartitionSpec): unknown;
  crash(target: string, amnesia?: boolean): unknown;
  restart(target: string): unknown;
  pause(target: string, forMs?: number): unknown;
  resume(target: string): unknown;
  setClock(target: string, change: { driftPpm?: number; offsetMs?: number }): void;
  setNetwork(change: NetworkChange): void;
  setConsistency(consistency: Consistency): void;
  heal(): void;
}

/** Carries out one scheduled fault of an experiment. */
export function applyFault(controls: FaultControls, fault: Fault): void {
  if ('partition' in fault) controls.partition(fault.partition as PartitionSpec);
  else if ('crash' in fault) controls.crash(fault.crash, fault.amnesia ?? false);
  else if ('restart' in fault) controls.restart(fault.restart);
  else if ('pause' in fault) controls.pause(fault.pause, fault.forMs);
  else if ('resume' in fault) controls.resume(fault.resume);
  else if ('clock' in fault) {
    controls.setClock(fault.clock.node, { ...(fault.clock.driftPpm !== undefined ? { driftPpm: fault.clock.driftPpm } : {}), ...(fault.clock.offsetMs !== undefined ? { offsetMs: fault.clock.offsetMs } : {}) });
  } else if ('network' in fault) controls.setNetwork(fault.network);
  else if ('consistency' in fault) controls.setConsistency(fault.consistency);
  else if ('heal' in fault) controls.heal();
  else assertNever(fault, 'fault');
}
