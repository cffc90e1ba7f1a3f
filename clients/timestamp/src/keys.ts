import { serviceKeys } from '@chamber/store';

/**
 * The keys of the clock protocol, relative to `/chamber/v1/<simulation>/`.
 * See services/stepper/README.md.
 */
export const keys = {
  /** What operators asked for: policy, rate, epoch, bound, reset request. */
  control: 'clock/control',
  /** The published tick; its mod revision is the tick's snapshot revision R(T). */
  tick: 'clock/tick',
  /** The last settled tick and the world digest through it. */
  settled: 'clock/settled',
  /** The current run: its number, seed and whether it is still deterministic. */
  run: 'clock/run',
  /** The history kept: the oldest tick still readable and the revision etcd was compacted to. */
  history: 'clock/history',
  /** `ticks/<T>`: the tick -> revision index. */
  tickIndexPrefix: 'ticks/',
  participantsPrefix: 'participants/',
  alivePrefix: 'alive/',
  acksPrefix: 'acks/',
  pendingPrefix: 'pending/',
  /** Inputs' payloads (`inputs/<owner>/<id>`), applied with their `pending/` marker. */
  inputsPrefix: 'inputs/',
  tickIndex: (tick: number): string => `ticks/${String(tick).padStart(12, '0')}`,
  participant: (name: string): string => `participants/${name}`,
  alive: (name: string): string => `alive/${name}`,
  ack: (name: string): string => `acks/${name}`,
  pending: (id: string): string => `pending/${id}`,
  /** The counter of an input id sequence (`command/c`); see `submitInputs`. */
  inputSequence: (sequence: string): string => `inputs/sequence/${sequence}`,
} as const;

/**
 * Prefixes of bookkeeping keys: the protocol's own records and the
 * registries of services, leaders, accounts and sessions. They are not part
 * of the simulated world: the world digest skips them and Reset keeps all of
 * them but the clock's.
 */
export const bookkeepingPrefixes: readonly string[] = [
  'clock/',
  'ticks/',
  'participants/',
  'alive/',
  'acks/',
  'pending/',
  'inputs/',
  'sources/',
  'election/',
  serviceKeys.registrationPrefix,
  serviceKeys.failurePrefix,
  'users/',
  'sessions/',
  'tokens/',
];

/**
 * Prefixes of the clock protocol's own records (and the registries of
 * services and leaders). A change under them never wakes a participant:
 * the stepper leaves them out of the keys it tracks for waking, and a
 * participant may not declare that it reacts to them.
 */
export const protocolPrefixes: readonly string[] = [
  'clock/',
  'acks/',
  'ticks/',
  'alive/',
  'participants/',
  'election/',
  serviceKeys.registrationPrefix,
];

/** Whether `key` is one of the clock protocol's own records; see {@link protocolPrefixes}. */
export function isProtocolKey(key: string): boolean {
  return protocolPrefixes.some((p) => key.startsWith(p));
}

/** Whether `key` is bookkeeping rather than part of the simulated world. */
export function isBookkeeping(key: string): boolean {
  return bookkeepingPrefixes.some((p) => key.startsWith(p));
}

const namePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Whether `name` can name a participant (it becomes part of keys). */
export function isValidParticipantName(name: string): boolean {
  return namePattern.test(name);
}
