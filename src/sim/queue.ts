import { assert } from '../base/assert';

/** Anything the queue orders: by virtual time, then by the order of scheduling. */
export interface Scheduled {
  timeUs: number;
  sequence: number;
}

/**
 * The simulator's event queue: a binary min-heap ordered by (timeUs, sequence). Ties in time
 * keep scheduling order, which is what makes a run reproducible.
 */
export class EventQueue<Event extends Scheduled> {
  private readonly heap: Event[] = [];
  private sequenceNext = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Stamps the event with the next sequence number and queues it. */
  push(event: Event): void {
    assert(Number.isInteger(event.timeUs) && event.timeUs >= 0, () => `event time must be a non-negative integer µs, got ${event.timeUs}`);
    event.sequence = this.sequenceNext++;
    const heap = this.heap;
    let index = heap.length;
    heap.push(event);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Event;
      if (!before(event, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = event;
  }

  peek(): Event | undefined {
    return this.heap[0];
  }

  pop(): Event | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(heap[right] as Event, heap[left] as Event)) child = right;
      if (!before(heap[child] as Event, last)) break;
      heap[index] = heap[child] as Event;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.sequence < b.sequence);
}
