import { canvasWorkerScope } from './canvasWorkerScope';
import { type SpaceTimePaintReply, type SpaceTimePaintRequest, paintSpaceTime } from './spaceTimePaint';

/**
 * The space-time diagram's worker: it owns the diagram's canvas (an OffscreenCanvas the page hands
 * over once) and paints each scene it is sent, so rasterising thousands of lines several times a
 * second costs the page's thread nothing. It answers each scene, and the page sends the next only
 * then: a slow machine paints less often rather than queueing stale pictures.
 */
let context: OffscreenCanvasRenderingContext2D | null = null;

canvasWorkerScope<SpaceTimePaintRequest, SpaceTimePaintReply>((request, scope) => {
  if (request.kind === 'canvas') {
    context = request.canvas.getContext('2d');
    return;
  }
  if (context !== null) paintSpaceTime(context, request.scene);
  scope.postMessage({ kind: 'painted' });
});
