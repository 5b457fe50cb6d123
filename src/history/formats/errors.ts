/**
 * A history file that cannot be read: the message names the line (and column for EDN) and
 * what was expected. The CLI prints it as is, without a stack trace.
 */
export class HistoryFormatError extends Error {
  constructor(
    message: string,
    /** 1-based line of the problem, when known. */
    readonly line?: number,
    /** 1-based column, when known. */
    readonly column?: number,
  ) {
    super(line === undefined ? message : column === undefined ? `line ${line}: ${message}` : `line ${line}, column ${column}: ${message}`);
    this.name = 'HistoryFormatError';
  }
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text.charCodeAt(index) === 10) {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
