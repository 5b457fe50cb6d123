import type { LabClient, LabEvent, LabEventName } from '../../src/contract/lab';
import type { LabHost } from '../../renderer/lab/labHost';

/** One call the fake lab received. */
export interface FakeCall {
  readonly call: string;
  readonly request: Record<string, unknown>;
}

export type FakeAnswers = Record<string, (request: Record<string, unknown>) => unknown>;

/**
 * A fake lab host for store tests: each call is recorded and answered by `answers` (a call with
 * no answer is missing, as it would be from an older lab); the test pushes events with `emit`,
 * fires the host's timers by hand, and reads what was saved as downloads.
 */
export function fakeLabHost(answers: FakeAnswers) {
  const calls: FakeCall[] = [];
  const listeners = new Map<string, Set<(payload: never) => void>>();
  const timers: Array<() => void> = [];
  const saved: Array<{ name: string; bytes: Uint8Array }> = [];
  const lab: Record<string, unknown> = {
    on<Name extends LabEventName>(event: Name, listener: (payload: LabEvent<Name>) => void) {
      let set = listeners.get(event);
      if (set === undefined) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
  for (const [call, answer] of Object.entries(answers)) {
    lab[call] = async (request: Record<string, unknown>) => {
      calls.push({ call, request });
      return answer(request);
    };
  }
  const host: LabHost = {
    lab: lab as unknown as LabClient,
    saveFile: (name, bytes) => saved.push({ name, bytes }),
    every: (_intervalMs, action) => {
      timers.push(action);
      return () => {
        const index = timers.indexOf(action);
        if (index >= 0) timers.splice(index, 1);
      };
    },
  };
  const emit = <Name extends LabEventName>(event: Name, payload: LabEvent<Name>) => listeners.get(event)?.forEach((listener) => listener(payload as never));
  return { host, calls, timers, saved, emit };
}
