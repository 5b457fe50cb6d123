import type { LabClient } from '../../src/contract/lab';

/**
 * What the stores need from the world outside Vue: the lab (through the contract), a way to hand
 * the user a file (a download in browser mode), and a repeating timer. Handed in once at start-up
 * (main.ts) so the stores can be tested in Node with a fake lab and no DOM.
 */
export interface LabHost {
  readonly lab: LabClient;
  /** Gives the user a file: a browser download, or the save dialog under Electron. */
  saveFile(name: string, bytes: Uint8Array): void;
  /** Calls `action` every `intervalMs` until the returned stop is called. */
  every(intervalMs: number, action: () => void): () => void;
}

let current: LabHost | null = null;

export function setLabHost(host: LabHost): void {
  current = host;
}

/** The host the app started with; stores call it, components never do. */
export function labHost(): LabHost {
  if (current === null) throw new Error('caplab: the lab is not connected yet (setLabHost was not called)');
  return current;
}

/** Bytes of a base64 text (what exportRun hands back for each file). */
export function bytesOfBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Base64 of bytes, in chunks so a large bundle does not overflow the argument list. */
export function base64OfBytes(bytes: Uint8Array): string {
  const chunkBytes = 0x8000;
  let binary = '';
  for (let start = 0; start < bytes.length; start += chunkBytes) binary += String.fromCharCode(...bytes.subarray(start, start + chunkBytes));
  return btoa(binary);
}

/** UTF-8 text of base64 (history.json, summary.json, metrics.csv). */
export function textOfBase64(base64: string): string {
  return new TextDecoder().decode(bytesOfBase64(base64));
}

/** The message of a failed call, for the user. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
