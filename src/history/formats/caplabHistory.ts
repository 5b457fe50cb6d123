import { z } from 'zod';
import type { HistoryDocument, Operation } from '../operation';
import { HistoryFormatError, positionOf } from './errors';
import type { ParsedHistory } from './parsed';

const key = z.string();
const value = z.string();
const operationSchema = z
  .object({
    id: z.number().int().nonnegative().optional(),
    clientId: z.number().int().nonnegative(),
    call: z.number().int().nonnegative(),
    return: z.number().int().nonnegative().nullable(),
    input: z.discriminatedUnion('f', [
      z.object({ f: z.literal('read'), key }).strict(),
      z.object({ f: z.literal('write'), key, value }).strict(),
      z.object({ f: z.literal('cas'), key, from: value.nullable(), to: value }).strict(),
    ]),
    output: z.discriminatedUnion('type', [
      z.object({ type: z.literal('ok'), value: value.nullable().optional() }).strict(),
      z.object({ type: z.literal('fail') }).strict(),
      z.object({ type: z.literal('info') }).strict(),
    ]),
  })
  .strict()
  .refine((operation) => operation.return === null || operation.return >= operation.call, { message: 'return is before call', path: ['return'] })
  .refine((operation) => (operation.output.type === 'info') === (operation.return === null), {
    message: 'an info operation has "return": null, and only an info operation does',
    path: ['return'],
  });

const documentSchema = z
  .object({
    format: z.literal('caplab-history/1'),
    model: z.literal('kv-cas-register'),
    initial: value.nullable(),
    operations: z.array(operationSchema),
  })
  .strict();

/**
 * The character offset where the value at `path` starts in a JSON text, found by walking the
 * text (strings, nesting); undefined when the path is not there. Lets a validation error name
 * the line of the offending operation.
 */
function offsetOfPath(text: string, path: readonly PropertyKey[]): number | undefined {
  let offset = 0;
  const skipWhitespace = (): void => {
    while (offset < text.length && /\s/.test(text[offset]!)) offset++;
  };
  const skipString = (): void => {
    offset++;
    while (offset < text.length && text[offset] !== '"') offset += text[offset] === '\\' ? 2 : 1;
    offset++;
  };
  const skipValue = (): void => {
    skipWhitespace();
    const character = text[offset];
    if (character === '"') return skipString();
    if (character === '{' || character === '[') {
      let depth = 0;
      while (offset < text.length) {
        const current = text[offset]!;
        if (current === '"') {
          skipString();
          continue;
        }
        if (current === '{' || current === '[') depth++;
        if (current === '}' || current === ']') depth--;
        offset++;
        if (depth === 0) return;
      }
      return;
    }
    while (offset < text.length && !/[,}\]\s]/.test(text[offset]!)) offset++;
  };
  for (const step of path) {
    skipWhitespace();
    if (text[offset] === '[' && typeof step === 'number') {
      offset++;
      for (let index = 0; index < step; index++) {
        skipValue();
        skipWhitespace();
        if (text[offset] !== ',') return undefined;
        offset++;
      }
      skipWhitespace();
    } else if (text[offset] === '{' && typeof step === 'string') {
      offset++;
      for (;;) {
        skipWhitespace();
        if (text[offset] !== '"') return undefined;
        const nameStart = offset;
        skipString();
        const name = JSON.parse(text.slice(nameStart, offset)) as string;
        skipWhitespace();
        offset++; // ':'
        skipWhitespace();
        if (name === step) break;
        skipValue();
        skipWhitespace();
        if (text[offset] !== ',') return undefined;
        offset++;
      }
    } else {
      return undefined;
    }
  }
  return offset;
}

/**
 * Refuses what no run can record (ARCHITECTURE §9): two operations with the same `id`, and a value
 * written twice (every `write` value and `cas.to` is unique in a history, which is what lets a
 * read name the write it saw). The error names the second operation and its line.
 */
function checkUnique(operations: ReadonlyArray<{ id?: number | undefined; input: Operation['input'] }>, text: string): void {
  const ids = new Map<number, number>();
  const written = new Map<string, number>();
  const fail = (index: number, field: string, message: string): never => {
    const offset = offsetOfPath(text, ['operations', index, ...field.split('.')]);
    throw new HistoryFormatError(`operations[${index}].${field}: ${message}`, offset === undefined ? undefined : positionOf(text, offset).line);
  };
  operations.forEach((operation, index) => {
    if (operation.id !== undefined) {
      const first = ids.get(operation.id);
      if (first !== undefined) fail(index, 'id', `${operation.id} is the id of operations[${first}] too; ids are unique`);
      ids.set(operation.id, index);
    }
    const { input } = operation;
    const value = input.f === 'write' ? input.value : input.f === 'cas' ? input.to : null;
    if (value === null) return;
    const first = written.get(value);
    if (first !== undefined) fail(index, input.f === 'write' ? 'input.value' : 'input.to', `${JSON.stringify(value)} is written by operations[${first}] too; every written value is unique in a history`);
    written.set(value, index);
  });
}

/** Reads the lab's own `history.json` (ARCHITECTURE §9), validated field by field. */
export function readCaplabHistory(text: string): ParsedHistory {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const match = /position (\d+)/.exec((error as Error).message);
    const offset = match !== null ? Number(match[1]) : /end of JSON/.test((error as Error).message) ? text.length : undefined;
    const at = offset === undefined ? undefined : positionOf(text, offset);
    throw new HistoryFormatError(`expected JSON: ${(error as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, at?.line, at?.column);
  }
  const result = documentSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${String(step)}`)).join('');
    let offset = offsetOfPath(text, issue.path);
    for (let length = issue.path.length - 1; offset === undefined && length >= 0; length--) offset = offsetOfPath(text, issue.path.slice(0, length));
    const at = offset === undefined ? undefined : positionOf(text, offset);
    // zod's "Invalid input: expected string, received undefined" means the field is not there.
    const message = issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is missing (expected $1)');
    throw new HistoryFormatError(`${path === '' ? 'the document' : path.slice(path.startsWith('.') ? 1 : 0)}: ${message}`, at?.line);
  }
  checkUnique(result.data.operations, text);
  const operations = result.data.operations.map((operation, index) => ({ ...operation, id: index }));
  return { format: 'caplab-history', operations, defaults: { model: 'kv-cas-register', initial: result.data.initial, semantics: 'lab' } };
}

/** Writes `history.json`: one operation per line, so a validation error can name its line. */
export function writeCaplabHistory(document: HistoryDocument): string {
  const operations = document.operations.map((operation: Operation) => `    ${JSON.stringify(operation)}`);
  return (
    `{ "format": ${JSON.stringify(document.format)}, "model": ${JSON.stringify(document.model)}, "initial": ${JSON.stringify(document.initial)},\n` +
    `  "operations": [\n${operations.join(',\n')}\n  ] }\n`
  );
}
