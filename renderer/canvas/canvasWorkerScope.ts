/**
 * The worker side of a canvas worker (see useCanvasWorker): its global scope, typed for what it
 * uses (this folder is type-checked with the page's DOM types, not a worker's), and its first word.
 */

/** Every canvas worker's first word: it runs, so the canvas can be handed over. */
export interface CanvasWorkerReady {
  readonly kind: 'ready';
}

export interface CanvasWorkerScope<Request, Reply> {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage(reply: Reply | CanvasWorkerReady): void;
  requestAnimationFrame?: (callback: () => void) => number;
}

/** The running worker's scope; it says `ready` once `onmessage` is set. */
export function canvasWorkerScope<Request, Reply>(onMessage: (request: Request, scope: CanvasWorkerScope<Request, Reply>) => void): CanvasWorkerScope<Request, Reply> {
  const scope = globalThis as unknown as CanvasWorkerScope<Request, Reply>;
  scope.onmessage = (event) => onMessage(event.data, scope);
  scope.postMessage({ kind: 'ready' });
  return scope;
}
