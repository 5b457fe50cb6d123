import { computed, ref, shallowRef } from 'vue';
import { messageOf } from '../lab/labHost';

/** Where a job of the lab's worker threads (a sweep, a swarm, a guarantees run) stands. */
export type LabJobStatus = 'idle' | 'starting' | 'running' | 'cancelling' | 'finished' | 'cancelled' | 'failed';

/** What every job's progress event carries besides its id: the outcomes finished since the last event, and how it ended. */
export interface LabJobProgress<Outcome> {
  readonly done: number;
  readonly total: number;
  readonly outcomes: readonly Outcome[];
  readonly finished: boolean;
  readonly cancelled: boolean;
  readonly error?: string | undefined;
}

/**
 * One job at a time of the lab's worker threads, as the sweep, swarm and guarantees stores run
 * them: an id the app picks (so it listens before the first event), the outcomes as they arrive
 * (each once, by `keyOf`), status, cancel, and errors in words naming the job (`noun`).
 */
export function useLabJob<Outcome, Event extends LabJobProgress<Outcome>>(options: {
  /** "sweep", "swarm", "guarantees run": in the ids and the messages. */
  readonly noun: string;
  readonly idPrefix: string;
  readonly keyOf: (outcome: Outcome) => string | number;
  /** The job's id in one of its events. */
  readonly idOf: (event: Event) => string;
  /** Subscribes to the job's progress events; returns the unsubscribe. */
  readonly subscribe: (listener: (event: Event) => void) => () => void;
  readonly cancelCall: (id: string) => Promise<unknown>;
}) {
  const id = ref<string | null>(null);
  const status = ref<LabJobStatus>('idle');
  const total = ref(0);
  /** How many the lab says have finished (the outcomes received should be as many). */
  const doneReported = ref(0);
  /** Every outcome received for the current job, in the order they arrived. */
  const outcomes = shallowRef<readonly Outcome[]>([]);
  const error = ref<string | null>(null);
  let idNext = 0;
  let unsubscribe: (() => void) | null = null;

  const isGoing = computed(() => status.value === 'starting' || status.value === 'running' || status.value === 'cancelling');

  function onProgress(event: Event): void {
    if (options.idOf(event) !== id.value) return;
    const known = new Set(outcomes.value.map(options.keyOf));
    const fresh = event.outcomes.filter((outcome) => !known.has(options.keyOf(outcome)));
    if (fresh.length > 0) outcomes.value = [...outcomes.value, ...fresh];
    doneReported.value = event.done;
    total.value = event.total;
    if (status.value === 'starting') status.value = 'running';
    if (!event.finished) return;
    if (event.error !== undefined) {
      status.value = 'failed';
      error.value = `The ${options.noun} stopped: ${event.error}`;
    } else status.value = event.cancelled ? 'cancelled' : 'finished';
  }

  /**
   * Starts a job: `call` asks the lab with the new id and answers how many it will run
   * (`expected` until then). False when one is going or the lab refused (the message is in `error`).
   */
  async function begin(expected: number, call: (jobId: string) => Promise<number>): Promise<boolean> {
    if (isGoing.value) return false;
    unsubscribe ??= options.subscribe(onProgress);
    const jobId = `${options.idPrefix}-${++idNext}`;
    id.value = jobId;
    status.value = 'starting';
    error.value = null;
    outcomes.value = [];
    doneReported.value = 0;
    total.value = expected;
    try {
      total.value = await call(jobId);
      if (status.value === 'starting') status.value = 'running';
      return true;
    } catch (failure) {
      if (id.value === jobId) {
        status.value = 'idle';
        id.value = null;
        error.value = `Could not start the ${options.noun}: ${messageOf(failure)}`;
      }
      return false;
    }
  }

  /** Asks the lab to stop the job; its last progress event then says cancelled, with what finished so far. */
  async function cancel(): Promise<void> {
    const jobId = id.value;
    if (jobId === null || (status.value !== 'running' && status.value !== 'starting')) return;
    status.value = 'cancelling';
    try {
      await options.cancelCall(jobId);
    } catch (failure) {
      if (id.value === jobId && status.value === 'cancelling') status.value = 'running';
      error.value = `Could not cancel the ${options.noun}: ${messageOf(failure)}`;
    }
  }

  return { id, status, total, doneReported, outcomes, error, isGoing, begin, cancel };
}
