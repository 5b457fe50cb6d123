import { assert } from '../base/assert';
import type { ClientId, NodeId } from '../base/ids';
import type { ConsistencyPolicy, KvCommand } from '../kv/command';
import type { ClientListener } from '../workload/clients';
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

  invoke(operation: { clientId: ClientId; command: KvCommand; node: NodeId; policy: ConsistencyPolicy; sequence: number }): number {
    const id = this.idNext++;
    const call = this.nowUs();
    this.open.set(id, { id, call, ...operation });
    this.done.push(undefined);
    this.trace?.({ t: call, kind: 'invoke', op: id, client: operation.clientId, node: operation.node, input: operation.command });
    return id;
  }

  complete(operationId: number, outcome: OperationOutput): void {
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
    this.trace?.({ t: now, kind: 'complete', op: operationId, client: open.clientId, output: outcome });
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
