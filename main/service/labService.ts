import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LabCallName, type LabEvent, type LabEventName, type LabResponse, ContractError, parseRequest } from '../../src/contract/lab';
import { ExperimentError, type Experiment, validateExperiment } from '../../src/experiment/schema';
import type { PartitionSpec } from '../../src/network/partitions';
import { loadExperiment, parseExperiment, presetFiles } from '../experimentFile';
import { CheckerPool } from '../lab/checkerPool';
import { readBundle, runToFolder } from '../runFiles';
import { writeFileAtomic } from '../atomicWrite';
import { renderChartSvg, renderSvgToPng } from '../chartRender';
import { chartBuilders } from '../../src/metrics/charts';
import { runExperiment } from '../../src/experiment/run';
import { nodeRunOptions } from '../../workers/runOptions';
import { SimSession } from './simSession';

/** A flag the checker worker polls (an Int32 in shared memory, as `workers/checker.worker.ts` reads it), and its raise. */
function cancelFlag(): { readonly buffer: SharedArrayBuffer; cancel(): void } {
  const buffer = new SharedArrayBuffer(4);
  const view = new Int32Array(buffer);
  return { buffer, cancel: () => void Atomics.store(view, 0, 1) };
}

type Emit = <Name extends LabEventName>(event: Name, payload: LabEvent<Name>) => void;

/** Runs kept after they end, so the app can export them; the oldest ended ones go first. */
const sessionsKeptMax = 8;

/**
 * The Node-side lab service (DESIGN §3): the same object serves the Electron IPC bridge, the
 * browser-mode WebSocket and tests. Every call's payload is validated against the contract
 * before anything happens; a bad one changes nothing. No `electron` import here.
 */
/** What only a desktop host can do for the service (the save dialog). */
export interface LabServiceHost {
  chooseFolder?: () => Promise<string | null>;
}

export class LabService {
  constructor(private readonly host: LabServiceHost = {}) {}

  private readonly sessions = new Map<string, SimSession>();
  private runIdNext = 0;
  private checkerPool: CheckerPool | null = null;
  /** Cancels of the checks going that the app may cancel, by the app's check id. */
  private readonly checksGoing = new Map<string, () => void>();
  private readonly listeners = new Set<Emit>();

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
    const request = parseRequest(name, payload) as Record<string, unknown>;
    const handler = this.handlers[name] as (request: Record<string, unknown>) => unknown;
    return (await handler(request)) as LabResponse<Name>;
  }

  private session(runId: unknown): SimSession {
    const session = this.sessions.get(String(runId));
    if (session === undefined) throw new ContractError(`no run ${String(runId)} (it ended and was dropped, or never started)`);
    return session;
  }

  private readonly handlers: { [Name in LabCallName]: (request: Record<string, unknown>) => unknown } = {
    listPresets: () =>
      [...presetFiles().entries()].map(([name, path]) => {
        const experiment = loadExperiment(name);
        return { name, title: experiment.title, description: experiment.description, protocol: experiment.protocol, consistency: experiment.consistency, text: readFileSync(path, 'utf8') };
      }),
    validateExperiment: (request) => {
      try {
        return { ok: true, experiment: parseExperiment(request.text as string, request.source as string) };
      } catch (error) {
        if (error instanceof ExperimentError) return { ok: false, problems: [...error.problems] };
        throw error;
      }
    },
    startRun: (request) => {
      const parsed = parseExperiment(request.text as string, request.source as string);
      const experiment = validateExperiment({ ...parsed, ...(request.seed === undefined ? {} : { seed: request.seed }), ...(request.protocol === undefined || request.protocol === parsed.protocol ? {} : { protocol: request.protocol, protocolSettings: {} }) }, request.source as string);
      if ((request.runtime ?? experiment.runtime) === 'threads') throw new ContractError('startRun: the threads runtime is not served to the app yet; use runtime sim');
      const runId = `run-${++this.runIdNext}`;
      const session = new SimSession(experiment, (request.speed as number | 'max' | undefined) ?? experiment.speed, {
        metrics: (batch) => this.emit('metrics', { runId, ...batch }),
        trace: (batch) => this.emit('trace', { runId, events: batch.events }),
        ended: (result) => this.emit('runEnded', { runId, summary: result.summary as unknown as Record<string, unknown> }),
      });
      this.sessions.set(runId, session);
      this.dropOldSessions();
      session.start();
      return { runId, nodes: Array.from({ length: experiment.nodes }, (_, i) => `n${i + 1}`) };
    },
    pauseRun: (request) => (this.session(request.runId).pause(), { ok: true }),
    resumeRun: (request) => (this.session(request.runId).resume(), { ok: true }),
    stopRun: (request) => ({ summary: this.session(request.runId).end().summary }),
    setSpeed: (request) => (this.session(request.runId).setSpeed(request.speed as number | 'max'), { ok: true }),
    nodeAction: (request) => {
      const session = this.session(request.runId);
      const node = request.node as string;
      const nodes =
        request.action === 'crash' ? session.crash(node, request.amnesia === true)
        : request.action === 'restart' ? session.restart(node)
        : request.action === 'pause' ? session.pauseNode(node)
        : session.resumeNode(node);
      return { nodes: (nodes as string[] | undefined) ?? [] };
    },
    partition: (request) => ({ description: this.session(request.runId).partition(request.spec as PartitionSpec) }),
    heal: (request) => (this.session(request.runId).heal(), { ok: true }),
    setNetwork: (request) => (this.session(request.runId).setNetwork(request.change as object), { ok: true }),
    setConsistency: (request) => (this.session(request.runId).setConsistency(request.consistency as Experiment['consistency']), { ok: true }),
    runState: (request) => {
      const session = this.session(request.runId);
      const cluster = session.controller.cluster;
      return {
        runId: request.runId as string,
        nowMs: session.controller.nowMs,
        done: session.summary !== null,
        paused: session.isPaused,
        consistency: session.controller.consistency,
        nodes: cluster.ids.map((id) => ({ id, up: cluster.isUp(id), paused: cluster.isPaused(id), driftPpm: cluster.clockDriftPpm(id), view: cluster.view(id) })),
        links: cluster.network.linkStates(),
        summary: (session.summary as unknown as Record<string, unknown>) ?? null,
      };
    },
    checkHistory: async (request) => {
      this.checkerPool ??= new CheckerPool();
      const checkId = request.checkId as string | undefined;
      // A cancellable check carries a shared flag the worker's search polls (workers/checker.worker.ts).
      const flag = checkId === undefined ? undefined : cancelFlag();
      if (checkId !== undefined && flag !== undefined) {
        if (this.checksGoing.has(checkId)) throw new ContractError(`checkHistory: a check with id ${checkId} is already going`);
        this.checksGoing.set(checkId, flag.cancel);
      }
      try {
        return await this.checkerPool.check({ file: request.fileName as string, text: request.text as string, format: (request.format as 'auto' | undefined) ?? 'auto', ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs as number }), ...(flag === undefined ? {} : { cancelFlag: flag.buffer }) });
      } finally {
        if (checkId !== undefined) this.checksGoing.delete(checkId);
      }
    },
    cancelCheck: (request) => {
      const cancel = this.checksGoing.get(request.checkId as string);
      cancel?.();
      return { cancelled: cancel !== undefined };
    },
    exportRun: (request) => {
      const session = this.session(request.runId);
      if (session.summary === null) throw new ContractError('exportRun: the run is still going; stop it first');
      const folder = mkdtempSync(join(tmpdir(), 'caplab-export-'));
      try {
        // Replaying the recorded actions reproduces the run exactly; the files come from that replay.
        const replay = runToFolder(session.replayableExperiment(), folder, nodeRunOptions());
        if (replay.summary.traceSha256 !== session.summary.traceSha256) throw new Error(`export: the replay did not reproduce the run (trace ${replay.summary.traceSha256} ≠ ${session.summary.traceSha256})`);
        const names = ['bundle.zip', 'report.html', 'summary.json', 'trace.jsonl', 'history.json', 'history.edn', 'metrics.csv', 'experiment.yaml'];
        return { files: names.map((name) => ({ name, base64: readFileSync(join(folder, name)).toString('base64') })) };
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
    saveRunFiles: async (request) => {
      if (this.host.chooseFolder === undefined) throw new ContractError('saveRunFiles: the save dialog exists only in the desktop app; in the browser, exportRun downloads the files');
      const { files } = (await this.handlers.exportRun(request)) as { files: Array<{ name: string; base64: string }> };
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
      const svg = renderChartSvg(builder.build(result.metrics, { theme: (request.theme as 'light' | 'dark' | undefined) ?? 'light', animation: false }));
      const bytes = request.format === 'svg' ? Buffer.from(svg, 'utf8') : Buffer.from(renderSvgToPng(svg));
      return { name: `${builder.name}.${request.format as string}`, base64: bytes.toString('base64') };
    },
    importBundle: (request) => {
      const bundle = readBundle(new Uint8Array(Buffer.from(request.base64 as string, 'base64')), 'imported bundle');
      const replayed = runExperiment(bundle.experiment, nodeRunOptions()).summary;
      return { reproduced: JSON.stringify(replayed) === JSON.stringify(bundle.summary), summary: replayed as unknown as Record<string, unknown>, experimentName: bundle.experiment.name, trace: bundle.traceLines.join('\n') };
    },
  };

  private dropOldSessions(): void {
    const ended = [...this.sessions.entries()].filter(([, session]) => session.summary !== null);
    while (this.sessions.size > sessionsKeptMax && ended.length > 0) this.sessions.delete((ended.shift() as [string, SimSession])[0]);
  }

  /** Ends every run and the checker pool. */
  async close(): Promise<void> {
    for (const session of this.sessions.values()) if (session.summary === null) session.end();
    this.sessions.clear();
    await this.checkerPool?.destroy();
  }
}
