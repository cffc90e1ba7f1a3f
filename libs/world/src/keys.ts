// The world's key layout: every record Chamber keeps in etcd, relative to the
// simulation prefix `/chamber/v1/<simulation>/` (the store client adds it).
// Each record is declared and documented here once; services, the gateway,
// the CLI and the dashboard import these names and never spell a prefix.
// Values are the proto3 JSON of the record messages named below.

/** The four views of the inventory (DESIGN §2), in the order people read them. */
export const views = ['definition', 'target', 'actual', 'observed'] as const;
export type View = (typeof views)[number];

/** The key of `path`'s record in `view`: `actual/r/z1/rack1/blade/3`. */
export function viewKey(view: View, path: string): string {
  return `${view}/${path}`;
}

/**
 * The element path of a view key (`actual/r/z1/rack1/blade/3` →
 * `r/z1/rack1/blade/3`), or `undefined` when `key` is not in `view`.
 */
export function pathOfViewKey(view: View, key: string): string | undefined {
  return key.startsWith(`${view}/`) ? key.slice(view.length + 1) : undefined;
}

const padTick = (tick: number): string => String(tick).padStart(12, '0');

/**
 * Every key prefix and key of the world. A `…Prefix` ends in `/` and is
 * watched or listed; a function builds one record's key.
 */
export const keys = {
  // ---- The inventory's views (DESIGN §2) -------------------------------------------------
  /** `definition/<path>`: what exists (written by the inventory from the YAML definition). */
  definitionPrefix: 'definition/',
  /** `target/<path>`: what should be (TargetRecord), written by operators' inputs. */
  targetPrefix: 'target/',
  /** `actual/<path>`: the simulated hardware's truth (BladeActual, PduActual, TorActual, CableActual). */
  actualPrefix: 'actual/',
  /** `observed/<path>`: what the monitor believes (ObservedRecord), lagging actual. */
  observedPrefix: 'observed/',

  // ---- Records of the control plane ------------------------------------------------------
  /** `faults/<id>`: a fault and its activation state (FaultRecord); the faults service writes it. */
  faultsPrefix: 'faults/',
  fault: (id: string): string => `faults/${id}`,
  /**
   * `fixes/<fault id>/<path>`: the inventory's report that a repair fixed a
   * fault's effect on one element (FixRecord); the faults service clears it.
   */
  fixesPrefix: 'fixes/',
  fix: (faultId: string, path: string): string => `fixes/${faultId}/${path}`,
  /** `commands/<id>`: a command to the hardware and its result (CommandRecord). */
  commandsPrefix: 'commands/',
  command: (id: string): string => `commands/${id}`,
  /** `repairs/<id>`: a repair and its plan (RepairRecord); the inventory repair manager writes it. */
  repairsPrefix: 'repairs/',
  repair: (id: string): string => `repairs/${id}`,

  // ---- Workloads (DESIGN §4b) ------------------------------------------------------------
  /** `workloads/<name>`: a workload's spec and status (WorkloadRecord); the workload repair manager writes it. */
  workloadsPrefix: 'workloads/',
  workload: (name: string): string => `workloads/${name}`,
  /** `instances/<workload>/<n>`: the control plane's intent for one instance (InstanceRecord); the workload repair manager writes it. */
  instancesPrefix: 'instances/',
  instancesOfWorkload: (workload: string): string => `instances/${workload}/`,
  instance: (workload: string, n: number): string => `instances/${workload}/${n}`,
  /** `placements/<blade>/<workload>/<n>`: an instance bound to a blade, with why (PlacementRecord); the scheduler writes it. */
  placementsPrefix: 'placements/',
  placementsOn: (blade: string): string => `placements/${blade}/`,
  placement: (blade: string, workload: string, n: number): string =>
    `placements/${blade}/${workload}/${n}`,
  /** `unplaced/<workload>/<n>`: an instance the scheduler could not place, and why (UnplacedRecord). */
  unplacedPrefix: 'unplaced/',
  /** The unplaced records of one workload's instances (`unplaced/web/`). */
  unplacedOf: (workload: string): string => `unplaced/${workload}/`,
  unplaced: (workload: string, n: number): string => `unplaced/${workload}/${n}`,
  /** `instance-actual/<workload>/<n>`: an instance's truth (InstanceActual); the inventory writes it. */
  instanceActualPrefix: 'instance-actual/',
  /** The actual records of one workload's instances (`instance-actual/web/`). */
  instanceActualOf: (workload: string): string => `instance-actual/${workload}/`,
  instanceActual: (workload: string, n: number): string => `instance-actual/${workload}/${n}`,
  /** `instance-observed/<workload>/<n>`: what the monitor believes of an instance (InstanceObserved). */
  instanceObservedPrefix: 'instance-observed/',
  /** The observed records of one workload's instances (`instance-observed/web/`). */
  instanceObservedOf: (workload: string): string => `instance-observed/${workload}/`,
  instanceObserved: (workload: string, n: number): string => `instance-observed/${workload}/${n}`,
  /**
   * `availability/<workload>/<tick>` (12 digits): a workload's desired, running
   * and observed running as that tick's snapshot holds them (AvailabilitySample), written
   * by the monitor only when they change; kept after the workload is gone
   * (world keys: a Reset wipes them, the digest covers them).
   */
  availabilityPrefix: 'availability/',
  /** The samples of one workload (`availability/web/`), in tick order. */
  availabilityOf: (workload: string): string => `availability/${workload}/`,
  availabilitySample: (workload: string, tick: number): string =>
    `availability/${workload}/${padTick(tick)}`,

  // ---- Inputs (DESIGN §1 "Inputs") -------------------------------------------------------
  /** Inputs' payloads, `inputs/<owner>/<id>`, applied by their owner with their `pending/` marker. */
  inputsPrefix: 'inputs/',
  /** The inputs of one owner (`inputs/faults/`). */
  inputsOf: (owner: string): string => `inputs/${owner}/`,
  input: (owner: string, id: string): string => `inputs/${owner}/${id}`,
  /** The counter of an input id sequence (`command/c`). */
  inputSequence: (sequence: string): string => `inputs/sequence/${sequence}`,
  /** `pending/<id>`: an input not yet applied; a wake-up for its owner at its tick. */
  pendingPrefix: 'pending/',
  pending: (id: string): string => `pending/${id}`,
  /**
   * `journal/<tick>/<n>` (12 digits each): the run's external inputs
   * (JournalRecord) by the tick they take effect at, then in the order they
   * were accepted; written with the input, deleted by a Reset.
   */
  journalPrefix: 'journal/',
  journalEntry: (tick: number, n: number): string => `journal/${padTick(tick)}/${padTick(n)}`,

  // ---- The inventory's definition source ------------------------------------------------
  /** `sources/…`: where the definition came from and how its load goes. */
  sourcesPrefix: 'sources/',
  /** The definition source in force (DefinitionSource). */
  definitionSource: 'sources/inventory',
  /** The progress of the definition load in flight (LoadProgress). */
  loadProgress: 'sources/inventory-load',
  /** `sources/inventory-pending/<id>`: a definition submitted, waiting for its tick. */
  definitionInputsPrefix: 'sources/inventory-pending/',

  // ---- The clock (services/stepper/README.md) -------------------------------------------
  clockPrefix: 'clock/',
  /** What operators asked for: policy, rate, epoch, bound, reset request. */
  clockControl: 'clock/control',
  /** The published tick; its mod revision is the tick's snapshot revision R(T). */
  clockTick: 'clock/tick',
  /** The last settled tick and the world digest through it. */
  clockSettled: 'clock/settled',
  /** The current run: its number, seed and whether it is still deterministic. */
  clockRun: 'clock/run',
  /** The history kept: the oldest tick still readable and the revision etcd was compacted to. */
  clockHistory: 'clock/history',
  /** `clock/runs/<run>` (12 digits): a run a reset ended, while its history is kept. */
  pastRunsPrefix: 'clock/runs/',
  pastRun: (run: number): string => `clock/runs/${padTick(run)}`,
  /** `ticks/<T>` (12 digits): the tick → revision index. */
  tickIndexPrefix: 'ticks/',
  tickIndex: (tick: number): string => `ticks/${padTick(tick)}`,
  /** `participants/<name>`: a participant of the lockstep and what it reacts to. */
  participantsPrefix: 'participants/',
  participant: (name: string): string => `participants/${name}`,
  /** `alive/<name>`: a participant's running process, under a lease. */
  alivePrefix: 'alive/',
  alive: (name: string): string => `alive/${name}`,
  /** `acks/<name>`: the last tick a participant acknowledged and its next wake-up. */
  acksPrefix: 'acks/',
  ack: (name: string): string => `acks/${name}`,

  // ---- Registries ------------------------------------------------------------------------
  /** `services/<name>/<instance>`: a running instance's endpoint, under a lease. */
  servicesPrefix: 'services/',
  /** The running instances of one service (`services/tracesink/`). */
  instancesOf: (name: string): string => `services/${name}/`,
  service: (name: string, instance: string): string => `services/${name}/${instance}`,
  /** `service-failures/<name>`: why the service's last start failed (outlives the process). */
  serviceFailuresPrefix: 'service-failures/',
  serviceFailure: (name: string): string => `service-failures/${name}`,
  /** `election/<role>`: the campaign of a role's replicas (the stepper's leader). */
  electionPrefix: 'election/',
  election: (role: string): string => `election/${role}`,

  // ---- Scenario runs (services/scenarios) -----------------------------------------------
  /**
   * `scenario-runs/<id>`: a scenario run against the running simulation, its
   * progress and report (ScenarioRun); the scenarios service writes it.
   * Bookkeeping: not part of the world (the digest skips it, Reset keeps it).
   */
  scenarioRunsPrefix: 'scenario-runs/',
  scenarioRun: (id: string): string => `scenario-runs/${id}`,

  // ---- Accounts (the frontend) -----------------------------------------------------------
  /** `users/<name>`: a user; its password only as a slow KDF hash. */
  usersPrefix: 'users/',
  user: (name: string): string => `users/${name}`,
  /** `sessions/<id>`: a browser session; only the secret's hash is stored. */
  sessionsPrefix: 'sessions/',
  session: (id: string): string => `sessions/${id}`,
  /** `tokens/<id>`: a bearer token for scripts, or a one-time login token. */
  tokensPrefix: 'tokens/',
  token: (id: string): string => `tokens/${id}`,
} as const;

/** An instance's name, `<workload>/<n>`, as people and paths read it. */
export function instanceName(workload: string, n: number): string {
  return `${workload}/${n}`;
}

/**
 * The instance a key of one of the per-instance prefixes names
 * (`instances/web/3`, `instance-actual/web/3`, `unplaced/web/3`,
 * `placements/<blade>/web/3`) → `{ workload, n }`, or `undefined` for any
 * other key. A placement key also gives its blade.
 */
export function instanceOfKey(
  key: string,
): { workload: string; n: number; blade?: string } | undefined {
  for (const prefix of [
    keys.instancesPrefix,
    keys.unplacedPrefix,
    keys.instanceActualPrefix,
    keys.instanceObservedPrefix,
  ]) {
    if (!key.startsWith(prefix)) continue;
    const match = /^([^/]+)\/(\d+)$/.exec(key.slice(prefix.length));
    return match === null ? undefined : { workload: match[1]!, n: Number(match[2]) };
  }
  if (key.startsWith(keys.placementsPrefix)) {
    const match = /^(.+)\/([^/]+)\/(\d+)$/.exec(key.slice(keys.placementsPrefix.length));
    return match === null
      ? undefined
      : { blade: match[1]!, workload: match[2]!, n: Number(match[3]) };
  }
  return undefined;
}

/**
 * The workload and tick of an availability sample's key
 * (`availability/web/000000000012` → `{ workload: 'web', tick: 12 }`), or
 * `undefined` for any other key.
 */
export function availabilityOfKey(key: string): { workload: string; tick: number } | undefined {
  const match = /^availability\/([^/]+)\/(\d{12})$/.exec(key);
  return match === null ? undefined : { workload: match[1]!, tick: Number(match[2]) };
}

/** Whether `name` can name a workload: 1-63 lower-case letters, digits and "-", starting with a letter. */
export function isValidWorkloadName(name: string): boolean {
  return /^[a-z][a-z0-9-]{0,62}$/.test(name);
}

/**
 * The service and instance a registration key names: `services/<name>/<instance>`
 * (relative to the simulation, as {@link keys}.service makes it) → `{name, instance}`;
 * `undefined` for any other key.
 */
export function serviceOfKey(key: string): { name: string; instance: string } | undefined {
  const match = /^services\/([^/]+)\/(.+)$/.exec(key);
  return match === null ? undefined : { name: match[1]!, instance: match[2]! };
}

/** Every prefix of the layout (the `keys.…Prefix` values), longest first. */
export const keyPrefixes: readonly string[] = (Object.values(keys) as unknown[])
  .filter((v): v is string => typeof v === 'string' && v.endsWith('/'))
  .sort((a, b) => b.length - a.length || a.localeCompare(b));

/**
 * The prefix of the layout `key` lies under, the most specific one
 * (`sources/inventory-pending/x` → `sources/inventory-pending/`), or
 * `undefined` for a key outside the layout.
 */
export function prefixOfKey(key: string): string | undefined {
  return keyPrefixes.find((p) => key.startsWith(p));
}

/**
 * Prefixes of bookkeeping keys: the protocol's own records and the
 * registries of services, leaders, accounts and sessions. They are not part
 * of the simulated world: the world digest skips them and Reset keeps all of
 * them but the clock's.
 */
export const bookkeepingPrefixes: readonly string[] = [
  keys.clockPrefix,
  keys.tickIndexPrefix,
  keys.participantsPrefix,
  keys.alivePrefix,
  keys.acksPrefix,
  keys.pendingPrefix,
  keys.inputsPrefix,
  keys.journalPrefix,
  keys.sourcesPrefix,
  keys.electionPrefix,
  keys.servicesPrefix,
  keys.serviceFailuresPrefix,
  keys.usersPrefix,
  keys.sessionsPrefix,
  keys.tokensPrefix,
  keys.scenarioRunsPrefix,
];

/**
 * Prefixes of the clock protocol's own records (and the registries of
 * services and leaders, the scenario runs and the input journal). A change under them never wakes a participant:
 * the stepper leaves them out of the keys it tracks for waking, and a
 * participant may not declare that it reacts to them.
 */
export const protocolPrefixes: readonly string[] = [
  keys.clockPrefix,
  keys.acksPrefix,
  keys.tickIndexPrefix,
  keys.alivePrefix,
  keys.participantsPrefix,
  keys.electionPrefix,
  keys.servicesPrefix,
  keys.scenarioRunsPrefix,
  keys.journalPrefix,
];

/** Whether `key` is one of the clock protocol's own records; see {@link protocolPrefixes}. */
export function isProtocolKey(key: string): boolean {
  return protocolPrefixes.some((p) => key.startsWith(p));
}

/** Whether `key` is bookkeeping rather than part of the simulated world. */
export function isBookkeeping(key: string): boolean {
  return bookkeepingPrefixes.some((p) => key.startsWith(p));
}

const participantNamePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * Whether `name` can name a participant: 1–63 lower-case letters, digits,
 * `.`, `_` or `-`, starting with a letter or digit. The name becomes part of
 * `participants/<name>`, `alive/<name>` and `acks/<name>`, and needs no
 * escaping in JSON.
 */
export function isValidParticipantName(name: string): boolean {
  return participantNamePattern.test(name);
}
