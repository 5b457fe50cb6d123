import type { TraceEvent } from '../../src/contract/engine';

/** One read the history alone proves stale, with the write that should have hidden its value. */
export interface StaleReadEvidence {
  readonly readOperation: number;
  readonly key: string;
  readonly valueRead: string | null;
  /** The acknowledged write that completed before the read began, and began after the value's write completed. */
  readonly newerWriteOperation: number;
  /** When the read completed, µs of the simulation's true clock. */
  readonly atUs: number;
}

/** Operations the detector tracks at most; past this it stops counting and says so. */
export const trackedOperationsMax = 2_000_000;
/** Evidence kept for display (the count goes on). */
const evidenceKeptMax = 200;

interface Invoked {
  readonly callUs: number;
  readonly input: Extract<TraceEvent, { kind: 'invoke' }>['input'];
}

/** Per key: acknowledged writes in completion order, with the latest invocation among them so far. */
interface KeyWrites {
  readonly returnUs: number[];
  readonly callUsPrefixMax: number[];
  readonly operations: number[];
}

/**
 * A live lower bound on linearizability violations, from the streamed trace alone. A read that
 * returned value v is proven stale when some acknowledged write W' of the same key completed
 * before the read was invoked and was itself invoked after the write of v completed: real-time
 * order then puts write(v) < W' < read in every linearization, and since every written value is
 * unique (ARCHITECTURE §5) the read cannot return v. The initial value (null) precedes every write.
 *
 * Only that pattern is counted, and only from events actually seen, so the number never exceeds
 * the reads that are truly not linearizable. It is not a lower bound of the oracle's stale reads,
 * which judge a read against the order the cluster kept (the log, or last-writer-wins): in AP a
 * read can look stale here only because W' was later lost, and the oracle counts W' as a lost
 * write instead. raft-partition-ap seed 1: 897 reads here; 730 of them are oracle stale reads, the
 * other 167 each have a lost W'; the oracle finds 64 more stale reads that real time cannot prove.
 */
export class StaleReadDetector {
  private readonly invoked = new Map<number, Invoked>();
  /** Value → when its acknowledged write completed (µs). */
  private readonly writeReturnUsByValue = new Map<string, number>();
  private readonly writesByKey = new Map<string, KeyWrites>();
  private tracked = 0;
  /** Reads proven stale so far. */
  count = 0;
  /** True once the bound on tracked operations was reached (the count then stops rising). */
  saturated = false;
  readonly evidence: StaleReadEvidence[] = [];

  observe(event: TraceEvent): void {
    if (event.kind === 'invoke') {
      if (this.tracked >= trackedOperationsMax) {
        this.saturated = true;
        return;
      }
      this.tracked++;
      this.invoked.set(event.op, { callUs: event.t, input: event.input });
      return;
    }
    if (event.kind !== 'complete') return;
    const invoked = this.invoked.get(event.op);
    this.invoked.delete(event.op);
    // An operation whose invocation was not seen (before we subscribed, or skipped) proves nothing.
    if (invoked === undefined || event.output.type !== 'ok') return;
    const input = invoked.input;
    if (input.f === 'read') {
      this.onRead(event.op, input.key, event.output.value ?? null, invoked.callUs, event.t);
      return;
    }
    this.onWriteAcknowledged(event.op, input.key, input.f === 'write' ? input.value : input.to, invoked.callUs, event.t);
  }

  private onWriteAcknowledged(operation: number, key: string, value: string, callUs: number, returnUs: number): void {
    this.writeReturnUsByValue.set(value, returnUs);
    let writes = this.writesByKey.get(key);
    if (writes === undefined) this.writesByKey.set(key, (writes = { returnUs: [], callUsPrefixMax: [], operations: [] }));
    writes.returnUs.push(returnUs);
    writes.callUsPrefixMax.push(Math.max(callUs, writes.callUsPrefixMax.at(-1) ?? -Infinity));
    writes.operations.push(operation);
  }

  private onRead(operation: number, key: string, value: string | null, callUs: number, returnUs: number): void {
    // When the write of the value read completed; unknown (not acknowledged yet, or never) proves nothing.
    const valueWrittenUs = value === null ? -Infinity : this.writeReturnUsByValue.get(value);
    const writes = this.writesByKey.get(key);
    if (valueWrittenUs === undefined || writes === undefined) return;
    // The last acknowledged write that completed strictly before the read was invoked.
    let low = 0;
    let high = writes.returnUs.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((writes.returnUs[middle] as number) < callUs) low = middle + 1;
      else high = middle;
    }
    if (low === 0 || (writes.callUsPrefixMax[low - 1] as number) <= valueWrittenUs) return;
    // The first of them invoked after the value's write completed (the prefix maximum first exceeds it there).
    let first = 0;
    let last = low - 1;
    while (first < last) {
      const middle = (first + last) >> 1;
      if ((writes.callUsPrefixMax[middle] as number) > valueWrittenUs) last = middle;
      else first = middle + 1;
    }
    const newer = first;
    this.count++;
    if (this.evidence.length < evidenceKeptMax) this.evidence.push({ readOperation: operation, key, valueRead: value, newerWriteOperation: writes.operations[newer] as number, atUs: returnUs });
  }
}
