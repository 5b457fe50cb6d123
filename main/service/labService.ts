import { limits } from '../../src/base/limits';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LabCallName, type LabEvent, type LabEventName, type LabParsedRequest, type LabResponse, ContractError, parseRequest } from '../../src/contract/lab';
import { ExperimentError, type Experiment, type Fault, faultNodeProblems, galleryGroupOf, protocolChange, validateExperiment } from '../../src/experiment/schema';
import { loadExperiment, parseExperiment, presetFiles } from '../experimentFile';
import { CheckerPool } from '../lab/checkerPool';
import { describeTraceDifference, readBundle } from '../bundleImport';
import { writeFileAtomic } from '../atomicWrite';
import { renderChartSvg, renderSvgToPng } from '../chartRender';
import { chartBuilders } from '../../src/metrics/charts';
import { chartMomentsOf, presetMoments } from '../../src/history/moments';
import { createCancelFlag, createCheckProgress } from '../../src/contract/worker';
import type { LabSession, Speed } from './labSession';
import type { SessionListener } from './sessionBatches';
import { type ExportedFile, ReplayCancelled, replayInWorker } from './replayJob';
import { SimSession } from './simSession';
import { ThreadsSession } from './threadsSession';
import { SweepRunner, sweepExperiment } from './sweepService';
import { SwarmRunner, swarmSwitches } from './swarmService';
import { GuaranteesRunner } from './guaranteesService';

type Emit = <Name extends LabEventName>(event: Name, payload: LabEvent<Name>) => void;

/** How often a check the app follows reports its progress (ms). */
const checkProgressEveryMs = 250;


/**
 * The Node-side lab service (ARCHITECTURE §3): the same object serves the Electron IPC bridge, the
 * browser-mode WebSocket and tests. Every call's payload is validated against the contract
 * before anything happens; a bad one changes nothing. No `electron` import here.
 */
/** What only a desktop host can do for the service (the save dialog). */
export interface LabServiceHost {
  chooseFolder?: () => Promise<string | null>;
}

export class LabService {
  constructor(private readonly host: LabServiceHost = {}) {}

  private readonly sessions = new Map<string, LabSession>();
  private runIdNext = 0;
  private checkerPool: CheckerPool | null = null;
  /** Cancels of the checks going that the app may cancel, by the app's check id. */
  private readonly checksGoing = new Map<string, () => void>();
  /** Aborts of the exports going that the app may cancel, by the app's export id. */
  private readonly exportsGoing = new Map<string, AbortController>();
  private readonly listeners = new Set<Emit>();
  /** The app's seed sweeps, in their own worker pool (started at the first sweep). */
  private readonly sweeps = new SweepRunner((progress) => this.emit('sweepProgress', progress));
  /** The app's swarms (ARCHITECTURE §14), in their own worker pool (started at the first swarm). */
  private readonly swarms = new SwarmRunner((progress) => this.emit('swarmProgress', progress));
  /** The app's guarantees runs (ARCHITECTURE §11), in their own sweep pool (started at the first). */
  private readonly guarantees = new GuaranteesRunner((progress) => this.emit('guaranteesProgress', progress));

  /** Subscribes a transport to every event; returns the unsubscribe. */
  subscribe(emit: Emit): () => void {
    this.listeners.add(emit);
    return () => this.listeners.delete(emit);
  }

  private emit<Name extends LabEventName>(event: Name, payload: LabEvent<Name>): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  /** Validates and carries out one call (what both transports invoke). */
  async call<Name extends LabCallName>(name: Name, payload: unknown): Promise<LabResponse<Name>> {
    const request = parseRequest(name, payload);
    // One dispatch through the table: TypeScript cannot tie `handlers[name]` to `request` for a generic Name.
    const handler: (request: LabParsedRequest<Name>) => LabResponse<Name> | Promise<LabResponse<Name>> = this.handlers[name];
    return await handler(request);
  }

  private session(runId: unknown): LabSession {
    const session = this.sessions.get(String(runId));
    if (session === undefined) throw new ContractError(`no run ${String(runId)} (it ended and was dropped, or never started)`);
    return session;
  }

  /**
   * The one check of a user action before the session applies or records anything (issue 13):
   * the run is still going, and every node the action names is one of the run's (a partition
   * puts each in one group), so what a simulated run records always replays and exports.
   */
  private actionSession(call: LabCallName, runId: unknown, fault: Fault, field = ''): LabSession {
    const session = this.session(runId);
    if (session.summary !== null) throw new ContractError(`${call}: ${String(runId)} has ended; its actions are over (start a new run)`);
    const problems = faultNodeProblems(fault, session.experiment.nodes).map(({ message }) => `${field} ${message.replace('the cluster has', 'this run has')}`);
    if (problems.length > 0) throw new ContractError(`${call}: ${[...new Set(problems)].join('; ')}`);
    return session;
  }

  /** Each call's handler, typed by its call: the request as parsed, the response as the contract declares it. */
  private readonly handlers: { [Name in LabCallName]: (request: LabParsedRequest<Name>) => LabResponse<Name> | Promise<LabResponse<Name>> } = {
    listPresets: () =>
      [...presetFiles().entries()].map(([name, path]) => {
        const experiment = loadExperiment(name);
        return { name, title: experiment.title, description: experiment.description, group: galleryGroupOf(experiment), protocol: experiment.protocol, consistency: experiment.consistency, text: readFileSync(path, 'utf8') };
      }),
    validateExperiment: (request) => {
      try {
        return { ok: true, experiment: parseExperiment(request.text, request.source) };
      } catch (error) {
        if (error instanceof ExperimentError) return { ok: false, problems: [...error.problems] };
        throw error;
      }
    },
    startRun: async (request) => {
      const parsed = parseExperiment(request.text, request.source);
      const experiment = validateExperiment({ ...parsed, ...(request.seed === undefined ? {} : { seed: request.seed }), ...protocolChange(parsed.protocol, request.protocol) }, request.source);
      const runtime = request.runtime ?? experiment.runtime;
      const runId = `run-${this.runIdNext + 1}`;
      const session = this.newSession(runtime, experiment, request.speed, {
        metrics: (batch) => this.emit('metrics', { runId, ...batch }),
        trace: (batch) => this.emit('trace', { runId, events: batch.events, skipped: batch.skipped }),
        ended: (result) => this.emit('runEnded', { runId, summary: result.summary }),
      });
      this.runIdNext++;
      this.sessions.set(runId, session);
      this.dropOldSessions();
      try {
        await session.start();
      } catch (error) {
        this.sessions.delete(runId);
        await session.close();
        throw error;
      }
      return { runId, nodes: Array.from({ length: experiment.nodes }, (_, i) => `n${i + 1}`) };
    },
    pauseRun: (request) => (this.session(request.runId).pause(), { ok: true }),
    resumeRun: (request) => (this.session(request.runId).resume(), { ok: true }),
    stepRun: (request) => (this.session(request.runId).step(request.ms), { ok: true }),
    stopRun: async (request) => ({ summary: (await this.session(request.runId).stop()).summary }),
    setSpeed: (request) => (this.session(request.runId).setSpeed(request.speed), { ok: true }),
    nodeAction: (request) => {
      const { node, action } = request;
      const fault: Fault =
        action === 'crash' ? { atMs: 0, crash: node, amnesia: request.amnesia === true }
        : action === 'restart' ? { atMs: 0, restart: node }
        : action === 'pause' ? { atMs: 0, pause: node }
        : { atMs: 0, resume: node };
      const session = this.actionSession('nodeAction', request.runId, fault, 'node');
      const nodes =
        action === 'crash' ? session.crash(node, request.amnesia === true)
        : action === 'restart' ? session.restart(node)
        : action === 'pause' ? session.pauseNode(node)
        : session.resumeNode(node);
      return { nodes };
    },
    partition: (request) => {
      const spec = request.spec;
      return { description: this.actionSession('partition', request.runId, { atMs: 0, partition: spec }, 'spec').partition(spec) };
    },
    heal: (request) => (this.actionSession('heal', request.runId, { atMs: 0, heal: true }).heal(), { ok: true }),
    setNetwork: (request) => {
      const change = request.change;
      this.actionSession('setNetwork', request.runId, { atMs: 0, network: change }, 'change.link').setNetwork(change);
      return { ok: true };
    },
    setConsistency: (request) => {
      const consistency = request.consistency;
      this.actionSession('setConsistency', request.runId, { atMs: 0, consistency }).setConsistency(consistency);
      return { ok: true };
    },
    runState: (request) => ({ runId: request.runId, ...this.session(request.runId).state() }),
    checkHistory: async (request) => {
      const checkerPool = this.checkers();
      const task = { file: request.fileName, text: request.text, format: request.format ?? 'auto', ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }) };
      const checkId = request.checkId;
      if (checkId === undefined) return checkerPool.check(task);
      if (this.checksGoing.has(checkId)) throw new ContractError(`checkHistory: a check with id ${checkId} is already going`);
      // A check the app follows carries a shared cancel flag the worker's search polls and shared
      // progress counters it writes (workers/checker.worker.ts), read here a few times a second.
      const flag = createCancelFlag();
      const progress = createCheckProgress();
      this.checksGoing.set(checkId, flag.cancel);
      let reported = '';
      const report = () => {
        const now = progress.read();
        const key = `${now.operationsDone}/${now.operationsTotal}`;
        if (now.operationsTotal === 0 || key === reported) return;
        reported = key;
        this.emit('checkProgress', { checkId, ...now });
      };
      const timer = setInterval(report, checkProgressEveryMs);
      try {
        const result = await checkerPool.check({ ...task, cancelFlag: flag.buffer, progress: progress.buffer });
        report();
        return result;
      } finally {
        clearInterval(timer);
        this.checksGoing.delete(checkId);
      }
    },
    cancelCheck: (request) => {
      const cancel = this.checksGoing.get(request.checkId);
      cancel?.();
      return { cancelled: cancel !== undefined };
    },
    exportRun: (request) => this.exportFiles(request),
    saveRunFiles: async (request) => {
      if (this.host.chooseFolder === undefined) throw new ContractError('saveRunFiles: the save dialog exists only in the desktop app; in the browser, exportRun downloads the files');
      const { files, cancelled } = await this.exportFiles(request);
      if (cancelled === true) return { folder: null, cancelled: true };
      const folder = await this.host.chooseFolder();
      if (folder === null) return { folder: null };
      for (const file of files) writeFileAtomic(join(folder, file.name), Buffer.from(file.base64, 'base64'));
      return { folder };
    },
    exportChart: (request) => {
      const session = this.session(request.runId);
      const result = session.runResult;
      if (result === null) throw new ContractError('exportChart: the run is still going; stop it first');
      const builder = chartBuilders.find((chart) => chart.name === request.chart);
      if (builder === undefined) throw new ContractError(`exportChart: no chart ${String(request.chart)}`);
      // The experiment's own moments are marked (the run folder's charts also mark those the trace shows).
      const moments = chartMomentsOf(presetMoments(session.experiment.moments));
      const svg = renderChartSvg(builder.build(result.metrics, { theme: request.theme ?? 'light', animation: false, moments }));
      const bytes = request.format === 'svg' ? Buffer.from(svg, 'utf8') : Buffer.from(renderSvgToPng(svg));
      return { name: `${builder.name}.${request.format}`, base64: bytes.toString('base64') };
    },
    importBundle: async (request) => {
      // Every file is checked against the manifest and the others first; a bundle that fails is refused, naming the file.
      const bundle = readBundle(new Uint8Array(Buffer.from(request.base64, 'base64')), 'imported bundle');
      const held = { experimentName: bundle.experiment.name, trace: bundle.traceLines.join('\n'), ...(bundle.experiment.moments === undefined ? {} : { moments: bundle.experiment.moments.map(({ atMs, caption }) => ({ atMs, caption })) }) };
      if (bundle.summary.runtime === 'threads') {
        // A live run is not deterministic: a replay in the simulator would be another run of the same experiment.
        return { reproduced: null, reason: 'a live (threads) run is not deterministic; it cannot be replayed exactly', traceVerified: true, summary: bundle.summary, ...held };
      }
      // The replay runs in a worker, so the service keeps serving the app meanwhile; it is compared with the bundle's own trace, line by line.
      const { summary: replayed, difference } = await replayInWorker({ experiment: bundle.experiment, traceLines: bundle.traceLines });
      const reproduced = difference === null && JSON.stringify(replayed) === JSON.stringify(bundle.summary);
      return { reproduced, ...(reproduced ? {} : { reason: difference === null ? 'the replay\'s summary differs from summary.json' : `the replay differs: ${describeTraceDifference(difference)}` }), traceVerified: true, summary: replayed, ...held };
    },
    startSweep: (request) => {
      const { experiment, firstSeed } = sweepExperiment(request);
      return this.sweeps.start({ sweepId: request.sweepId, experiment, firstSeed, seedCount: request.seeds });
    },
    cancelExport: (request) => {
      const abort = this.exportsGoing.get(request.exportId);
      abort?.abort();
      return { cancelled: abort !== undefined };
    },
    cancelSweep: (request) => ({ cancelled: this.sweeps.cancel(request.sweepId) }),
    startSwarm: (request) => {
      const { protocol } = request;
      const unsafe = swarmSwitches(protocol, request.unsafe, 'startSwarm');
      return this.swarms.start({ swarmId: request.swarmId, protocol, unsafe, firstSeed: request.firstSeed, seedCount: request.seeds });
    },
    cancelSwarm: (request) => ({ cancelled: this.swarms.cancel(request.swarmId) }),
    shrinkSwarmSeed: async (request) => this.swarms.shrink(request.protocol, swarmSwitches(request.protocol, request.unsafe, 'shrinkSwarmSeed'), request.seed),
    startGuarantees: (request) => this.guarantees.start(request),
    cancelGuarantees: (request) => ({ cancelled: this.guarantees.cancel(request.guaranteesId) }),
  };

  /** The ended run's files (exportRun, and saveRunFiles before it writes them). */
  private async exportFiles(request: LabParsedRequest<'exportRun'>): Promise<{ files: ExportedFile[]; cancelled?: boolean }> {
    const session = this.session(request.runId);
    if (session.summary === null) throw new ContractError('exportRun: the run is still going; stop it first');
    const exportId = request.exportId;
    if (exportId === undefined) return { files: await session.exportFiles() };
    if (this.exportsGoing.has(exportId)) throw new ContractError(`exportRun: an export with id ${exportId} is already going`);
    const abort = new AbortController();
    this.exportsGoing.set(exportId, abort);
    try {
      // A simulated run's files come from an exact replay; a live run's from its own run folder.
      const files = await session.exportFiles({ signal: abort.signal, onProgress: (fraction, stage) => this.emit('exportProgress', { exportId, fraction, stage }) });
      return { files };
    } catch (error) {
      if (error instanceof ReplayCancelled) return { files: [], cancelled: true };
      throw error;
    } finally {
      this.exportsGoing.delete(exportId);
    }
}

  /** A session of the runtime asked for; a live one checks linearizability in the checker pool. */
  private newSession(runtime: Experiment['runtime'], experiment: Experiment, speed: Speed | undefined, listener: SessionListener): LabSession {
    if (runtime === 'sim') return new SimSession(experiment, speed ?? experiment.speed, listener);
    return new ThreadsSession(experiment, speed, listener, { linearizability: (operations) => this.checkers().checkLabHistory(operations) });
  }

  private checkers(): CheckerPool {
    this.checkerPool ??= new CheckerPool();
    return this.checkerPool;
  }

  private dropOldSessions(): void {
    const ended = [...this.sessions.entries()].filter(([, session]) => session.summary !== null);
    while (this.sessions.size > limits.sessionsKeptMax && ended.length > 0) {
      const [runId, session] = ended.shift() as [string, LabSession];
      this.sessions.delete(runId);
      void session.close();
    }
  }

  /** No sweep going and no seed of one queued or running (what a test of cancel looks at). */
  get sweepsIdle(): boolean {
    return this.sweeps.idle;
  }

  /** No guarantees run going, and none of its runs queued or running. */
  get guaranteesIdle(): boolean {
    return this.guarantees.idle;
  }

  /** Ends every run, the checker pool, and every sweep with its pool. */
  async close(): Promise<void> {
    // Simulated runs still going are ended; live ones are aborted; every session's files go.
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((session) => session.close()));
    await this.checkerPool?.destroy();
    await this.sweeps.close();
    await this.swarms.close();
    await this.guarantees.close();
  }
}
