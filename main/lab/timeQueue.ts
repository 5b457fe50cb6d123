import { assert } from '../../src/base/assert';

/**
 * The bus's pending events: a binary min-heap ordered by (lab time, order of scheduling), so
 * events due at the same µs run in the order they were scheduled. Kept apart from the
 * simulator's queue, which is tuned for the simulator's own event shapes.
 */
export class TimeQueue<Event> {
  private readonly times: number[] = [];
  private readonly sequences: number[] = [];
  private readonly events: Event[] = [];
  private sequenceNext = 0;

  get size(): number {
    return this.events.length;
  }

  /** The time of the earliest event, Infinity when there is none. */
  peekTimeUs(): number {
    return this.events.length === 0 ? Infinity : (this.times[0] as number);
  }

  push(timeUs: number, event: Event): void {
    assert(Number.isInteger(timeUs) && timeUs >= 0, () => `event time must be a non-negative integer µs, got ${timeUs}`);
    const index = this.events.length;
    this.times.push(timeUs);
    this.sequences.push(this.sequenceNext);
    this.events.push(event);
    this.place(index, timeUs, this.sequenceNext++, event);
  }

  /** Removes and returns the earliest event. */
  pop(): Event | undefined {
    const events = this.events;
    const top = events[0];
    if (top === undefined) return undefined;
    const lastTime = this.times.pop() as number;
    const lastSequence = this.sequences.pop() as number;
    const last = events.pop() as Event;
    if (events.length > 0) this.sink(lastTime, lastSequence, last);
    return top;
  }

  /** Whether (timeUs, sequence) comes before the event at `index`. */
  private before(timeUs: number, sequence: number, index: number): boolean {
    const other = this.times[index] as number;
    return timeUs < other || (timeUs === other && sequence < (this.sequences[index] as number));
  }

  /** Moves an event up from `index` to where it belongs. */
  private place(start: number, timeUs: number, sequence: number, event: Event): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(timeUs, sequence, parent)) break;
      this.set(index, parent);
      index = parent;
    }
    this.times[index] = timeUs;
    this.sequences[index] = sequence;
    this.events[index] = event;
  }

  /** Puts an event at the root and moves it down to where it belongs. */
  private sink(timeUs: number, sequence: number, event: Event): void {
    const length = this.events.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(this.times[right] as number, this.sequences[right] as number, left) ? right : left;
      if (this.before(timeUs, sequence, child)) break;
      this.set(index, child);
      index = child;
    }
    this.times[index] = timeUs;
    this.sequences[index] = sequence;
    this.events[index] = event;
  }

  private set(to: number, from: number): void {
    this.times[to] = this.times[from] as number;
    this.sequences[to] = this.sequences[from] as number;
    this.events[to] = this.events[from] as Event;
  }
}
