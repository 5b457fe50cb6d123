import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { TraceEvent } from '../history/trace';

/** An incremental SHA-256 of the trace; hosts hand in a native one, the pure fallback is noble's. */
export interface TraceHasher {
  update(text: string): void;
  /** Lower-case hex. */
  digest(): string;
}

/** SHA-256 without the host's help (slower than Node's native one; the same digest). */
export function pureTraceHasher(): TraceHasher {
  const hash = sha256.create();
  return { update: (text) => hash.update(utf8ToBytes(text)), digest: () => bytesToHex(hash.digest()) };
}

/** JSON string literals of the few strings message lines carry (node ids, message kinds, reasons). */
const quotedStrings = new Map<string, string>();
const quotedStringsMax = 4096;

function quoted(text: string): string {
  let literal = quotedStrings.get(text);
  if (literal === undefined) {
    literal = JSON.stringify(text);
    if (quotedStrings.size < quotedStringsMax) quotedStrings.set(text, literal);
  }
  return literal;
}

/** A send line's fields as JSON.stringify writes them, by hand for the scalars they hold (a send line is a third of a trace). */
function fieldsJson(fields: Readonly<Record<string, unknown>>): string {
  let text = '{';
  for (const key in fields) {
    const value = fields[key];
    let literal: string;
    if (typeof value === 'number' && Number.isFinite(value)) literal = `${value}`;
    else if (typeof value === 'string') literal = quoted(value);
    else if (value === null || typeof value === 'boolean') literal = `${value}`;
    else return JSON.stringify(fields);
    text += `${text.length === 1 ? '' : ','}${quoted(key)}:${literal}`;
  }
  return `${text}}`;
}

/**
 * One trace line, exactly as `JSON.stringify(event)` writes it (the trace digest depends on every
 * byte). Message and commit lines, nearly all of a trace, are written by hand: stringify's generic walk over
 * the event was the costliest part of hashing the trace. The hand-written path only takes events
 * whose fields have the types it expects, so anything unusual still goes through stringify.
 */
export function traceLine(event: TraceEvent): string {
  if (event.kind === 'send' || event.kind === 'deliver' || event.kind === 'drop') {
    const { t, id, from, to, message } = event;
    if (Number.isFinite(t) && Number.isFinite(id) && typeof from === 'string' && typeof to === 'string' && typeof message === 'string') {
      const fields = event.kind === 'send' && event.fields !== undefined ? `,"fields":${fieldsJson(event.fields)}` : '';
      const head = `{"t":${t},"kind":"${event.kind}","id":${id},"from":${quoted(from)},"to":${quoted(to)},"message":${quoted(message)}${fields}`;
      const tail = event.heartbeat === true ? ',"heartbeat":true}' : event.heartbeat === undefined ? '}' : null;
      if (tail !== null) {
        if (event.kind !== 'drop') return `${head}${tail}`;
        if (typeof event.reason === 'string') return `${head},"reason":${quoted(event.reason)}${tail}`;
      }
    }
  } else if (event.kind === 'commit') {
    const { t, node, commitIndex } = event;
    if (Number.isFinite(t) && typeof node === 'string' && Number.isFinite(commitIndex)) return `{"t":${t},"kind":"commit","node":${quoted(node)},"commitIndex":${commitIndex}}`;
  }
  return JSON.stringify(event);
}

/**
 * The trace's SHA-256 as both runtimes compute it: one line per event (`traceLine`, byte for byte
 * `JSON.stringify`), hashed in large chunks, which costs far less than line by line.
 */
export class TraceDigest {
  private pending: string[] = [];

  constructor(private readonly hasher: TraceHasher) {}

  add(event: TraceEvent): void {
    this.pending.push(traceLine(event));
    if (this.pending.length >= 1024) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.hasher.update(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  /** Lower-case hex of everything added; call once, at the end. */
  digest(): string {
    this.flush();
    return this.hasher.digest();
  }
}
