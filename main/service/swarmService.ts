import { performance } from 'node:perf_hooks';
import { stringify as stringifyYaml } from 'yaml';
import { ContractError, type LabEvent, type SwarmSeedOutcome } from '../../src/contract/lab';
import type { UnsafeSwitch } from '../../src/protocol/replica';
import { protocolSwitches, swarmReproduceCommand, type SwarmProtocol } from '../../src/swarm/draw';
import type { ShrinkOutcome, SwarmOutcome } from '../../src/contract/worker';
import { sweepThreadsDefault } from './sweepService';
import { SwarmPool } from './swarmPool';

/** Swarms that may go at once in one lab service. */
export const swarmsGoingMax = 2;

/** What one swarm runs. */
export interface SwarmPlan {
  readonly swarmId: string;
  readonly protocol: SwarmProtocol;
  readonly unsafe: readonly UnsafeSwitch[];
  readonly firstSeed: number;
  readonly seedCount: number;
}

export type SwarmProgress = LabEvent<'swarmProgress'>;

interface SwarmGoing {
  readonly plan: SwarmPlan;
  readonly abort: AbortController;
  seedNext: number;
  seedsRunning: number;
  done: number;
  unreported: SwarmSeedOutcome[];
  stopping: boolean;
  cancelled: boolean;
  error: string | null;
  reportedAtMs: number;
  reportTimer: ReturnType<typeof setTimeout> | null;
}

/** The switches of a swarm request, each checked against the protocol's (the contract knows only the names). */
export function swarmSwitches(protocol: SwarmProtocol, unsafe: readonly string[], call: string): UnsafeSwitch[] {
  for (const name of unsafe) if (!(protocolSwitches[protocol] as readonly string[]).includes(name)) throw new ContractError(`${call}: unsafe.${unsafe.indexOf(name)}: ${name} is not a ${protocol} switch; ${protocol} has ${protocolSwitches[protocol].join(', ')}`);
  return [...new Set(unsafe as UnsafeSwitch[])].sort();
}

/** A seed's outcome as the app shows it: a failing one with its manifest (YAML) and the command that reproduces it. */
export function swarmOutcomeOf(outcome: SwarmOutcome, plan: Pick<SwarmPlan, 'protocol' | 'unsafe'>): SwarmSeedOutcome {
  const { manifest, convergedByMs: _bound, ...rest } = outcome;
  return { ...rest, safety: [...rest.safety], liveness: [...rest.liveness], ...(manifest === undefined ? {} : { manifest: stringifyYaml(manifest, { lineWidth: 0 }), reproduce: swarmReproduceCommand(plan.protocol, outcome.seed, plan.unsafe) }) };
}

/**
 * The app's swarms (ARCHITECTURE §14), as the app's sweeps (sweepService.ts): seeds in a pool of
 * their own, at most one per thread per swarm, finished seeds reported at most about ten times a
 * second, cancel stops starting seeds and abandons the ones going. Shrinking runs in the same pool.
 */
export class SwarmRunner {
  private pool: SwarmPool | null = null;
  private readonly swarms = new Map<string, SwarmGoing>();
  private closed = false;

  constructor(
    private readonly report: (progress: SwarmProgress) => void,
    private readonly options: { threads?: number; progressIntervalMs?: number } = {},
  ) {}

  private poolMade(): SwarmPool {
    this.pool ??= new SwarmPool(this.options.threads ?? sweepThreadsDefault(), { threadsKept: false });
    return this.pool;
  }

  start(plan: SwarmPlan): { swarmId: string; seeds: number } {
    if (this.closed) throw new ContractError('startSwarm: the lab is closing');
    if (this.swarms.has(plan.swarmId)) throw new ContractError(`startSwarm: a swarm with id ${plan.swarmId} is already going`);
    if (this.swarms.size >= swarmsGoingMax) throw new ContractError(`startSwarm: ${swarmsGoingMax} swarms are going already; wait for one to finish or cancel one`);
    const swarm: SwarmGoing = { plan, abort: new AbortController(), seedNext: plan.firstSeed, seedsRunning: 0, done: 0, unreported: [], stopping: false, cancelled: false, error: null, reportedAtMs: -Infinity, reportTimer: null };
    this.swarms.set(plan.swarmId, swarm);
    this.fill(swarm);
    return { swarmId: plan.swarmId, seeds: plan.seedCount };
  }

  cancel(swarmId: string): boolean {
    const swarm = this.swarms.get(swarmId);
    if (swarm === undefined) return false;
    swarm.cancelled = !swarm.stopping || swarm.cancelled;
    this.stop(swarm);
    return true;
  }

  shrink(protocol: SwarmProtocol, unsafe: readonly UnsafeSwitch[], seed: number): Promise<ShrinkOutcome> {
    if (this.closed) throw new ContractError('shrinkSwarmSeed: the lab is closing');
    return this.poolMade().shrink({ protocol, seed, unsafe });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const swarm of this.swarms.values()) this.cancel(swarm.plan.swarmId);
    await this.pool?.destroy();
    this.pool = null;
  }

  private fill(swarm: SwarmGoing): void {
    const pool = this.poolMade();
    const seedEnd = swarm.plan.firstSeed + swarm.plan.seedCount;
    while (!swarm.stopping && swarm.seedsRunning < pool.threads && swarm.seedNext < seedEnd) this.runSeed(pool, swarm, swarm.seedNext++);
    if (swarm.seedsRunning === 0 && (swarm.stopping || swarm.seedNext >= seedEnd)) this.end(swarm);
  }

  private runSeed(pool: SwarmPool, swarm: SwarmGoing, seed: number): void {
    swarm.seedsRunning++;
    pool.runSeed({ protocol: swarm.plan.protocol, seed, unsafe: swarm.plan.unsafe }, swarm.abort.signal).then(
      (outcome) => {
        swarm.seedsRunning--;
        swarm.done++;
        swarm.unreported.push(swarmOutcomeOf(outcome, swarm.plan));
        this.fill(swarm);
        if (this.swarms.has(swarm.plan.swarmId)) this.scheduleReport(swarm);
      },
      (error: unknown) => {
        swarm.seedsRunning--;
        if (!swarm.stopping) {
          swarm.error = `seed ${seed} could not run: ${error instanceof Error ? error.message : String(error)}`;
          this.stop(swarm);
        }
        this.fill(swarm);
      },
    );
  }

  private stop(swarm: SwarmGoing): void {
    if (swarm.stopping) return;
    swarm.stopping = true;
    swarm.abort.abort();
    this.fill(swarm);
  }

  private scheduleReport(swarm: SwarmGoing): void {
    if (swarm.reportTimer !== null) return;
    const waitMs = swarm.reportedAtMs + (this.options.progressIntervalMs ?? 100) - performance.now();
    if (waitMs <= 0) this.emit(swarm, false);
    else
      swarm.reportTimer = setTimeout(() => {
        swarm.reportTimer = null;
        if (this.swarms.has(swarm.plan.swarmId) && swarm.unreported.length > 0) this.emit(swarm, false);
      }, waitMs);
  }

  private emit(swarm: SwarmGoing, finished: boolean): void {
    const outcomes = swarm.unreported;
    swarm.unreported = [];
    swarm.reportedAtMs = performance.now();
    this.report({ swarmId: swarm.plan.swarmId, done: swarm.done, total: swarm.plan.seedCount, outcomes, finished, cancelled: swarm.cancelled, ...(swarm.error === null ? {} : { error: swarm.error }) });
  }

  private end(swarm: SwarmGoing): void {
    if (!this.swarms.delete(swarm.plan.swarmId)) return;
    if (swarm.reportTimer !== null) clearTimeout(swarm.reportTimer);
    swarm.reportTimer = null;
    this.emit(swarm, true);
  }
}
