import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { TraceEvent } from '../history/trace';

/** An incremental SHA-256 of the trace; hosts hand in a native one, the pure fallback is noble's. */
export interface TraceHasher {
  update(bytes: Uint8Array): void;
  /** Lower-case hex. */
  digest(): string;
}

/** SHA-256 without the host's help (slower than Node's native one; the same digest). */
export function pureTraceHasher(): TraceHasher {
  const hash = sha256.create();
  return { update: (bytes) => hash.update(bytes), digest: () => bytesToHex(hash.digest()) };
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
 * One trace line, exactly as `JSON.stringify(event)` writes it: what `trace.jsonl` holds and what a
 * replay compares line by line (the digest below writes the same bytes without making the string).
 * Message and commit lines, nearly all of a trace, are written by hand, as stringify's generic walk
 * over the event costs more. The hand-written path only takes events whose fields have the types it
 * expects, so anything unusual still goes through stringify.
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

const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));
const nullBytes = asciiBytes('null');
const trueBytes = asciiBytes('true');
const falseBytes = asciiBytes('false');

/** Bytes hashed at a time: far fewer calls into the hasher than one per line. */
const chunkBytes = 1 << 17;
/** A line starts in a fresh chunk when less than this is left: a line is never hashed half-written, as writing it may step back (a skipped member, a string to escape); a longer line grows the buffer. */
const lineRoom = 4096;

/**
 * The trace's SHA-256 as both runtimes compute it: the SHA-256 of the `trace.jsonl` a run writes
 * (one `JSON.stringify` line per event, each ending in a newline), so `sha256sum trace.jsonl` gives
 * the summary's `traceSha256`. Each event is written as those UTF-8 bytes straight into a buffer
 * that is hashed in large chunks: no line string is built, joined and encoded again, which was most
 * of the digest's cost (issue 20). The writer follows JSON.stringify's rules for the plain data a
 * trace holds (key order, skipped undefined members, null for non-finite numbers and for undefined
 * in arrays); anything else (a class instance, a toJSON) goes through JSON.stringify itself.
 */
export class TraceDigest {
  private buffer = new Uint8Array(chunkBytes);
  private length = 0;

  constructor(private readonly hasher: TraceHasher) {}

  add(event: TraceEvent): void {
    if (this.buffer.length - this.length < lineRoom) this.flush();
    this.value(event);
    this.byte(0x0a);
  }

  /** Lower-case hex of everything added; call once, at the end. */
  digest(): string {
    this.flush();
    return this.hasher.digest();
  }

  private flush(): void {
    if (this.length === 0) return;
    this.hasher.update(this.buffer.subarray(0, this.length));
    this.length = 0;
  }

  /** Makes room for `count` more bytes by growing the buffer (never by hashing: a line is hashed whole). */
  private room(count: number): void {
    if (this.length + count <= this.buffer.length) return;
    const grown = new Uint8Array((this.length + count) * 2);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private byte(code: number): void {
    this.room(1);
    this.buffer[this.length++] = code;
  }

  private bytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** UTF-8 of `text`: JSON text or a number that the ASCII paths above do not take (rare in a trace). */
  private text(text: string): void {
    this.bytes(utf8ToBytes(text));
  }

  /** A JSON string: printable ASCII is written as it is (node ids, kinds, keys: nearly all); anything to escape or encode goes through JSON.stringify. */
  private string(text: string): void {
    this.room(text.length + 2);
    const buffer = this.buffer;
    const start = this.length;
    let at = start;
    buffer[at++] = 0x22;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code < 0x20 || code === 0x22 || code === 0x5c || code >= 0x80) {
        this.length = start;
        return this.text(JSON.stringify(text));
      }
      buffer[at++] = code;
    }
    buffer[at++] = 0x22;
    this.length = at;
  }

  /** Whole numbers below 2^31 digit by digit (times, ids, indices: nearly every number); the rest as JS writes them. */
  private number(value: number): void {
    if (!Number.isFinite(value)) return this.bytes(nullBytes);
    if (value < 0 || value > 0x7fffffff || (value | 0) !== value) return this.text(`${value}`);
    const digits = value < 10 ? 1 : value < 100 ? 2 : value < 1e3 ? 3 : value < 1e4 ? 4 : value < 1e5 ? 5 : value < 1e6 ? 6 : value < 1e7 ? 7 : value < 1e8 ? 8 : value < 1e9 ? 9 : 10;
    this.room(digits);
    const buffer = this.buffer;
    let at = this.length + digits;
    this.length = at;
    let rest = value;
    do {
      const next = (rest / 10) | 0;
      buffer[--at] = 0x30 + rest - next * 10;
      rest = next;
    } while (rest > 0);
  }

  /** Writes `value` as JSON.stringify would; false when it writes nothing (undefined, a function: a member it skips). */
  private value(value: unknown): boolean {
    switch (typeof value) {
      case 'number':
        this.number(value);
        return true;
      case 'string':
        this.string(value);
        return true;
      case 'boolean':
        this.bytes(value ? trueBytes : falseBytes);
        return true;
      case 'object':
        if (value === null) this.bytes(nullBytes);
        else if (Array.isArray(value)) this.array(value);
        else if (isPlainData(value)) this.object(value as Record<string, unknown>);
        else {
          const text = JSON.stringify(value);
          if (text === undefined) return false;
          this.text(text);
        }
        return true;
      case 'bigint':
        throw new TypeError(`a trace event holds a BigInt (${value}), which JSON cannot write`);
      default:
        return false;
    }
  }

  private array(items: readonly unknown[]): void {
    this.byte(0x5b);
    for (let index = 0; index < items.length; index++) {
      if (index > 0) this.byte(0x2c);
      if (!this.value(items[index])) this.bytes(nullBytes);
    }
    this.byte(0x5d);
  }

  private object(members: Record<string, unknown>): void {
    this.byte(0x7b);
    let first = true;
    for (const key in members) {
      const member = members[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      const start = this.length;
      if (!first) this.byte(0x2c);
      this.string(key);
      this.byte(0x3a);
      // A member whose toJSON gives undefined is skipped whole, as JSON.stringify skips it.
      if (this.value(member)) first = false;
      else this.length = start;
    }
    this.byte(0x7d);
  }
}

/** An object literal's data: what JSON.stringify writes member by member (no class, no toJSON; its prototype gives for-in nothing). */
function isPlainData(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}
