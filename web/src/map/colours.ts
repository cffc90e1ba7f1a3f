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
