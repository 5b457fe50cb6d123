import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes a file atomically: a temporary file beside it, flushed, then renamed over it. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const descriptor = openSync(temporary, 'w');
  try {
    if (typeof content === 'string') writeSync(descriptor, content);
    else writeSync(descriptor, content);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
}

/** A file written line by line that appears under its name only when complete. */
export class AtomicLineWriter {
  private readonly temporary: string;
  private readonly descriptor: number;
  private buffer: string[] = [];

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.temporary = `${path}.tmp-${process.pid}`;
    this.descriptor = openSync(this.temporary, 'w');
  }

  line(text: string): void {
    this.buffer.push(text);
    if (this.buffer.length >= 4096) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.descriptor, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
  }

  close(): void {
    this.flush();
    fsyncSync(this.descriptor);
    closeSync(this.descriptor);
    renameSync(this.temporary, this.path);
  }

  /** Gives the file up (its run was aborted): closes it and removes the temporary file; nothing appears. */
  discard(): void {
    this.buffer = [];
    closeSync(this.descriptor);
    rmSync(this.temporary, { force: true });
  }
}
