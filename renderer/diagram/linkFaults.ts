import type { LinkState } from '../stores/cluster';
import { type GraphGeometry, type Point, type Segment, directedSegment, pointAlong } from './clusterLayout';

/**
 * What the cluster graph says about each directed link: cut, and its drop, duplicate and reorder
 * probabilities and own latency (ARCHITECTURE §4). Faults every link shares (the network sliders set
 * every link at once) are said once, under the graph, instead of on every line. Pure.
 */

/** Faults shared by every link (0 / false when the links differ), so each line need only name its own. */
export interface CommonFaults {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly latencyOverridden: boolean;
}

export const noCommonFaults: CommonFaults = { drop: 0, duplicate: 0, reorder: 0, latencyOverridden: false };

/** A probability (0–1) as a whole percent for the screen, never rounding a real fault down to 0 %. */
export function percentText(probability: number): string {
  const percent = probability * 100;
  if (percent > 0 && percent < 1) return '<1%';
  return `${Math.round(percent)}%`;
}

/** The faults every link has alike; none when there are no links. */
export function commonFaultsOf(links: readonly LinkState[]): CommonFaults {
  const first = links[0];
  if (first === undefined) return noCommonFaults;
  const shared = <Key extends keyof CommonFaults>(key: Key, none: CommonFaults[Key]): CommonFaults[Key] => (links.every((link) => link[key] === first[key]) ? first[key] : none);
  return { drop: shared('drop', 0), duplicate: shared('duplicate', 0), reorder: shared('reorder', 0), latencyOverridden: shared('latencyOverridden', false) };
}

/** Whether a link carries any fault besides a cut (its own or shared). */
export function isLossy(link: LinkState): boolean {
  return link.drop > 0 || link.duplicate > 0 || link.reorder > 0 || link.latencyOverridden;
}

/**
 * The link's faults in words, leaving out those every link shares: `short` for a label on the
 * line ("drop 30%", "slow"), `long` for a tooltip or a screen reader ("drops 30%").
 */
export function faultWords(link: LinkState, common: CommonFaults, style: 'short' | 'long'): string[] {
  const words: string[] = [];
  const short = style === 'short';
  // On the line a cut is drawn (red, dashed), not written.
  if (link.cut && !short) words.push('cut');
  if (link.drop > 0 && link.drop !== common.drop) words.push(`${short ? 'drop' : 'drops'} ${percentText(link.drop)}`);
  if (link.duplicate > 0 && link.duplicate !== common.duplicate) words.push(`${short ? 'dup' : 'duplicates'} ${percentText(link.duplicate)}`);
  if (link.reorder > 0 && link.reorder !== common.reorder) words.push(`${short ? 'reorder' : 'reorders'} ${percentText(link.reorder)}`);
  if (link.latencyOverridden && !common.latencyOverridden) words.push(short ? 'slow' : 'has its own latency (slow)');
  return words;
}

/** The note under the graph for faults every link shares; null when they share none. */
export function commonFaultsNote(common: CommonFaults): string | null {
  const words: string[] = [];
  if (common.drop > 0) words.push(`drops ${percentText(common.drop)}`);
  if (common.duplicate > 0) words.push(`duplicates ${percentText(common.duplicate)}`);
  if (common.reorder > 0) words.push(`reorders ${percentText(common.reorder)}`);
  if (common.latencyOverridden) words.push('has its own latency');
  return words.length === 0 ? null : `Every link ${words.join(', ')}`;
}

/**
 * The links in sentences for a screen reader: each faulty direction ("n1→n2 cut", "n2→n3 drops
 * 30%"), then the shared faults, or that every link is healthy.
 */
export function linkSummary(links: readonly LinkState[]): string[] {
  const common = commonFaultsOf(links);
  const lines: string[] = [];
  for (const link of links) {
    const words = faultWords(link, common, 'long');
    if (words.length > 0) lines.push(`${link.from}→${link.to} ${words.join(', ')}`);
  }
  const note = commonFaultsNote(common);
  if (note !== null) lines.push(note);
  if (lines.length === 0) lines.push(links.length === 0 ? 'No link state reported yet' : 'Every link is healthy');
  return lines;
}

/** One direction of a link as the graph draws it. */
export interface DrawnDirection {
  /** "from>to". */
  readonly key: string;
  readonly segment: Segment;
  readonly cut: boolean;
  /** Drops, duplicates, reorders or has its own latency (shared faults count). */
  readonly lossy: boolean;
  /** An end of it is crashed. */
  readonly down: boolean;
  /** For the tooltip: "n1 → n2: cut, drops 30%". */
  readonly title: string;
}

/** A link's own faults written beside it. */
export interface DrawnLabel {
  readonly key: string;
  readonly x: number;
  readonly y: number;
  readonly text: string;
}

/** How far a direction's label sits off its line, to the side of that direction, px. */
export const labelOffsetPx = 9;
/** A label's width per character at the graph's label font, px (an estimate to keep labels inside the drawing). */
const labelCharWidthPx = 5.6;

function healthyLink(from: string, to: string): LinkState {
  return { from, to, cut: false, drop: 0, duplicate: 0, reorder: 0, latencyOverridden: false };
}

/** A label at (x, y), moved inside the drawing when its text would stick out. */
function labelInside(key: string, text: string, at: Point, geometry: GraphGeometry): DrawnLabel {
  const halfWidth = (text.length * labelCharWidthPx) / 2 + 2;
  return { key, text, x: Math.min(geometry.widthPx - halfWidth, Math.max(halfWidth, at.x)), y: Math.min(geometry.heightPx - 7, Math.max(7, at.y)) };
}

/**
 * Every link of the graph: both directions of each pair of replicas (healthy when the lab did not
 * report one), and the labels of their own faults: one in the middle of a pair whose directions
 * say the same, else one beside each direction's line, on its side.
 */
export function linkDrawing(options: { nodes: readonly string[]; positions: readonly Point[]; geometry: GraphGeometry; links: readonly LinkState[]; downNodes: ReadonlySet<string> }): { directions: DrawnDirection[]; labels: DrawnLabel[] } {
  const { nodes, positions, geometry, downNodes } = options;
  const linkOf = new Map(options.links.map((link) => [`${link.from}>${link.to}`, link]));
  const common = commonFaultsOf(options.links);
  const directions: DrawnDirection[] = [];
  const labels: DrawnLabel[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i] as string;
      const b = nodes[j] as string;
      const pair = [linkOf.get(`${a}>${b}`) ?? healthyLink(a, b), linkOf.get(`${b}>${a}`) ?? healthyLink(b, a)] as const;
      const segments = [directedSegment(positions[i] as Point, positions[j] as Point, geometry), directedSegment(positions[j] as Point, positions[i] as Point, geometry)] as const;
      const down = downNodes.has(a) || downNodes.has(b);
      pair.forEach((link, index) => {
        const words = faultWords(link, common, 'long');
        directions.push({ key: `${link.from}>${link.to}`, segment: segments[index] as Segment, cut: link.cut, lossy: isLossy(link), down, title: `${link.from} → ${link.to}: ${words.length === 0 ? 'healthy' : words.join(', ')}` });
      });
      const texts = pair.map((link) => faultWords(link, common, 'short').join(' · '));
      if (texts[0] !== '' && texts[0] === texts[1]) {
        const there = pointAlong(segments[0], 0.5);
        const back = pointAlong(segments[1], 0.5);
        labels.push(labelInside(`${a}-${b}`, texts[0] as string, { x: (there.x + back.x) / 2, y: (there.y + back.y) / 2 }, geometry));
        continue;
      }
      pair.forEach((link, index) => {
        const text = texts[index] as string;
        if (text === '') return;
        const segment = segments[index] as Segment;
        const middle = pointAlong(segment, 0.5);
        const length = Math.max(1, Math.hypot(segment.x2 - segment.x1, segment.y2 - segment.y1));
        // To the right of the direction of travel, where this direction's line lies.
        const at = { x: middle.x - ((segment.y2 - segment.y1) / length) * labelOffsetPx, y: middle.y + ((segment.x2 - segment.x1) / length) * labelOffsetPx };
        labels.push(labelInside(`${link.from}>${link.to}`, text, at, geometry));
      });
    }
  }
  return { directions, labels };
}
