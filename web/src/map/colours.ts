import type { MarkKind } from './marks.js';
import type { Disagreement } from './model.js';

/** The colour of each short state, in actual (blades, PDUs, TORs) and observed. */
export const stateColours: Readonly<Record<string, string>> = {
  working: '#2e9d57',
  healthy: '#2e9d57',
  on: '#2e9d57',
  booting: '#c9a227',
  powered: '#c9a227',
  suspect: '#e07b24',
  unknown: '#8a8f98',
  off: '#2b303a',
  stopping: '#5b6270',
  isolated: '#b35ab8',
  hung: '#d9534f',
  crashed: '#d9534f',
  failed: '#a3261f',
};

/**
 * How bad each short state is, for a rack drawn as one cell in its worst
 * state: working (0) to failed. A state missing here ranks as `unknown`.
 */
export const stateRanks: Readonly<Record<string, number>> = {
  working: 0,
  healthy: 0,
  on: 0,
  '': 1,
  booting: 2,
  powered: 2,
  stopping: 3,
  off: 4,
  unknown: 5,
  suspect: 6,
  isolated: 7,
  hung: 8,
  crashed: 8,
  failed: 9,
};

/** The worst of `states` by {@link stateRanks} ('' when there are none). */
export function worstOf(states: Iterable<string>): string {
  let worst: string | undefined;
  for (const state of states) {
    if (worst === undefined || rankOf(state) > rankOf(worst)) worst = state;
  }
  return worst ?? '';
}

function rankOf(state: string): number {
  return stateRanks[state] ?? stateRanks['unknown']!;
}

/** A state with no record yet. */
export const noRecordColour = '#d5d8de';

/** The colours of disagreement mode; agreeing devices are drawn in {@link noRecordColour}. */
export const disagreementColours: Readonly<Record<NonNullable<Disagreement>, string>> = {
  unnoticed: '#e8318a',
  mistaken: '#1c6fd6',
};

/** The colour of a state. */
export function colourOf(state: string): string {
  return state === '' ? noRecordColour : (stateColours[state] ?? '#8a8f98');
}

/** The colours of the timeline's marks: a fault starting, a repair opening, one closing. */
export const markColours: Readonly<Record<MarkKind, string>> = {
  fault: stateColours['crashed']!,
  opened: stateColours['suspect']!,
  closed: stateColours['working']!,
};
