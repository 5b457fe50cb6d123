/**
 * One replica in its own worker thread (ARCHITECTURE §3, the live runtime). It hosts exactly the same
 * protocol code as the simulator, through the replica contract: ticks come from a real timer
 * scaled by the run's time scale and this node's clock drift; messages and client requests
 * arrive from the bus in the main process in batches; everything the replica outputs while
 * handling one batch (or one timer) leaves in ONE postMessage, persist records first, so the
 * main process can make them durable (its copy of the node's disk) before it routes anything.
 * A throw anywhere here ends the worker; the main process shows the node as crashed with the reason.
 */
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { assert, assertNever } from '../src/base/assert';
import { type NodeId, nodeIds } from '../src/base/ids';
import { prngStream } from '../src/base/prng';
import { chooseProtocol } from '../src/experiment/protocols';
import type { Experiment } from '../src/experiment/schema';
import type { ClientReply, ClientRequest } from '../src/kv/command';
import { NodeClock } from '../src/network/clock';
import type { ObservedEvent, ProtocolDefinition, Replica, ReplicaView } from '../src/protocol/replica';

// ---- The worker contract (plain data both ways) ----------------------------------------------------

/** The run's time: lab time (µs) ran from `labUs` at wall time `wallMs` at `scale` lab-ms per wall-ms. */
export interface LabTime {
  readonly labUs: number;
  /** Epoch ms (performance.timeOrigin + performance.now()), comparable across threads. */
  readonly wallMs: number;
  readonly scale: number;
  /** False while the whole run is paused: lab time stands still. */
  readonly running: boolean;
}

/** A node's clock: at lab time `atLabUs` it reads `atLabUs + offsetUs` and runs at 1 + drift. */
export interface ClockSetting {
  readonly atLabUs: number;
  readonly offsetUs: number;
  readonly driftPpm: number;
}

export interface ReplicaWorkerData {
  readonly role: 'replica';
  readonly experiment: Experiment;
  readonly id: NodeId;
  /** The node's durable state as the main process kept it; null on first start. */
  readonly disk: unknown;
  /** 0 on first start; every restart increments it (VR: a restart runs recovery). */
  readonly incarnation: number;
  readonly time: LabTime;
  readonly clock: ClockSetting;
  readonly paused: boolean;
  /** Per-replica invariants after every input (as the simulator does). */
  readonly checkInvariants: boolean;
  /** Tests and benchmarks only: a module whose `protocol` export replaces the experiment's protocol. */
  readonly protocolModule?: string;
}

/** `InputBatch.senders` entry of a client request (the payload is a `ClientRequest`). */
export const clientSender = -1;

/**
 * The replica's inputs in the order the bus delivered them, as two columns: `payloads[i]` came
 * from the replica at index `senders[i]` (of the experiment's node ids), or is a client request
 * when that is `clientSender`. Columns rather than one object per input: structured cloning
 * costs per object, and every message is cloned twice on its way (worker → main → worker).
 */
export interface InputBatch {
  readonly senders: number[];
  readonly payloads: unknown[];
}

export type ToReplicaWorker =
  | { readonly kind: 'inputs'; readonly batch: InputBatch }
  | { readonly kind: 'time'; readonly time: LabTime }
  | { readonly kind: 'clock'; readonly clock: ClockSetting }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  /** Asks for the replica's applied key-values (end-of-run divergence check). */
  | { readonly kind: 'inspect' }
  /** Asks for an image of the whole replica, for the cluster-wide invariants (`main/lab/clusterCheck.ts`). */
  | { readonly kind: 'image' }
  /** Asks for a `pong` (the main process's watchdog: a worker that stops answering is unresponsive). */
  | { readonly kind: 'ping' };

export type FromReplicaWorker =
  | {
      readonly kind: 'outputs';
      /** Durable before anything below leaves (ARCHITECTURE §2 host rule). */
      readonly persist: unknown[];
      /** Messages to other replicas: `messages[i]` goes to the node at index `to[i]` (columns, as `InputBatch`). */
      readonly to: number[];
      readonly messages: unknown[];
      readonly replies: ClientReply[];
      readonly events: ObservedEvent[];
      readonly view: ReplicaView;
      readonly invariantsBroken: string[];
    }
  | { readonly kind: 'state'; readonly view: ReplicaView; readonly keyValues: Array<[string, string]> }
  /** The replica as `replicaImage` copies it. */
  | { readonly kind: 'image'; readonly image: unknown }
  | { readonly kind: 'pong' };

/** The field of a replica image's object that names the class the object was an instance of. */
export const imageClassField = '$class';

/**
 * A copy of a replica that can cross threads: its fields, recursively, without functions (which
 * structured cloning refuses), each class instance turned into a plain object whose
 * `imageClassField` names its class, so the main process can give it its prototype back and run
 * the protocol's own cluster checker over it. Shared and cyclic references stay shared.
 */
export function replicaImage(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(replicaImage(item, seen));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map<unknown, unknown>();
    seen.set(value, copy);
    for (const [key, item] of value) copy.set(replicaImage(key, seen), replicaImage(item, seen));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set<unknown>();
    seen.set(value, copy);
    for (const item of value) copy.add(replicaImage(item, seen));
    return copy;
  }
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) copy[imageClassField] = (prototype as { constructor: { name: string } }).constructor.name;
  for (const [key, item] of Object.entries(value)) if (typeof item !== 'function') copy[key] = replicaImage(item, seen);
  return copy;
}

// ---- Time ----------------------------------------------------------------------------------------------

/** Wall time in epoch ms, with sub-ms precision, the same in every thread. */
export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Lab time (µs) at wall time `wallMs`. */
export function labNowUs(time: LabTime, wallMs: number): number {
  if (!time.running) return time.labUs;
  return Math.max(time.labUs, Math.floor(time.labUs + (wallMs - time.wallMs) * 1000 * time.scale));
}

/** A NodeClock set as the main process describes it. */
export function clockFromSetting(setting: ClockSetting): NodeClock {
  const clock = new NodeClock();
  clock.setDrift(setting.atLabUs, setting.driftPpm);
  clock.shift(setting.atLabUs, setting.offsetUs);
  return clock;
}

/** Ticks a late timer may catch up at once; beyond that the node skips them, as a descheduled process would. */
const ticksCatchUpMax = 10;

// ---- The host ------------------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any -- the host never looks into the protocol's messages */
function loadProtocol(data: ReplicaWorkerData): ProtocolDefinition<any, any, any, any> {
  if (data.protocolModule === undefined) return chooseProtocol(data.experiment).protocol;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a test-only protocol named at run time
  const loaded = require(data.protocolModule) as { protocol?: ProtocolDefinition<any, any, any, any> };
  assert(loaded.protocol !== undefined, `${data.protocolModule} exports no protocol`);
  return loaded.protocol;
}

class ReplicaHost {
  private readonly replica: Replica<any, any>;
  private readonly tickUs: number;
  private time: LabTime;
  private clock: NodeClock;
  private paused: boolean;
  private nextTickLocalUs: number;
  private timer: NodeJS.Timeout | null = null;
  private persist: unknown[] = [];
  private readonly replicas: readonly NodeId[];
  private readonly indexOf: ReadonlyMap<NodeId, number>;
  private to: number[] = [];
  private messages: unknown[] = [];
  private replies: ClientReply[] = [];
  private events: ObservedEvent[] = [];
  private readonly invariantsBroken = new Set<string>();

  constructor(
    private readonly data: ReplicaWorkerData,
    private readonly post: (message: FromReplicaWorker) => void,
  ) {
    const experiment = data.experiment;
    this.time = data.time;
    this.clock = clockFromSetting(data.clock);
    this.paused = data.paused;
    this.tickUs = experiment.tickMs * 1000;
    this.replicas = nodeIds(experiment.nodes);
    this.indexOf = new Map(this.replicas.map((id, index) => [id, index]));
    const protocol = loadProtocol(data);
    this.replica = protocol.create({
      id: data.id,
      replicas: this.replicas,
      settings: chooseProtocol(experiment).settings,
      tickMs: experiment.tickMs,
      prng: prngStream(experiment.seed, `node:${data.id}#${data.incarnation}`),
      disk: data.disk as any,
      incarnation: data.incarnation,
      unsafe: new Set(experiment.unsafe),
      localClockUs: () => this.clock.localUs(this.labNowUs()),
    });
    this.nextTickLocalUs = this.clock.localUs(this.labNowUs()) + this.tickUs;
    this.collect();
    this.flush(true);
    this.schedule();
  }

  private labNowUs(): number {
    return labNowUs(this.time, wallNowMs());
  }

  /** One dispatcher for everything the main process sends. */
  onMessage(message: ToReplicaWorker): void {
    switch (message.kind) {
      case 'inputs':
        return this.onInputs(message.batch);
      case 'time':
        this.time = message.time;
        return this.schedule();
      case 'clock':
        return this.onClock(message.clock);
      case 'pause':
        this.paused = true;
        return this.schedule();
      case 'resume':
        return this.onResume();
      case 'inspect':
        return this.post({ kind: 'state', view: this.replica.view(), keyValues: [...this.replica.keyValues()] });
      case 'image':
        return this.post({ kind: 'image', image: replicaImage(this.replica) });
      case 'ping':
        return this.post({ kind: 'pong' });
      default:
        assertNever(message, 'message to a replica worker');
    }
  }

  private onInputs(batch: InputBatch): void {
    const { senders, payloads } = batch;
    assert(senders.length === payloads.length, 'an input batch has one sender per payload');
    for (let position = 0; position < senders.length; position++) {
      const sender = senders[position] as number;
      if (sender === clientSender) this.replica.request(payloads[position] as ClientRequest);
      else this.replica.receive(this.replicas[sender] as NodeId, payloads[position]);
      this.collect();
    }
    this.flush(false);
  }

  private onClock(setting: ClockSetting): void {
    const nowUs = this.labNowUs();
    const next = clockFromSetting(setting);
    // Ticks follow elapsed local time, not the clock's reading: a jump keeps the cadence (as in the simulator).
    this.nextTickLocalUs += next.localUs(nowUs) - this.clock.localUs(nowUs);
    this.clock = next;
    this.schedule();
  }

  private onResume(): void {
    if (!this.paused) return;
    this.paused = false;
    // Ticks missed while frozen are not replayed: a paused process simply did not run.
    this.nextTickLocalUs = this.clock.localUs(this.labNowUs()) + this.tickUs;
    this.schedule();
  }

  private onTimer(): void {
    this.timer = null;
    if (this.paused || !this.time.running) return;
    const localUs = this.clock.localUs(this.labNowUs());
    let ticks = 0;
    while (this.nextTickLocalUs <= localUs && ticks < ticksCatchUpMax) {
      this.replica.tick();
      this.collect();
      this.nextTickLocalUs += this.tickUs;
      ticks++;
    }
    if (this.nextTickLocalUs <= localUs) this.nextTickLocalUs = localUs + this.tickUs;
    this.flush(false);
    this.schedule();
  }

  /** Arms the timer for the next tick, in wall time. */
  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.paused || !this.time.running) return;
    const dueLabUs = this.clock.trueUsAt(this.nextTickLocalUs);
    const delayMs = Math.max(0, (dueLabUs - this.labNowUs()) / 1000 / this.time.scale);
    this.timer = setTimeout(() => this.onTimer(), delayMs);
  }

  /** Drains one Ready batch into the outputs of the current flush. */
  private collect(): void {
    const ready = this.replica.ready();
    for (const record of ready.persist) this.persist.push(record);
    for (const { to, message } of ready.messages) {
      this.to.push(this.indexOf.get(to) as number);
      this.messages.push(message);
    }
    for (const reply of ready.replies) this.replies.push(reply);
    for (const event of ready.events) this.events.push(event);
    if (this.data.checkInvariants) for (const problem of this.replica.checkInvariants()) this.invariantsBroken.add(problem);
  }

  /** Everything since the last flush, in one postMessage. */
  private flush(always: boolean): void {
    const empty = this.persist.length === 0 && this.messages.length === 0 && this.replies.length === 0 && this.events.length === 0 && this.invariantsBroken.size === 0;
    if (empty && !always) return;
    this.post({ kind: 'outputs', persist: this.persist, to: this.to, messages: this.messages, replies: this.replies, events: this.events, view: this.replica.view(), invariantsBroken: [...this.invariantsBroken] });
    this.persist = [];
    this.to = [];
    this.messages = [];
    this.replies = [];
    this.events = [];
    this.invariantsBroken.clear();
  }
}

const data = workerData as ReplicaWorkerData | undefined;
if (!isMainThread && parentPort !== null && data?.role === 'replica') {
  const port = parentPort;
  const host = new ReplicaHost(data, (message) => port.postMessage(message));
  port.on('message', (message: ToReplicaWorker) => host.onMessage(message));
}
