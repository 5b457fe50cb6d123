import { readCaplabHistory } from './caplabHistory';
import { readCaplabTrace } from './caplabTrace';
import { HistoryFormatError } from './errors';
import { readEtcdLog } from './etcdLog';
import { readEdnHistory } from './jepsenEdn';
import { formatNames, type FormatName, type ParsedHistory } from './parsed';

export { readCaplabHistory, writeCaplabHistory } from './caplabHistory';
export { readCaplabTrace } from './caplabTrace';
export { readEdnForms, writeEdn, type EdnValue } from './edn';
export { HistoryFormatError } from './errors';
export { readEtcdLog } from './etcdLog';
export { readEdnHistory, writeJepsenEdn } from './jepsenEdn';
export { formatNames, type FormatDefaults, type FormatName, type ParsedHistory } from './parsed';
export type { HistoryRecord, RecordInput, RecordOutput, Value } from './record';

const byExtension: readonly (readonly [RegExp, FormatName])[] = [
  [/\.log$/i, 'etcd-log'],
  [/\.edn$/i, 'jepsen-edn'],
  [/\.json$/i, 'caplab-history'],
  [/\.jsonl$/i, 'caplab-trace'],
  [/\.txt$/i, 'porcupine-kv'],
];

/**
 * Tells a history's format from its first meaningful characters: `INFO … jepsen.util` lines
 * are an etcd log, a first line holding a JSON object with a `"kind"` (or a `.jsonl` name) is
 * the lab's trace.jsonl, any other JSON object is the lab's history.json, and anything else is EDN (a Porcupine kv
 * log when its operations are get/put/append). An empty file has no content to go by, so its
 * name decides.
 */
export function detectFormat(text: string, fileName?: string): FormatName {
  const start = text.search(/\S/);
  if (start === -1) {
    const match = byExtension.find(([pattern]) => fileName !== undefined && pattern.test(fileName));
    if (match !== undefined) return match[1];
    throw new HistoryFormatError('the file is empty, so its format cannot be told from its content; pass --format');
  }
  if (/^INFO\s+jepsen\.util\s/.test(text.slice(start, start + 40))) return 'etcd-log';
  if (/^\{\s*"/.test(text.slice(start, start + 40))) {
    const lineEnd = text.indexOf('\n', start);
    const firstLine = text.slice(start, lineEnd === -1 ? Math.min(text.length, start + 4096) : Math.min(lineEnd, start + 4096));
    // history.json has no "kind" anywhere; every trace event has one.
    return /"kind"\s*:/.test(firstLine) || (fileName !== undefined && /\.jsonl$/i.test(fileName)) ? 'caplab-trace' : 'caplab-history';
  }
  if (/:f\s+:(get|put|append)\b/.test(text.slice(0, 4096))) return 'porcupine-kv';
  return 'jepsen-edn';
}

/** Reads a history in the given format, or detects it (`auto`). */
export function readHistory(text: string, format: FormatName | 'auto', fileName?: string): ParsedHistory {
  const chosen = format === 'auto' ? detectFormat(text, fileName) : format;
  switch (chosen) {
    case 'etcd-log':
      return readEtcdLog(text);
    case 'jepsen-edn':
    case 'porcupine-kv':
      return readEdnHistory(text, chosen);
    case 'caplab-history':
      if (text.trim() === '') throw new HistoryFormatError('the file is empty; expected a caplab-history/1 JSON document');
      return readCaplabHistory(text);
    case 'caplab-trace':
      return readCaplabTrace(text);
  }
}

export const formatChoices: readonly (FormatName | 'auto')[] = ['auto', ...formatNames];
