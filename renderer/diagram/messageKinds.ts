import { isReplyKind, kindFamilyOf } from './messageFlights';

/**
 * How the cluster graph tells message kinds apart: a colour per family (a request and its reply
 * share one; the reply is drawn as a ring), and the legend's entries. Pure.
 */

/** The app's themes (as in composables/theme.ts, which needs the DOM). */
export type ThemeName = 'light' | 'dark';

/** Message families of both protocols and their colour slot: kinds doing the same job share one. */
const familySlots: Readonly<Record<string, number>> = {
  AppendEntries: 0,
  Prepare: 0,
  Commit: 1,
  RequestVote: 2,
  StartViewChange: 2,
  RequestPreVote: 3,
  DoViewChange: 4,
  StartView: 4,
  InstallSnapshot: 5,
  GetState: 5,
  NewState: 5,
  Recovery: 6,
  ForwardWrites: 7,
};

/** Eight colours that stay apart for common colour blindness (after Okabe and Ito), for each theme's background; none is the drop's red. */
const palettes: Readonly<Record<ThemeName, readonly string[]>> = {
  light: ['#1f6fd1', '#0a8fa6', '#d97000', '#9a7a00', '#8e44ad', '#1b8f52', '#cc3f88', '#66717e'],
  dark: ['#6aa8ff', '#3fd0e6', '#ffa040', '#e0c040', '#c58af0', '#4cd08a', '#ff7ab8', '#a8b3bf'],
};

/** A message kind's colour (known families keep theirs; another hashes to one, the same in every run). */
export function kindColour(kind: string, theme: ThemeName): string {
  const palette = palettes[theme];
  const family = kindFamilyOf(kind);
  let slot = familySlots[family];
  if (slot === undefined) {
    let hash = 0;
    for (let i = 0; i < family.length; i++) hash = (hash * 31 + family.charCodeAt(i)) >>> 0;
    slot = hash % palette.length;
  }
  return palette[slot] as string;
}

/** One entry of the legend: a family of kinds (a request and its reply) seen in this run. */
export interface FlightLegendEntry {
  readonly family: string;
  readonly kinds: readonly string[];
  readonly hasReply: boolean;
  /** Every kind of the family is hidden. */
  readonly hidden: boolean;
}

/** The legend of the kinds seen, by family, in the order they were first seen. */
export function legendOf(kinds: readonly string[], isHidden: (kind: string) => boolean): FlightLegendEntry[] {
  const families = new Map<string, string[]>();
  for (const kind of kinds) {
    const family = kindFamilyOf(kind);
    const members = families.get(family);
    if (members === undefined) families.set(family, [kind]);
    else members.push(kind);
  }
  return [...families].map(([family, members]) => ({ family, kinds: members, hasReply: members.some(isReplyKind), hidden: members.every(isHidden) }));
}
