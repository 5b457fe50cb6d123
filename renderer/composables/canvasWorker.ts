import { type Ref, onBeforeUnmount, onMounted } from 'vue';
import type { CanvasWorkerReady } from '../canvas/canvasWorkerScope';

/** How the canvas is painted: the worker is starting, the worker holds it, or the page paints it (no OffscreenCanvas, or the worker did not start). */
export type CanvasPainter = 'starting' | 'worker' | 'page';

/**
 * A canvas painted by a worker when the browser can hand a canvas over (OffscreenCanvas), so that
 * its drawing and rasterising never hold up the page's frames; by the page otherwise. The worker
 * says it is ready before it is handed the canvas, so a worker that cannot start (a missing file,
 * a stricter policy) leaves the canvas to the page. `create` builds the worker (the bundler needs
 * the `new Worker(new URL(...))` in the caller); `onPainter` hears when the painter is known,
 * `onReply` every other message of the worker.
 */
export function useCanvasWorker<Request, Reply extends { readonly kind: string }>(options: {
  canvas: Ref<HTMLCanvasElement | null>;
  create: () => Worker;
  canvasRequest: (canvas: OffscreenCanvas) => Request;
  onPainter: (painter: CanvasPainter) => void;
  onReply?: (reply: Reply) => void;
  /** A failed message (an exception in the worker): the worker keeps the canvas and can be asked again. */
  onFailure?: () => void;
}) {
  let worker: Worker | null = null;
  let painter: CanvasPainter = 'starting';
  let pageContext: CanvasRenderingContext2D | null = null;

  function become(next: CanvasPainter): void {
    painter = next;
    options.onPainter(next);
  }

  function onMessage(reply: Reply | CanvasWorkerReady): void {
    if (reply.kind !== 'ready') {
      options.onReply?.(reply as Reply);
      return;
    }
    const element = options.canvas.value;
    if (worker === null || element === null || painter !== 'starting') return;
    const offscreen = element.transferControlToOffscreen();
    worker.postMessage(options.canvasRequest(offscreen), [offscreen]);
    become('worker');
  }

  function onError(): void {
    if (painter === 'worker') {
      options.onFailure?.();
      return;
    }
    worker?.terminate();
    worker = null;
    become('page');
  }

  onMounted(() => {
    const element = options.canvas.value;
    if (element === null || typeof Worker === 'undefined' || typeof element.transferControlToOffscreen !== 'function') {
      become('page');
      return;
    }
    try {
      worker = options.create();
    } catch {
      become('page');
      return;
    }
    worker.onmessage = (event: MessageEvent<Reply | CanvasWorkerReady>) => onMessage(event.data);
    worker.onerror = onError;
  });
  onBeforeUnmount(() => {
    worker?.terminate();
    worker = null;
  });

  return {
    /** Who paints now. */
    painter: () => painter,
    /** Sends the worker a message (only while it holds the canvas; false otherwise). */
    post(request: Request, transfer: Transferable[] = []): boolean {
      if (painter !== 'worker' || worker === null) return false;
      worker.postMessage(request, transfer);
      return true;
    },
    /** The page's own context, for when the page paints (null otherwise). */
    pageContext(): CanvasRenderingContext2D | null {
      if (painter !== 'page') return null;
      pageContext ??= options.canvas.value?.getContext('2d') ?? null;
      return pageContext;
    },
  };
}
