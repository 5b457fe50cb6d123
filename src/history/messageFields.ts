import type { TraceEvent } from './trace';

/**
 * A message's fields as a trace send line carries them (ARCHITECTURE §9): a compact, deterministic
 * summary for the replay's "click a message for its fields" — every top-level scalar field (numbers,
 * booleans, null, short strings), every array field as its length (`entries: 3` is written
 * `"entries[]": 3`), and the scalars of a nested object one level down (`ballot.round`). Never a whole
 * log: entries, snapshots and long strings are left out or counted. The kind itself (already the
 * line's `message`) is not repeated. Field order is the message's own, so the same run writes the same
 * bytes.
 */
export type MessageFieldValue = number | boolean | string | null;
export type MessageFields = Readonly<Record<string, MessageFieldValue>>;

/** Strings longer than this are left out (a command's text, a snapshot's state). */
export const fieldStringMax = 40;
/** At most this many fields per message. */
export const fieldsMax = 16;

function scalar(value: unknown): value is MessageFieldValue {
  return value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= fieldStringMax);
}

/** The summary of `message` whose kind is `kind`; null when it has no field to show (not an object, or nothing but its kind). */
export function messageFields(message: unknown, kind: string): MessageFields | null {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  let fields: Record<string, MessageFieldValue> | null = null;
  let count = 0;
  const put = (key: string, value: MessageFieldValue): boolean => {
    fields ??= {};
    fields[key] = value;
    return ++count < fieldsMax;
  };
  for (const key in message) {
    if (!Object.prototype.hasOwnProperty.call(message, key)) continue;
    const value = (message as Record<string, unknown>)[key];
    if (value === kind || value === undefined) continue;
    if (scalar(value)) {
      if (!put(key, value)) break;
    } else if (Array.isArray(value)) {
      if (!put(`${key}[]`, value.length)) break;
    } else if (typeof value === 'object' && value !== null) {
      let full = false;
      for (const inner in value) {
        if (!Object.prototype.hasOwnProperty.call(value, inner)) continue;
        const innerValue = (value as Record<string, unknown>)[inner];
        if (scalar(innerValue) && !put(`${key}.${inner}`, innerValue)) {
          full = true;
          break;
        }
      }
      if (full) break;
    }
  }
  return fields;
}

/**
 * A send line of the trace: `fields` (when the message has any) after `message` and before
 * `heartbeat`, the order `traceLine` (src/run/digest.ts) writes them in, in both runtimes.
 */
export function sendLine(t: number, id: number, from: string, to: string, kind: string, message: unknown, heartbeat: boolean): Extract<TraceEvent, { kind: 'send' }> {
  const fields = messageFields(message, kind);
  if (fields === null) return heartbeat ? { t, kind: 'send', id, from, to, message: kind, heartbeat } : { t, kind: 'send', id, from, to, message: kind };
  return heartbeat ? { t, kind: 'send', id, from, to, message: kind, fields, heartbeat } : { t, kind: 'send', id, from, to, message: kind, fields };
}
