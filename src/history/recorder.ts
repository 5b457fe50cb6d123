import { assert } from '../base/assert';
import type { ClientId, NodeId } from '../base/ids';
import type { ConsistencyPolicy, KvCommand } from '../kv/command';
import type { ClientListener, ClientOutcome } from '../workload/clients';
import type { Operation, OperationOutput } from './operation';
import type { TraceEvent } from './trace';

/** An operation with what the lab knows beyond the history file: where and how it was served. */
export interface RecordedOperation extends Operation {
  readonly node: NodeId;
  readonly policy: ConsistencyPolicy;
  readonly sequence: number;
}

interface OpenOperation {
  readonly id: number;
  readonly clientId: ClientId;
  readonly call: number;
  readonly command: KvCommand;
  readonly node: NodeId;
  readonly policy: ConsistencyPolicy;
  readonly sequence: number;
}

/**
 * Records the client history (ARCHITECTURE §5): invocation, then ok / fail / info, in µs of true
 * time. Operations are numbered in invocation order; the finished list is in that order too.
 */
export class HistoryRecorder implements ClientListener {
  private readonly open = new Map<number, OpenOperation>();
  private readonly done: Array<RecordedOperation | undefined> = [];
  private idNext = 0;

  constructor(
    private readonly nowUs: () => number,
    private readonly trace: ((event: TraceEvent) => void) | undefined,
    private readonly onComplete?: (operation: RecordedOperation) => void,
  ) {}

  invoke(operation: { clientId: ClientId; command: KvCommand; node: NodeId; policy: ConsistencyPolicy; sequence: number; intendedUs?: number }): number {
    const id = this.idNext++;
    const call = this.nowUs();
    const { intendedUs, ...recorded } = operation;
    this.open.set(id, { id, call, ...recorded });
    this.done.push(undefined);
    const late = intendedUs !== undefined && intendedUs < call;
    this.trace?.({ t: call, kind: 'invoke', op: id, client: operation.clientId, node: operation.node, input: operation.command, ...(late ? { intended: intendedUs } : {}) });
    return id;
  }

  /** An offered operation the client never issued (ARCHITECTURE §5): a trace event for the metrics, not history. */
  missed(miss: { clientId: ClientId; intendedUs: number }): void {
    this.trace?.({ t: this.nowUs(), kind: 'missed', client: miss.clientId, intended: miss.intendedUs });
  }

  /** Each client's home replica, for the metrics' sides of a partition, and the clients' timeout. */
  clients(clients: { homes: readonly NodeId[]; timeoutMs: number }): void {
    this.trace?.({ t: this.nowUs(), kind: 'clients', homes: [...clients.homes], timeoutMs: clients.timeoutMs });
  }

  complete(operationId: number, outcome: ClientOutcome | OperationOutput, service?: { readonly served: boolean }): void {
    const open = this.open.get(operationId);
    assert(open !== undefined, () => `operation ${operationId} completed twice or never invoked`);
    this.open.delete(operationId);
    const now = this.nowUs();
    const operation: RecordedOperation = {
      id: open.id,
      clientId: open.clientId,
      call: open.call,
      return: outcome.type === 'info' ? null : now,
      input: open.command,
      output: outcome,
      node: open.node,
      policy: open.policy,
      sequence: open.sequence,
    };
    this.done[operationId] = operation;
    // Without a client's word (the run ended first), only an ok counts as served.
    const served = service?.served ?? outcome.type === 'ok';
    this.trace?.({ t: now, kind: 'complete', op: operationId, client: open.clientId, output: outcome, served });
    this.onComplete?.(operation);
  }

  /** Ends every open operation as `info` (the run ended before it answered). */
  closeOpen(): void {
    for (const id of [...this.open.keys()].sort((a, b) => a - b)) this.complete(id, { type: 'info' });
  }

  /** The history so far: completed operations in invocation order. */
  operations(): RecordedOperation[] {
    return this.done.filter((operation): operation is RecordedOperation => operation !== undefined);
  }

  /** The recorded operation by id, once completed. */
  operation(id: number): RecordedOperation | undefined {
    return this.done[id];
  }

  get openCount(): number {
    return this.open.size;
  }
}
