import { assert } from '../base/assert';

/**
 * The simulator's event queue: a binary min-heap ordered by (timeUs, sequence), where the
 * sequence is the order of scheduling. Ties in time keep scheduling order, which is what makes a
 * run reproducible.
 *
 * The keys live in parallel number arrays beside the events rather than on the events: the heap
 * compares keys about log2(size) times per push and pop, and reading them from plain number
 * arrays is much cheaper than reading them from events of many shapes.
 */
export class EventQueue<Event> {
  private readonly times: number[] = [];
  private readonly sequences: number[] = [];
  private readonly events: Event[] = [];
  private sequenceNext = 0;

  get size(): number {
    return this.events.length;
  }

  /** Queues `event` at `timeUs` (integer µs), after everything already queued at that time. */
  push(timeUs: number, event: Event): void {
    assert(Number.isInteger(timeUs) && timeUs >= 0, () => `event time must be a non-negative integer µs, got ${timeUs}`);
    const sequence = this.sequenceNext++;
    const times = this.times;
    const sequences = this.sequences;
    const events = this.events;
    let index = events.length;
    times.push(timeUs);
    sequences.push(sequence);
    events.push(event);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parentTime = times[parentIndex] as number;
      // A parent is never at the same time with a later sequence: sequences only grow.
      if (parentTime <= timeUs) break;
      times[index] = parentTime;
      sequences[index] = sequences[parentIndex] as number;
      events[index] = events[parentIndex] as Event;
      index = parentIndex;
    }
    times[index] = timeUs;
    sequences[index] = sequence;
    events[index] = event;
  }

  /** The time of the next event, or Infinity when the queue is empty. */
  peekTimeUs(): number {
    return this.events.length === 0 ? Infinity : (this.times[0] as number);
  }

  peek(): Event | undefined {
    return this.events[0];
  }

  /** Removes and returns the next event (its time is `peekTimeUs()` read before the call). */
  pop(): Event | undefined {
    const times = this.times;
    const sequences = this.sequences;
    const events = this.events;
    const top = events[0];
    if (top === undefined) return undefined;
    const lastTime = times.pop() as number;
    const lastSequence = sequences.pop() as number;
    const last = events.pop() as Event;
    const length = events.length;
    if (length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      let childTime = times[left] as number;
      let childSequence = sequences[left] as number;
      if (right < length) {
        const rightTime = times[right] as number;
        const rightSequence = sequences[right] as number;
        if (rightTime < childTime || (rightTime === childTime && rightSequence < childSequence)) {
          child = right;
          childTime = rightTime;
          childSequence = rightSequence;
        }
      }
      if (childTime > lastTime || (childTime === lastTime && childSequence > lastSequence)) break;
      times[index] = childTime;
      sequences[index] = childSequence;
      events[index] = events[child] as Event;
      index = child;
    }
    times[index] = lastTime;
    sequences[index] = lastSequence;
    events[index] = last;
    return top;
  }
}
