// Where the ui-frames benchmark's frame time goes, for `CAPLAB_UI_FRAMES_TRACE=<folder>`: a Chromium
// trace of the loaded phase summarised per thread (wall time inside tasks against the thread's own
// CPU time: the difference is time the thread was ready but the CPU was busy elsewhere), the page's
// main thread split into script, style, layout, paint and GC by self time, and the CPU seconds each
// process used (from /proc, so the tracing's own cost is visible too). Diagnosis only: the
// benchmark's figures are taken without tracing.
import { readFileSync, readdirSync } from 'node:fs';

/** One trace event as Chromium writes it (times in µs; `tdur` is the thread's CPU time). */
interface TraceEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string };
}

/** What the main thread's self time is spent on, by trace event name. */
const activityOf: ReadonlyArray<readonly [activity: string, names: RegExp]> = [
  ['gc', /^(MinorGC|MajorGC|V8\.GC|BlinkGC|CppGC|ThreadState::)/],
  ['style', /^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet)$/],
  ['layout', /^(Layout|UpdateLayout|LocalFrameView::layout)$/],
  ['paint', /^(Paint|PrePaint|Layerize|PaintImage|UpdateLayer|CompositeLayers|Commit|LocalFrameView::RunPaintLifecyclePhase|Canvas|HTMLCanvasElement|CanvasRenderingContext2D|DrawingBuffer|CanvasResourceProvider)/],
  ['script', /^(FunctionCall|EvaluateScript|v8\.|V8\.|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks|XHRReadyStateChange|v8\.run|ParseHTML|WebSocket)/],
];

function activity(name: string): string {
  return activityOf.find(([, names]) => names.test(name))?.[0] ?? 'other';
}

/** Busy time of one thread over the traced time, seconds. */
export interface ThreadBusy {
  readonly thread: string;
  readonly pid: number;
  /** Wall time inside top-level tasks. */
  readonly wallSeconds: number;
  /** The thread's own CPU time inside them. */
  readonly cpuSeconds: number;
}

export interface TraceSummary {
  readonly tracedSeconds: number;
  readonly threads: readonly ThreadBusy[];
  /** The page's main thread: self wall time per activity, seconds. */
  readonly mainSelfWallSeconds: Readonly<Record<string, number>>;
  /** The page's main thread: self CPU time per activity, seconds. */
  readonly mainSelfCpuSeconds: Readonly<Record<string, number>>;
  /** The main thread's heaviest events by self wall time: name → seconds. */
  readonly mainTopSelf: ReadonlyArray<readonly [string, number]>;
}

const isTask = (event: TraceEvent) => event.ph === 'X' && (event.name === 'ThreadControllerImpl::RunTask' || event.name === 'RunTask') && event.cat.includes('toplevel');

/** Sums the top-level tasks of each thread, and splits the page's main thread by self time. */
export function summariseTrace(json: string): TraceSummary {
  const parsed = JSON.parse(json) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const threadName = new Map<string, string>();
  for (const event of events) if (event.ph === 'M' && event.name === 'thread_name') threadName.set(`${event.pid}:${event.tid}`, event.args?.name ?? '?');
  const complete = events.filter((event) => event.ph === 'X' && event.dur !== undefined);
  let startUs = Number.POSITIVE_INFINITY;
  let endUs = Number.NEGATIVE_INFINITY;
  for (const event of complete) {
    startUs = Math.min(startUs, event.ts);
    endUs = Math.max(endUs, event.ts + (event.dur ?? 0));
  }
  const busy = new Map<string, { wall: number; cpu: number }>();
  for (const event of complete.filter(isTask)) {
    const key = `${event.pid}:${event.tid}`;
    const sum = busy.get(key) ?? { wall: 0, cpu: 0 };
    sum.wall += event.dur ?? 0;
    sum.cpu += event.tdur ?? 0;
    busy.set(key, sum);
  }
  const threads = [...busy.entries()]
    .map(([key, sum]) => ({ thread: threadName.get(key) ?? key, pid: Number(key.split(':')[0]), wallSeconds: sum.wall / 1e6, cpuSeconds: sum.cpu / 1e6 }))
    .sort((a, b) => b.wallSeconds - a.wallSeconds);
  const mainKey = [...busy.entries()].filter(([key]) => threadName.get(key) === 'CrRendererMain').sort((a, b) => b[1].wall - a[1].wall)[0]?.[0];
  const selfWall: Record<string, number> = {};
  const selfCpu: Record<string, number> = {};
  const selfByName = new Map<string, number>();
  if (mainKey !== undefined) {
    const main = complete.filter((event) => `${event.pid}:${event.tid}` === mainKey).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const self = main.map((event) => ({ event, wall: event.dur ?? 0, cpu: event.tdur ?? 0 }));
    const stack: typeof self = [];
    for (const entry of self) {
      while (stack.length > 0 && (stack.at(-1) as (typeof self)[number]).event.ts + ((stack.at(-1) as (typeof self)[number]).event.dur ?? 0) <= entry.event.ts) stack.pop();
      const parent = stack.at(-1);
      if (parent !== undefined) {
        parent.wall -= entry.event.dur ?? 0;
        parent.cpu -= entry.event.tdur ?? 0;
      }
      stack.push(entry);
    }
    for (const { event, wall, cpu } of self) {
      const kind = isTask(event) ? 'task (unattributed)' : activity(event.name);
      selfWall[kind] = (selfWall[kind] ?? 0) + Math.max(0, wall) / 1e6;
      selfCpu[kind] = (selfCpu[kind] ?? 0) + Math.max(0, cpu) / 1e6;
      selfByName.set(event.name, (selfByName.get(event.name) ?? 0) + Math.max(0, wall) / 1e6);
    }
  }
  const mainTopSelf = [...selfByName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return { tracedSeconds: (endUs - startUs) / 1e6, threads, mainSelfWallSeconds: selfWall, mainSelfCpuSeconds: selfCpu, mainTopSelf };
}

/** CPU seconds (user + system) of a process and its descendants, by command name; Linux /proc only, empty elsewhere. */
export function cpuSecondsOfTree(rootPid: number): Map<string, number> {
  const ticksPerSecond = 100;
  const parentOf = new Map<number, number>();
  const statOf = new Map<number, { command: string; ticks: number }>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return new Map();
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const command = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      parentOf.set(Number(name), Number(fields[1]));
      statOf.set(Number(name), { command, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended while we read.
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parentOf.get(at)) if (at === rootPid) return true;
    return false;
  };
  const byCommand = new Map<string, number>();
  for (const [pid, stat] of statOf) {
    if (pid === rootPid || !isDescendant(pid)) continue;
    const type = processType(pid) ?? stat.command;
    byCommand.set(type, (byCommand.get(type) ?? 0) + stat.ticks / ticksPerSecond);
  }
  return byCommand;
}

/** A Chromium process's `--type=` (renderer, gpu-process, …), "browser" for the one without, or "caplab serve". */
function processType(pid: number): string | null {
  try {
    // Chromium rewrites its children's command line into one string with spaces.
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    if (command.some((part) => part.endsWith('caplab.cjs'))) return 'caplab serve';
    if (!/chrom/i.test(command[0] ?? '')) return null;
    const type = command.find((part) => part.startsWith('--type='));
    return type === undefined ? 'chromium browser' : `chromium ${type.slice('--type='.length)}`;
  } catch {
    return null;
  }
}

/** The CPU seconds used between two readings, by process kind. */
export function cpuSecondsBetween(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [command, seconds] of after) out[command] = Math.round((seconds - (before.get(command) ?? 0)) * 100) / 100;
  return out;
}

/** A V8 CPU profile as CDP's Profiler.stop returns it. */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number }; readonly children?: readonly number[] }>;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** The functions with the most self time in a CPU profile, with their total (self and callees) time: name → [self s, total s]. */
export function profileTopFunctions(profile: CpuProfile, count = 30): Array<{ where: string; selfSeconds: number; totalSeconds: number }> {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[index + 1] ?? 0)));
  const nodeOf = new Map(profile.nodes.map((node) => [node.id, node]));
  const where = (id: number) => {
    const frame = (nodeOf.get(id) as CpuProfile['nodes'][number]).callFrame;
    return `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
  };
  const totalOf = new Map<number, number>();
  const total = (id: number): number => {
    const known = totalOf.get(id);
    if (known !== undefined) return known;
    const node = nodeOf.get(id) as CpuProfile['nodes'][number];
    const sum = (selfUs.get(id) ?? 0) + (node.children ?? []).reduce((acc, child) => acc + total(child), 0);
    totalOf.set(id, sum);
    return sum;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const node of profile.nodes) {
    const key = where(node.id);
    self.set(key, (self.get(key) ?? 0) + (selfUs.get(node.id) ?? 0));
    // Recursion counts a frame's time once per level; good enough for a ranking.
    inclusive.set(key, (inclusive.get(key) ?? 0) + total(node.id));
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => ({ where: key, selfSeconds: us / 1e6, totalSeconds: (inclusive.get(key) ?? 0) / 1e6 }));
}

/** CPU seconds the whole machine has spent busy (all processes, all CPUs), from /proc/stat; NaN elsewhere. */
export function machineBusySeconds(): number {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return (fields.reduce((sum, value) => sum + value, 0) - idle) / 100;
  } catch {
    return Number.NaN;
  }
}
