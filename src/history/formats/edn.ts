import { limits } from '../../base/limits';
import { HistoryFormatError, positionOf } from './errors';
import { exactInteger } from './record';

/**
 * A small reader for EDN (https://github.com/edn-format/edn), enough for Jepsen and Knossos
 * histories: `;` comments anywhere, commas as whitespace, strings with escapes, vectors,
 * lists, sets, maps, keywords, symbols, integers and floats, nil/true/false, `#_` discard and
 * tagged elements (`#inst "…"`, records such as `#jepsen.history.Op{…}`).
 */
export type EdnValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | { readonly kind: 'keyword'; readonly name: string }
  | { readonly kind: 'symbol'; readonly name: string }
  | { readonly kind: 'character'; readonly text: string }
  | { readonly kind: 'vector' | 'list' | 'set'; readonly items: readonly EdnValue[]; readonly offset: number }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [EdnValue, EdnValue])[]; readonly offset: number }
  | { readonly kind: 'tagged'; readonly tag: string; readonly value: EdnValue; readonly offset: number };

export type EdnMap = Extract<EdnValue, { kind: 'map' }>;


const keywordCache = new Map<string, EdnValue>();
function keyword(name: string): EdnValue {
  let value = keywordCache.get(name);
  if (value === undefined) keywordCache.set(name, (value = Object.freeze({ kind: 'keyword' as const, name })));
  return value;
}

const isWhitespace = (code: number): boolean => code === 32 || code === 10 || code === 13 || code === 9 || code === 44 || code === 12;
const isDelimiter = (code: number): boolean =>
  isWhitespace(code) || code === 91 || code === 93 || code === 40 || code === 41 || code === 123 || code === 125 || code === 34 || code === 59;

const closerName: Record<number, string> = { 93: ']', 41: ')', 125: '}' };

class EdnReader {
  private offset = 0;

  constructor(private readonly text: string) {}

  fail(message: string, offset = this.offset): never {
    const { line, column } = positionOf(this.text, offset);
    throw new HistoryFormatError(message, line, column);
  }

  /** Skips whitespace, commas and comments; returns the next character code or -1 at the end. */
  skip(): number {
    const text = this.text;
    while (this.offset < text.length) {
      const code = text.charCodeAt(this.offset);
      if (isWhitespace(code)) {
        this.offset++;
      } else if (code === 59) {
        const end = text.indexOf('\n', this.offset);
        this.offset = end === -1 ? text.length : end + 1;
      } else {
        return code;
      }
    }
    return -1;
  }

  /** Every top-level form of the text, in order. */
  readAll(): { value: EdnValue; offset: number }[] {
    const forms: { value: EdnValue; offset: number }[] = [];
    for (;;) {
      const code = this.skip();
      if (code === -1) return forms;
      const offset = this.offset;
      const value = this.readForm(0);
      if (value !== discarded) forms.push({ value, offset });
    }
  }

  private readForm(depth: number): EdnValue | typeof discarded {
    if (depth > limits.ednNestingDepthMax) this.fail(`nesting deeper than ${limits.ednNestingDepthMax} levels`);
    const text = this.text;
    const start = this.offset;
    const code = text.charCodeAt(start);
    switch (code) {
      case 91: // [
        this.offset++;
        return { kind: 'vector', items: this.readItems(93, depth), offset: start };
      case 40: // (
        this.offset++;
        return { kind: 'list', items: this.readItems(41, depth), offset: start };
      case 123: {
        // {
        this.offset++;
        const items = this.readItems(125, depth);
        if (items.length % 2 !== 0) this.fail('a map needs an even number of forms (key value pairs)', start);
        const entries: (readonly [EdnValue, EdnValue])[] = [];
        for (let index = 0; index < items.length; index += 2) entries.push([items[index]!, items[index + 1]!]);
        return { kind: 'map', entries, offset: start };
      }
      case 93:
      case 41:
      case 125:
        return this.fail(`unexpected '${closerName[code]}' with no collection open`);
      case 34: // "
        return this.readString();
      case 35: // #
        return this.readDispatch(depth);
      case 92: {
        // \c character literal
        let end = start + 2;
        while (end < text.length && !isDelimiter(text.charCodeAt(end))) end++;
        this.offset = end;
        return { kind: 'character', text: text.slice(start + 1, end) };
      }
      default:
        return this.readAtom();
    }
  }

  private readItems(closer: number, depth: number): EdnValue[] {
    const items: EdnValue[] = [];
    const open = this.offset - 1;
    for (;;) {
      const code = this.skip();
      if (code === -1) this.fail(`expected '${closerName[closer]}' to close the collection opened here, but the file ended`, open);
      if (code === closer) {
        this.offset++;
        return items;
      }
      if (code === 93 || code === 41 || code === 125) this.fail(`expected '${closerName[closer]}' but found '${closerName[code]}'`);
      const value = this.readForm(depth + 1);
      if (value !== discarded) items.push(value);
    }
  }

  private readDispatch(depth: number): EdnValue | typeof discarded {
    const start = this.offset;
    const next = this.text.charCodeAt(start + 1);
    if (next === 123) {
      this.offset += 2;
      return { kind: 'set', items: this.readItems(125, depth), offset: start };
    }
    if (next === 95) {
      // #_ discards the next form.
      this.offset += 2;
      if (this.skip() === -1) this.fail('expected a form after #_');
      this.readForm(depth + 1);
      return discarded;
    }
    this.offset++;
    const tagStart = this.offset;
    while (this.offset < this.text.length && !isDelimiter(this.text.charCodeAt(this.offset))) this.offset++;
    const tag = this.text.slice(tagStart, this.offset);
    if (tag === '' || !/^[A-Za-z]/.test(tag)) this.fail(`expected a tag, a set '#{' or a discard '#_' after '#'`, start);
    if (this.skip() === -1) this.fail(`expected a form after the tag #${tag}`);
    const value = this.readForm(depth + 1);
    if (value === discarded) this.fail(`expected a form after the tag #${tag}`);
    return { kind: 'tagged', tag, value, offset: start };
  }

  private readString(): string {
    const text = this.text;
    const start = this.offset;
    let index = start + 1;
    let result = '';
    let chunkStart = index;
    for (;;) {
      if (index >= text.length) this.fail('expected \'"\' to close the string started here, but the file ended', start);
      const code = text.charCodeAt(index);
      if (code === 34) break;
      if (code === 92) {
        result += text.slice(chunkStart, index);
        const escape = text[index + 1];
        switch (escape) {
          case 'n':
            result += '\n';
            break;
          case 't':
            result += '\t';
            break;
          case 'r':
            result += '\r';
            break;
          case 'b':
            result += '\b';
            break;
          case 'f':
            result += '\f';
            break;
          case '"':
          case '\\':
            result += escape;
            break;
          case 'u': {
            const hex = text.slice(index + 2, index + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('expected four hex digits after \\u', index);
            result += String.fromCharCode(parseInt(hex, 16));
            index += 4;
            break;
          }
          default:
            this.fail(`unknown escape '\\${escape ?? ''}' in a string`, index);
        }
        index += 2;
        chunkStart = index;
        continue;
      }
      index++;
    }
    result += text.slice(chunkStart, index);
    this.offset = index + 1;
    return result;
  }

  private readAtom(): EdnValue {
    const text = this.text;
    const start = this.offset;
    let end = start;
    while (end < text.length && !isDelimiter(text.charCodeAt(end))) end++;
    this.offset = end;
    const token = text.slice(start, end);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    const first = token.charCodeAt(0);
    if (first === 58) {
      if (token.length === 1) this.fail('expected a keyword name after \':\'', start);
      return keyword(token.slice(1));
    }
    const isDigit = (value: number): boolean => value >= 48 && value <= 57;
    if (isDigit(first) || ((first === 45 || first === 43) && token.length > 1 && isDigit(token.charCodeAt(1)))) {
      // Integers stay exact (a bigint beyond 2^53, record.ts exactInteger); floats are floats.
      if (/^[-+]?\d+N?$/.test(token)) return exactInteger(token.replace(/N$/, '').replace(/^\+/, ''));
      const number = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?M?$/.test(token) ? Number(token.replace(/M$/, '')) : NaN;
      if (Number.isNaN(number)) this.fail(`expected a number, found '${token}'`, start);
      return number;
    }
    return { kind: 'symbol', name: token };
  }
}

const discarded: unique symbol = Symbol('discarded');

/** Reads every top-level EDN form of `text`; throws HistoryFormatError naming line and column. */
export function readEdnForms(text: string): { value: EdnValue; offset: number }[] {
  return new EdnReader(text).readAll();
}

/** True for a keyword value, optionally with the given name. */
export function isKeyword(value: EdnValue | undefined, name?: string): value is { kind: 'keyword'; name: string } {
  return typeof value === 'object' && value !== null && value.kind === 'keyword' && (name === undefined || value.name === name);
}

/** The value under keyword `:name` in a map, or undefined when absent. */
export function mapGet(map: EdnMap, name: string): EdnValue | undefined {
  for (const [key, value] of map.entries) if (isKeyword(key, name)) return value;
  return undefined;
}

/** EDN text for a value: strings escaped, keywords as `:name`, vectors as `[a b]`. */
export function writeEdn(value: EdnValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `"${value.replace(/[\\"]/g, (character) => `\\${character}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r')}"`;
  switch (value.kind) {
    case 'keyword':
      return `:${value.name}`;
    case 'symbol':
      return value.name;
    case 'character':
      return `\\${value.text}`;
    case 'vector':
      return `[${value.items.map(writeEdn).join(' ')}]`;
    case 'list':
      return `(${value.items.map(writeEdn).join(' ')})`;
    case 'set':
      return `#{${value.items.map(writeEdn).join(' ')}}`;
    case 'map':
      return `{${value.entries.map(([key, item]) => `${writeEdn(key)} ${writeEdn(item)}`).join(', ')}}`;
    case 'tagged':
      return `#${value.tag} ${writeEdn(value.value)}`;
  }
}

export const ednKeyword = keyword;
