import { type LabCallName, type LabClient, type LabEvent, type LabEventName, type LabRequest, type LabResponse, labCalls, labEvents } from '../../src/contract/lab';

/** What the client needs of a WebSocket: the browser's, or `ws` in Node tests. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/**
 * The lab over browser mode's WebSocket: one method per contract call, `on` subscriptions that
 * return an unsubscribe. Requests are validated here too, so a bad call fails before it leaves.
 */
export async function connectWebSocketLab(url: string, open: (url: string) => SocketLike): Promise<LabClient & { close(): void }> {
  const socket = open(url);
  await new Promise<void>((done, fail) => {
    socket.onopen = () => done();
    socket.onerror = () => fail(new Error(`cannot reach the lab at ${url.replace(/token=[^&]+/, 'token=…')}`));
  });
  let idNext = 0;
  const pending = new Map<number, { done: (value: unknown) => void; fail: (error: Error) => void }>();
  const listeners = new Map<LabEventName, Set<(payload: never) => void>>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number | null; ok?: boolean; result?: unknown; error?: string; event?: LabEventName; payload?: unknown };
    if (message.event !== undefined) {
      const parsed = labEvents[message.event]?.safeParse(message.payload);
      if (parsed?.success !== true) return;
      for (const listener of listeners.get(message.event) ?? []) listener(parsed.data as never);
      return;
    }
    const waiting = typeof message.id === 'number' ? pending.get(message.id) : undefined;
    if (waiting === undefined) return;
    pending.delete(message.id as number);
    if (message.ok === true) waiting.done(message.result);
    else waiting.fail(new Error(message.error ?? 'the lab refused the call'));
  };
  socket.onclose = () => {
    for (const waiting of pending.values()) waiting.fail(new Error('the connection to the lab closed'));
    pending.clear();
  };
  const invoke = (call: LabCallName, payload: unknown) =>
    new Promise((done, fail) => {
      const checked = labCalls[call].request.safeParse(payload);
      if (!checked.success) {
        fail(new Error(`${call}: invalid payload: ${checked.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ')}`));
        return;
      }
      const id = ++idNext;
      pending.set(id, { done, fail });
      socket.send(JSON.stringify({ id, call, payload }));
    });
  const client: Record<string, unknown> = {
    on<Name extends LabEventName>(event: Name, listener: (payload: LabEvent<Name>) => void) {
      let set = listeners.get(event);
      if (set === undefined) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    close: () => socket.close(),
  };
  for (const call of Object.keys(labCalls) as LabCallName[]) {
    client[call] = (request: LabRequest<typeof call>) => invoke(call, request) as Promise<LabResponse<typeof call>>;
  }
  return client as unknown as LabClient & { close(): void };
}
