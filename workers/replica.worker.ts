/**
 * One replica in its own worker thread (ARCHITECTURE §3, the live runtime). It hosts exactly the same
 * protocol code as the simulator, through the replica contract: ticks come from a real timer
 * scaled by the run's time scale and this node's clock drift; messages and client requests
 * arrive from the bus in the main process in batches; everything the replica outputs while
 * handling one batch (or one timer) leaves in ONE postMessage, persist records first, so the
 * main process can make them durable (its copy of the node's disk) before it routes anything.
 * A throw anywhere here ends the worker; the main process shows the node as crashed with the reason.
 */
import { limits } from '../src/base/limits';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { assert, assertNever } from '../src/base/assert';
import { type NodeId, nodeIds } from '../src/base/ids';
import { prngStream } from '../src/base/prng';
import {
  type ClockSetting,
  clockFromSetting,
  type FromReplicaWorker,
  type LabTime,
  type ProtocolRecord,
  labNowUs,
  parseReplicaWorkerData,
  parseToReplica,
} from '../src/contract/worker';
import { chooseProtocol } from '../src/experiment/protocols';
import { type Experiment, validateExperiment } from '../src/experiment/schema';
import type { ClientReply } from '../src/kv/command';
import type { NodeClock } from '../src/network/clock';
import type { ObservedEvent, ProtocolDefinition, Replica } from '../src/protocol/replica';
import { wallNowMs } from './wallClock';

/** The start data as the worker reads it: checked, with the experiment validated again. */
type ReplicaStart = Omit<ReturnType<typeof parseReplicaWorkerData>, 'experiment'> & { readonly experiment: Experiment };
type ToReplica = ReturnType<typeof parseToReplica>;


// ---- The host ------------------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-explicit-any -- the host never looks into the protocol's messages */
function loadProtocol(data: ReplicaStart): ProtocolDefinition<any, any, any, any> {
  if (data.protocolModule === undefined) return chooseProtocol(data.experiment).protocol;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a test-only protocol named at run time
  const loaded = require(data.protocolModule) as { protocol?: ProtocolDefinition<any, any, any, any> };
  assert(loaded.protocol !== undefined, `${data.protocolModule} exports no protocol`);
  return loaded.protocol;
}

class ReplicaHost {
  private readonly replica: Replica<any, any>;
  private readonly protocol: ProtocolDefinition<any, any, any, any>;
  private readonly tickUs: number;
  private time: LabTime;
  private clock: NodeClock;
  private paused: boolean;
  private nextTickLocalUs: number;
  private timer: NodeJS.Timeout | null = null;
  private persist: ProtocolRecord[] = [];
  private readonly replicas: readonly NodeId[];
  private readonly indexOf: ReadonlyMap<NodeId, number>;
  private to: number[] = [];
  private messages: ProtocolRecord[] = [];
  private replies: ClientReply[] = [];
  private events: ObservedEvent[] = [];
  private readonly invariantsBroken = new Set<string>();

  constructor(
    private readonly data: ReplicaStart,
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
    this.protocol = protocol;
    this.replica = protocol.create({
      id: data.id,
      replicas: this.replicas,
      settings: chooseProtocol(experiment).settings,
      tickMs: experiment.tickMs,
      prng: prngStream(experiment.seed, `node:${data.id}#${data.incarnation}`),
      disk: data.disk,
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
  onMessage(message: ToReplica): void {
    switch (message.kind) {
      case 'inputs':
        return this.onInputs(message);
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
      case 'facts':
        return this.onFacts();
      case 'ping':
        return this.post({ kind: 'pong' });
      default:
        assertNever(message, 'message to a replica worker');
    }
  }

  private onFacts(): void {
    const facts = this.protocol.safetyFacts(this.replica);
    this.post({ kind: 'facts', facts: { ...facts, committed: [...facts.committed] } });
  }

  private onInputs(batch: ToReplica & { kind: 'inputs' }): void {
    const { senders, payloads } = batch.batch;
    for (let position = 0; position < senders.length; position++) {
      // Parsed once, with the batch (parseToReplica): a payload with a kind came from a replica.
      const payload = payloads[position] as (typeof payloads)[number];
      if ('kind' in payload) this.replica.receive(this.replicas[senders[position] as number] as NodeId, payload);
      else this.replica.request(payload);
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
    while (this.nextTickLocalUs <= localUs && ticks < limits.ticksCatchUpMax) {
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

if (!isMainThread && parentPort !== null && (workerData as { role?: unknown } | undefined)?.role === 'replica') {
  const port = parentPort;
  const start = parseReplicaWorkerData(workerData);
  const data: ReplicaStart = { ...start, experiment: validateExperiment(start.experiment, 'the experiment a replica worker was given') };
  const host = new ReplicaHost(data, (message) => port.postMessage(message));
  // A message that breaks the contract throws here: the worker ends and the main process shows the node crashed with the reason.
  port.on('message', (message: unknown) => host.onMessage(parseToReplica(message)));
}
