import { assert } from '../base/assert';

/**
 * The simulator's event queue: a binary min-heap ordered by (timeUs, sequence), where the
 * sequence is the order of scheduling. Ties in time keep scheduling order, which is what makes a
 * run reproducible.
 *
 * The keys live in parallel typed arrays beside the events rather than on the events: the heap
 * compares keys about log2(size) times per push and pop, and reading them from a Float64Array
 * (no boxing, no bounds growth on every push) is much cheaper than reading them from events.
 * The arrays double when full and never shrink (a run's pending events stay within
 * `limits.simEventsPendingMax`).
 */
export class EventQueue<Event> {
  private times = new Float64Array(1024);
  private sequences = new Float64Array(1024);
  private events: Array<Event | undefined> = new Array<Event | undefined>(1024).fill(undefined);
  private length = 0;
  private sequenceNext = 0;

  get size(): number {
    return this.length;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    const sequences = new Float64Array(capacity);
    sequences.set(this.sequences);
    this.times = times;
    this.sequences = sequences;
    for (let i = this.events.length; i < capacity; i++) this.events.push(undefined);
  }

  /** Queues `event` at `timeUs` (integer µs), after everything already queued at that time. */
  push(timeUs: number, event: Event): void {
    if (!(Number.isInteger(timeUs) && timeUs >= 0)) assert(false, `event time must be a non-negative integer µs, got ${timeUs}`);
    if (this.length === this.times.length) this.grow();
    const sequence = this.sequenceNext++;
    const times = this.times;
    const sequences = this.sequences;
    const events = this.events;
    let index = this.length++;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parentTime = times[parentIndex] as number;
      // A parent is never at the same time with a later sequence: sequences only grow.
      if (parentTime <= timeUs) break;
      times[index] = parentTime;
      sequences[index] = sequences[parentIndex] as number;
      events[index] = events[parentIndex];
      index = parentIndex;
    }
    times[index] = timeUs;
    sequences[index] = sequence;
    events[index] = event;
  }

  /** The time of the next event, or Infinity when the queue is empty. */
  peekTimeUs(): number {
    return this.length === 0 ? Infinity : (this.times[0] as number);
  }

  peek(): Event | undefined {
    return this.length === 0 ? undefined : this.events[0];
  }

  /** Removes and returns the next event (its time is `peekTimeUs()` read before the call). */
  pop(): Event | undefined {
    if (this.length === 0) return undefined;
    const times = this.times;
    const sequences = this.sequences;
    const events = this.events;
    const top = events[0];
    const length = --this.length;
    const lastTime = times[length] as number;
    const lastSequence = sequences[length] as number;
    const last = events[length];
    events[length] = undefined;
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
      events[index] = events[child];
      index = child;
    }
    times[index] = lastTime;
    sequences[index] = lastSequence;
    events[index] = last;
    return top;
  }
}
