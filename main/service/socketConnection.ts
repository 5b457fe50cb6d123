import type { RawData, WebSocket } from 'ws';
import { type LabEventName, ContractError, isLabCall } from '../../src/contract/lab';
import type { LabService } from './labService';

/** The bounds of one browser-mode connection (issue 13). */
export const connectionLimits = {
  /** Bytes waiting to go to a client past which its live batches (metrics, trace) are dropped and its requests are no longer read. */
  sendBufferBytesMax: 8 * 1024 * 1024,
  /** Once the waiting bytes are down to this, live batches flow again and the client is told what it missed. */
  sendBufferBytesResume: 1024 * 1024,
  /** Calls of one connection going at once; one more is refused until an answer goes out. */
  callsInFlightMax: 64,
} as const;

/** The events a slow client may miss: live batches the next ones supersede; the rest (a run's end, progress) always go. */
const droppableEvents: ReadonlySet<LabEventName> = new Set(['metrics', 'trace']);

/** What a connection dropped of one run while its client did not keep up. */
interface Dropped {
  metricsBatches: number;
  traceBatches: number;
  traceEvents: number;
}

/** What a connection has seen, for tests and the flood measurement. */
export interface ConnectionStats {
  /** The most bytes ever waiting to go to this client. */
  sendBufferBytesPeak: number;
  /** Live batches dropped, all runs together. */
  batchesDropped: number;
}

/**
 * One browser-mode connection: `{id, call, payload}` in; `{id, ok, result | error}` and
 * `{event, payload}` out. Every message that is not a call gets an answer naming why, and a
 * frame `ws` refuses (reserved bits, over the size cap, bad UTF-8) closes this socket with its
 * close code, never the server. Sends are bounded: past `sendBufferBytesMax` waiting, live
 * batches are dropped (counted per run) and requests are not read until the client catches up;
 * it is then sent a `liveDropped` event per run saying what it missed.
 */
export function serveSocket(ws: WebSocket, service: LabService, stats: ConnectionStats = { sendBufferBytesPeak: 0, batchesDropped: 0 }): void {
  let behind = false;
  let callsInFlight = 0;
  const dropped = new Map<string, Dropped>();

  const caughtUp = () => {
    if (!behind || ws.readyState !== ws.OPEN || ws.bufferedAmount > connectionLimits.sendBufferBytesResume) return;
    behind = false;
    ws.resume();
    for (const [runId, counts] of dropped) send({ event: 'liveDropped', payload: { runId, ...counts } });
    dropped.clear();
  };

  /** Sends one message; false when it could not be encoded (the caller answers instead). */
  function send(message: unknown): boolean {
    if (ws.readyState !== ws.OPEN) return true;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch {
      return false;
    }
    ws.send(text, caughtUp);
    const waiting = ws.bufferedAmount;
    stats.sendBufferBytesPeak = Math.max(stats.sendBufferBytesPeak, waiting);
    if (!behind && waiting > connectionLimits.sendBufferBytesMax) {
      behind = true;
      ws.pause();
    }
    return true;
  }

  const answer = (id: number | null, outcome: { ok: true; result: unknown } | { ok: false; error: string }) => {
    if (!send({ id, ...outcome })) send({ id, ok: false, error: 'the answer could not be encoded as JSON' });
  };

  const unsubscribe = service.subscribe((event, payload) => {
    if (behind && droppableEvents.has(event)) {
      const runId = (payload as { runId: string }).runId;
      const counts = dropped.get(runId) ?? { metricsBatches: 0, traceBatches: 0, traceEvents: 0 };
      if (event === 'metrics') counts.metricsBatches++;
      else {
        counts.traceBatches++;
        counts.traceEvents += (payload as { events: unknown[] }).events.length;
      }
      dropped.set(runId, counts);
      stats.batchesDropped++;
      return;
    }
    send({ event, payload });
  });
  ws.on('close', unsubscribe);
  // `ws` closes the socket itself with the code that says why (1002, 1007, 1009); without a listener the error would end the process.
  ws.on('error', () => undefined);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    // A listener that throws would end the process: whatever slips past the checks below is answered instead.
    try {
      onMessage(data, isBinary);
    } catch {
      answer(null, { ok: false, error: 'the lab could not handle this message' });
    }
  });

  function onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return answer(null, { ok: false, error: 'messages must be JSON text, not binary' });
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      return answer(null, { ok: false, error: 'message is not JSON' });
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return answer(null, { ok: false, error: 'message must be an object {id, call, payload}' });
    const { id: givenId, call, payload } = message as Record<string, unknown>;
    const id = typeof givenId === 'number' && Number.isSafeInteger(givenId) ? givenId : null;
    if (!isLabCall(call)) return answer(id, { ok: false, error: `unknown call ${quotedCall(call)}` });
    if (callsInFlight >= connectionLimits.callsInFlightMax) return answer(id, { ok: false, error: `${call}: too many calls at once (${connectionLimits.callsInFlightMax}); wait for answers` });
    callsInFlight++;
    service
      .call(call, payload)
      .then(
        (result) => answer(id, { ok: true, result }),
        (error: unknown) => answer(id, { ok: false, error: error instanceof ContractError || error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => callsInFlight--)
      .catch(() => undefined);
  }
}

/** A call name as an answer may quote it: a string (cut short), else its JSON type; never `String(value)`, which may throw. */
function quotedCall(call: unknown): string {
  if (typeof call === 'string') return `"${call.slice(0, 100)}"`;
  if (call === undefined) return '(none)';
  return `of type ${call === null ? 'null' : Array.isArray(call) ? 'array' : typeof call}`;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
