import { Type, type Static, type TProperties } from 'typebox';
import { rights } from './rights.js';
import { s } from './schema.js';
import {
  instanceHealths,
  instanceStates,
  placementLevels,
  placementRules,
  reportLevels,
  workloadPhases,
} from '@chamber/world';

// The schemas of answers, by name: `components.schemas` of the OpenAPI
// document, and through TypeBox the static types of every answer. Answers
// carrying simulation records are their JSON as stored (enums by their full
// names), as `etcdctl` shows them: integers are JSON numbers (the generated
// code keeps 64-bit fields as numbers; ticks and revisions stay far below
// 2^53), and a field at its zero value is left out, as proto3 JSON does.

const tick = (description: string) => s.uint64(description);
const count = (description: string) => s.integer(`${description} (left out when 0)`);
const opt = Type.Optional;

/** An enum of a stored record, by its full name (`FAULT_STATUS_ACTIVE`). */
const wire = (description: string) => s.string(description, { pattern: '^[A-Z][A-Z0-9_]*$' });

/** An object of exactly these fields. */
const object = <P extends TProperties>(properties: P, description: string) =>
  Type.Object(properties, { description, additionalProperties: false });

/** A stored record's JSON: exactly these fields. */
const record = <P extends TProperties>(properties: P, description: string) =>
  object(properties, `${description} (the JSON of the record, as stored)`);

/** A record whose fields this document does not list (free-form JSON). */
const freeRecord = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), {
    description: `${description} (the JSON of the record, as stored)`,
  });

const texts = (description: string, item: string) => s.array(s.string(item), description);

export const ErrorAnswer = object(
  {
    error: object(
      {
        code: s.string(
          'a gRPC code name (invalid_argument, not_found, …), or unsupported_media_type (415) or method_not_allowed (405)',
        ),
        message: s.string('what went wrong, for people'),
        field: opt(
          s.string(
            'on every 4xx: the field it is about, in the words of this document: a parameter (`at`, `index`), a body field as a JSON path (`targets[1]`), a header in lower case (`content-type`, `if-match`, `authorization`), `body` for the body as a whole, or `url`/`method` for the request line',
          ),
        ),
      },
      'the error',
    ),
  },
  'every error answer',
);

export const ClockStatus = object(
  {
    tick: opt(count('the last published tick')),
    settled: opt(s.boolean('whether every participant has acknowledged it')),
    settledTick: opt(count('the last settled tick')),
    epoch: opt(count('incremented by every policy change and reset; the ETag')),
    policy: opt(
      s.oneOf(
        ['POLICY_PAUSED', 'POLICY_MANUAL', 'POLICY_MEASURED', 'POLICY_NO_WAIT'],
        'how the clock advances',
      ),
    ),
    rate: opt(s.number('ticks per second under measured')),
    digest: opt(s.string('hex world digest through settledTick')),
    until: opt(count('the bound the clock is advancing to')),
    participants: opt(texts('participants expected at tick', 'a participant')),
    waitingFor: opt(texts('those that have not acknowledged it', 'a participant')),
    deterministic: opt(s.boolean('false once a participant was dropped')),
    notes: opt(texts('why the run is no longer deterministic', 'a note')),
    lagSeconds: opt(s.number('lateness of the last tick under measured')),
    seed: opt(count('the seed of this run')),
    run: opt(count('resets since the simulation was created')),
    oldestTick: opt(
      count(
        'the oldest tick still readable with `at` (older ones are compacted away, stepper.retentionTicks); 0: every tick',
      ),
    ),
  },
  'the simulated clock',
);

export const WaitResult = object(
  {
    reached: s.boolean('whether the tick was settled before the timeout'),
    status: s.ref('ClockStatus', ClockStatus),
  },
  'the outcome of a wait',
);

/** Counts by state name (`BLADE_STATE_WORKING` → 64). */
const stateCounts = (description: string) =>
  opt(Type.Record(Type.String(), s.uint64('how many'), { description }));

export const Summary = record(
  {
    tick: opt(count('the tick read')),
    regions: opt(count('regions')),
    zones: opt(count('zones')),
    racks: opt(count('racks')),
    pdus: opt(count('PDUs')),
    tors: opt(count('TORs')),
    blades: opt(count('blades')),
    bladeStates: stateCounts('blades by state (BLADE_STATE_…), in the view read'),
    pduStates: stateCounts('PDUs by state (PDU_STATE_…), in the view read'),
    torStates: stateCounts('TORs by state (TOR_STATE_…), in the view read'),
    definition: opt(s.string('the name of the loaded definition')),
  },
  'counts of the inventory by kind and state',
);

export const Element = Type.Object(
  {
    path: s.string('the element path'),
    kind: wire('ELEMENT_KIND_REGION … ELEMENT_KIND_CABLE'),
    view: wire('VIEW_DEFINITION, VIEW_TARGET, VIEW_ACTUAL or VIEW_OBSERVED'),
    revision: opt(count('the store revision of the record; the ETag of a target')),
  },
  {
    description:
      'one inventory element in one view, with its record under a key named after its type (region, zone, rack, device, blade, cable, target, pduActual, torActual, bladeActual, cableActual, observed)',
    additionalProperties: freeRecord('the element’s record in this view'),
  },
);

export const Elements = object(
  {
    elements: s.array(s.ref('Element', Element), 'the elements'),
    tick: opt(count('the tick read')),
  },
  'inventory elements',
);

export const ElementAt = object(
  { element: s.ref('Element', Element), tick: opt(count('the tick read')) },
  'one inventory element',
);

const deviceStates = (kind: 'pdu' | 'tor' | 'blade') =>
  ({
    indexes: s.array(s.integer(`a ${kind} index`), `the ${kind}s with a record`),
    states: s.array(s.integer('a position in `states`'), 'their states, in the same order'),
  }) as const;
const pdu = deviceStates('pdu');
const tor = deviceStates('tor');
const blade = deviceStates('blade');

export const RackStates = object(
  {
    path: s.string('the rack: region/zone/rack'),
    pdus: pdu.indexes,
    pduStates: pdu.states,
    tors: tor.indexes,
    torStates: tor.states,
    blades: blade.indexes,
    bladeStates: blade.states,
  },
  "one rack's device states",
);

export const States = object(
  {
    tick: tick('the tick the states are as of'),
    revision: s.uint64(
      'the store revision they were read at: every later change has a higher revision (as the event stream numbers them)',
    ),
    states: texts('the state names', 'a state name (BLADE_STATE_WORKING, …)'),
    racks: s.array(s.ref('RackStates', RackStates), 'the racks, in key order'),
  },
  'the state of every PDU, TOR and blade under a path, compactly',
);

export const EffectiveTick = object(
  { effectiveTick: tick('the tick at which the change takes effect') },
  'an accepted change',
);

export const LoadStarted = object(
  {
    loadId: s.string('the load, for its progress'),
    effectiveTick: tick('the tick the definition takes effect'),
    blades: opt(s.uint64('blades in the definition')),
  },
  'an accepted definition load',
);

export const LoadProgress = record(
  {
    loadId: opt(s.string('the load id')),
    state: opt(wire('STATE_WAITING, STATE_APPLYING or STATE_DONE')),
    effectiveTick: opt(count('the tick it takes effect')),
    written: opt(count('writes done so far')),
    total: opt(count('writes in all')),
    added: opt(count('elements added')),
    updated: opt(count('elements updated')),
    removed: opt(count('elements removed')),
    unchanged: opt(count('elements unchanged')),
    blades: opt(count('blades in the definition')),
  },
  'how far a definition load is',
);

export const Command = record(
  {
    id: s.string('the command id'),
    target: opt(s.string('the element path it acts on')),
    action: opt(wire('COMMAND_ACTION_POWER_ON …')),
    status: opt(wire('COMMAND_STATUS_PENDING …')),
    effectiveTick: opt(count('the tick it takes effect')),
    finishedTick: opt(count('the tick it finished')),
    dueTick: opt(count('the tick it is due to finish')),
    reason: opt(s.string('why it ended as it did')),
    requestedBy: opt(s.string('who asked for it')),
    image: opt(s.string('the image, for reimage')),
  },
  'a command to the simulated hardware',
);

export const Commands = object(
  { commands: s.array(s.ref('Command', Command), 'commands, oldest first') },
  'commands, oldest first',
);

const Schedule = object(
  {
    at: opt(count('the first tick it may occur')),
    duration: opt(count('how many ticks each occurrence lasts')),
    every: opt(count('it recurs every this many ticks')),
    probability: opt(s.number('it occurs at each tick with this probability')),
    mtbf: opt(s.number('mean ticks between failures, per target')),
    mttr: opt(s.number('mean ticks to recover')),
  },
  'when a fault occurs',
);

export const Fault = record(
  {
    id: s.string('the fault id'),
    kind: opt(wire('FAULT_KIND_CRASH …')),
    targets: opt(texts('the element paths it was injected on', 'an element path')),
    schedule: opt(Schedule),
    status: opt(wire('FAULT_STATUS_SCHEDULED, FAULT_STATUS_ACTIVE or FAULT_STATUS_CLEARED')),
    sinceTick: opt(count('the tick it entered its status')),
    reason: opt(s.string('why it is in its status')),
    affected: opt(
      s.array(
        object(
          {
            target: s.string('an element path'),
            sinceTick: opt(count('since when')),
          },
          'an element it acts on now',
        ),
        'the elements it acts on now',
      ),
    ),
    nextTick: opt(count('the next tick it changes at')),
    history: opt(
      s.array(
        object(
          {
            tick: opt(count('when')),
            status: opt(wire('the status it entered')),
            reason: opt(s.string('why')),
          },
          'a change of status',
        ),
        'its changes of status, oldest first',
      ),
    ),
    occurrences: opt(count('how many times it occurred')),
    createdTick: opt(count('the tick it was injected at')),
    nextByTarget: opt(
      Type.Record(Type.String(), s.uint64('a tick'), {
        description: 'per target, the next tick it changes at (mtbf/mttr)',
      }),
    ),
    requestedBy: opt(s.string('who injected it')),
  },
  'a fault and its history',
);

export const Faults = object(
  { faults: s.array(s.ref('Fault', Fault), 'faults, oldest first') },
  'faults, oldest first',
);

export const ClearedFaults = object(
  {
    ids: texts('the faults cleared', 'a fault id'),
    effectiveTick: opt(tick('the tick they are cleared at')),
  },
  'the outcome of clear-all',
);

export const Repair = record(
  {
    id: s.string('the repair id'),
    target: opt(s.string('the element path it repairs')),
    status: opt(wire('REPAIR_STATUS_OPEN …')),
    plan: opt(
      s.array(
        object(
          {
            action: opt(wire('STEP_ACTION_POWER_CYCLE …')),
            maxAttempts: opt(count('attempts before the next step')),
            delayTicks: opt(count('ticks to wait before it')),
          },
          'a step of the plan',
        ),
        'the plan, in order',
      ),
    ),
    currentStep: opt(count('the step it is at')),
    attempts: opt(count('attempts of that step')),
    commandId: opt(s.string('the command of the current attempt')),
    deadlineTick: opt(count('when the current attempt times out')),
    nextTick: opt(count('the next tick it acts at')),
    openedTick: opt(count('when it was opened')),
    closedTick: opt(count('when it was closed')),
    reason: opt(s.string('why it is in its status')),
    history: opt(
      s.array(
        object(
          {
            tick: opt(count('when')),
            step: opt(count('the step')),
            action: opt(wire('the step action')),
            commandId: opt(s.string('the command')),
            outcome: opt(s.string('what happened')),
            reason: opt(s.string('why, in words')),
          },
          'a decision',
        ),
        'every decision with its reason, oldest first',
      ),
    ),
    purpose: opt(s.string('what the repair is for')),
  },
  'a repair: its plan, current step and every decision with its reason',
);

export const Repairs = object(
  { repairs: s.array(s.ref('Repair', Repair), 'repairs, oldest first') },
  'repairs, oldest first',
);

const rightList = s.array(s.oneOf(rights, 'a right'), 'the rights held');

export const User = object(
  {
    name: s.string('the user name'),
    rights: rightList,
    isBuiltIn: s.boolean('the built-in admin, which cannot be deleted'),
    isEnabled: s.boolean('a disabled user cannot log in'),
    createdAt: opt(s.string('when it was created (ISO 8601)', { format: 'date-time' })),
    revision: opt(s.integer('the store revision of the record; the ETag')),
  },
  'a user (never its password)',
);

export const Users = object(
  { users: s.array(s.ref('User', User), 'users by name') },
  'users by name',
);

export const Session = object(
  {
    id: s.string('the session id (not the secret)'),
    user: s.string('who'),
    rights: rightList,
    via: opt(s.oneOf(['cookie', 'token'], 'how the caller authenticated')),
    createdAt: opt(s.string('when it began', { format: 'date-time' })),
    expiresAt: opt(s.string('when it ends', { format: 'date-time' })),
    address: opt(s.string('the address it was opened from')),
    mustSetPassword: opt(
      s.boolean(
        'it comes from a one-time login URL and the password is still the generated one nobody was shown: set one with PUT /users/{name}/password, without currentPassword (once)',
      ),
    ),
  },
  'a session',
);

export const Sessions = object(
  { sessions: s.array(s.ref('Session', Session), 'open sessions') },
  'open sessions',
);

export const Token = object(
  {
    id: s.string('the token id'),
    name: s.string('what it is for'),
    user: s.string('whose it is'),
    createdAt: s.string('when it was made', { format: 'date-time' }),
    expiresAt: opt(s.string('when it stops working', { format: 'date-time' })),
  },
  'a bearer token (never its secret)',
);

export const NewToken = object(
  {
    token: s.string('the secret, shown this once: send it as `Authorization: Bearer <token>`'),
    info: s.ref('Token', Token),
  },
  'a new bearer token',
);

export const Tokens = object(
  { tokens: s.array(s.ref('Token', Token), 'bearer tokens') },
  'bearer tokens',
);

export const serviceHealths = ['serving', 'not_serving', 'unreachable', 'down'] as const;

export const Service = object(
  {
    name: s.string('the service'),
    instance: s.string('the instance'),
    endpoint: s.string("its gRPC host:port (a frontend's: its URL)"),
    health: s.oneOf(
      serviceHealths,
      'its gRPC health (a frontend: whether its API answers); down: no instance is running and its last start failed (see lastError)',
    ),
    lastError: opt(
      s.string("a down service's last start failure, as it reported it (`bad.yaml:11:13: …`)"),
    ),
    failedAt: opt(s.string('when that start failed (ISO 8601)')),
  },
  'a registered service instance, or a service that is down (no instance, its last error)',
);

export const Services = object(
  { services: s.array(s.ref('Service', Service), 'registered service instances by name') },
  'registered service instances by name',
);

export const About = object(
  {
    simulation: s.string('the simulation: its keys live under /chamber/v1/<simulation>/'),
    version: s.string("Chamber's version"),
  },
  'what this frontend serves',
);

export const LogEntry = record(
  {
    seq: opt(count('its sequence number in the log')),
    traceId: opt(s.string('its trace (32 hex digits)')),
    spanId: opt(s.string('the span (16 hex digits)')),
    parentSpanId: opt(s.string('the parent span; left out for a root')),
    links: opt(
      s.array(
        object(
          { traceId: opt(s.string('the linked trace')), spanId: opt(s.string('the linked span')) },
          'a linked span (decisions of one thread)',
        ),
        'spans it follows from',
      ),
    ),
    service: opt(s.string('the service that recorded it')),
    name: opt(s.string('what it is (`repair.step`, `monitor.transition`, …)')),
    startTime: opt(s.string('when it started (RFC 3339)', { format: 'date-time' })),
    durationMs: opt(s.number('how long it took (ms)')),
    tick: opt(count('the tick it belongs to')),
    target: opt(s.string('the element path it is about')),
    reason: opt(s.string('why, in words')),
    severity: opt(wire('SEVERITY_DEBUG, SEVERITY_INFO, SEVERITY_WARN or SEVERITY_ERROR')),
    attributes: opt(
      Type.Record(Type.String(), Type.String(), { description: 'its other attributes' }),
    ),
    statusMessage: opt(s.string('the error, for a span that failed')),
    run: opt(count('the run of the clock it belongs to')),
  },
  'one span of the trace/decision log',
);

export const LogEntries = object(
  {
    entries: s.array(s.ref('LogEntry', LogEntry), 'entries, by sequence number'),
    lastSeq: opt(s.uint64('the last sequence number held')),
    firstSeq: opt(s.uint64('the first sequence number held')),
    instanceId: opt(s.string('changes when the log restarts empty')),
  },
  'trace/decision log entries',
);

const demandFields = {
  cores: s.integer('cores per instance', 1),
  memoryGib: s.number('GiB of memory per instance', { minimum: 0 }),
  diskGib: s.number('GiB of disk per instance', { minimum: 0 }),
  networkGbps: s.number('Gbps of network per instance (0: none)', { minimum: 0 }),
} as const;

/** What one instance needs of a blade. */
export const Demand = object(
  {
    cores: demandFields.cores,
    memoryGib: opt(demandFields.memoryGib),
    diskGib: opt(demandFields.diskGib),
    networkGbps: opt(demandFields.networkGbps),
  },
  'what one instance needs of a blade (an amount left out is 0)',
);

/** How a workload's instances are placed relative to each other, in words. */
export const Placement = object(
  {
    rule: s.oneOf(placementRules, 'the rule: strong is a constraint, weak a preference'),
    level: opt(
      s.oneOf(placementLevels, 'the level it applies at (required unless the rule is none)'),
    ),
  },
  'a placement rule at a level of the hierarchy',
);

export const Workload = object(
  {
    name: s.string('the workload'),
    instances: s.uint64('desired running instances'),
    demand: s.ref('Demand', Demand),
    image: s.string('the image its instances run'),
    placement: s.ref('Placement', Placement),
    maxUnavailable: s.uint64(
      'the most instances a voluntary change (a rolling update, a drain) takes out of service at once',
    ),
    generation: s.uint64('bumped by every change of demand or image (a rolling update)'),
    phase: opt(s.oneOf(workloadPhases, 'where it is as a whole (left out before its first tick)')),
    instancesByState: Type.Record(Type.String(), s.uint64('how many'), {
      description:
        'its wanted instances by state (pending, placed, then the actual state: starting, running, lost, stopping, stopped)',
    }),
    observedRunning: s.uint64('its instances the control plane observes running'),
    reason: s.string('the latest decision about it, in words'),
    createdTick: s.uint64('the tick it was created'),
    updatedTick: s.uint64('the tick it last changed'),
    revision: s.uint64(
      'the store revision of its record; the ETag (0 while its creation waits for its tick)',
    ),
  },
  'a workload: its spec (as created or last replaced) and how it stands',
);

export const Workloads = object(
  { workloads: s.array(s.ref('Workload', Workload), 'workloads by name') },
  'workloads by name',
);

export const Instance = object(
  {
    workload: s.string('its workload'),
    n: s.uint64('its number in the workload (never reused)'),
    name: s.string('`<workload>/<n>`'),
    generation: s.uint64('the generation of the workload it runs'),
    state: s.oneOf(
      instanceStates,
      'where it is: pending (not placed, see reason), placed, then its actual state',
    ),
    observed: opt(
      s.oneOf(instanceHealths, 'what the control plane believes (left out until observed)'),
    ),
    blade: opt(s.string('the blade it is placed on (left out while pending)')),
    wanted: s.boolean('false once the manager wants it gone (scaled down, replaced, drained)'),
    reason: opt(s.string('why it is pending, stopping or stopped, in words')),
    sinceTick: s.uint64('since when it is in its state'),
  },
  'an instance: intent, placement, truth and belief together',
);

export const Instances = object(
  { instances: s.array(s.ref('Instance', Instance), 'instances by workload and number') },
  'instances by workload and number',
);

export const PlacementExplanation = object(
  {
    workload: s.string('the workload'),
    n: s.uint64('the instance'),
    placed: s.boolean('placed (the explanation of its placement), or pending (why not)'),
    tick: s.uint64('the tick of the decision'),
    blade: opt(s.string('the chosen blade (left out when none fits)')),
    summary: s.string('the whole decision in one sentence'),
    candidates: s.array(
      object(
        {
          blade: s.string('a blade that passed every filter'),
          score: s.number('its score (higher is better)'),
          components: s.array(
            object(
              {
                name: s.string('spread, bin_pack, affinity or anti_affinity'),
                value: s.number('its part of the score'),
              },
              'one part of the score',
            ),
            'what the score is made of',
          ),
        },
        'a candidate blade',
      ),
      'the best candidates, best first',
    ),
    filtered: s.array(
      object(
        {
          filter: s.string(
            'cores, memory, disk, network, not_in_service, observed_unhealthy, affinity or anti_affinity',
          ),
          blades: s.uint64('how many blades it set aside'),
          reason: s.string('in words: "1,204 blades lack 8 free cores"'),
        },
        'blades set aside by one filter',
      ),
      'the blades set aside, counted by filter',
    ),
  },
  "the scheduler's explanation of an instance's placement, or of why it is pending",
);

/** A workload's availability over a range of ticks (`GET /workloads/{name}/availability`). */
export const Availability = object(
  {
    workload: s.string('the workload'),
    fromTick: tick('the first tick counted'),
    toTick: tick('the last tick counted'),
    desired: s.uint64('desired instances at toTick (0 once deleted)'),
    running: s.uint64('instances actually running at toTick'),
    observedRunning: s.uint64(
      'instances observed running at toTick (what the control plane believes)',
    ),
    instanceTicksDesired: s.uint64('desired instances summed over the ticks not ramping'),
    instanceTicksLost: s.uint64(
      'desired - running summed over the short ticks (running < desired once at strength)',
    ),
    availability: s.number('1 - lost / desired instance-ticks; 1 when nothing was desired', {
      minimum: 0,
      maximum: 1,
    }),
    outages: s.array(
      object(
        {
          startTick: tick('its first short tick'),
          detectedTick: opt(
            tick('its first tick where observed running < desired too (left out: not noticed)'),
          ),
          endTick: opt(tick('the first tick at strength again (left out while it lasts)')),
          ticks: s.uint64('how long it lasted (so far, when it lasts)'),
          instanceTicksLost: s.uint64('the instance-ticks it lost in the range'),
        },
        'a run of short ticks',
      ),
      'the outages, by start',
    ),
    worstOutageTicks: s.uint64('the longest outage (0: none)'),
    meanDetectionTicks: opt(
      s.number('start to detection, on average (left out: none detected)', { minimum: 0 }),
    ),
    meanRecoveryTicks: opt(
      s.number('detection to end, on average (left out: none recovered)', { minimum: 0 }),
    ),
    rampTicks: s.uint64('ticks spent ramping up after a create or a scale-up (not lost)'),
    samples: s.array(
      object(
        {
          tick: tick('the tick it holds from'),
          desired: s.uint64('desired instances'),
          running: s.uint64('instances actually running'),
          observedRunning: s.uint64('instances observed running'),
        },
        'the counts as a tick left them, holding until the next sample',
      ),
      'the samples in the range, by tick',
    ),
  },
  "a workload's availability: desired vs running vs observed running, lost instance-ticks and outages",
);

/** Cores, memory, disk and network: what a blade has, or what its instances take of it. */
const Resources = object(
  {
    cores: s.number('cores'),
    memoryGib: s.number('GiB of memory'),
    diskGib: s.number('GiB of disk'),
    networkGbps: s.number('Gbps of network'),
  },
  'cores, GiB of memory and disk, Gbps of network',
);

/** One blade holding placements: what it has, what its instances take, and which they are. */
export const BladeUse = object(
  {
    blade: s.string('the blade'),
    capacity: s.ref('Resources', Resources),
    used: s.ref('Resources', Resources),
    instances: s.array(
      object(
        {
          workload: s.string('its workload'),
          n: s.uint64('its number in the workload'),
          demand: s.ref('Resources', Resources),
        },
        'an instance placed on the blade, with what it takes',
      ),
      'the instances placed on it, by workload and number',
    ),
  },
  'a blade holding placements: its capacity (from its definition), what its placed instances take (the sum of their demands) and which they are',
);

export const Capacity = object(
  {
    revision: s.uint64('the store revision the placements were read at'),
    blades: s.array(s.ref('BladeUse', BladeUse), 'the blades holding placements, by path'),
  },
  'the used capacity of the blades under a path that hold placements (the others hold none)',
);

const mean = (description: string) => opt(s.number(description, { minimum: 0 }));
const share = (description: string) => s.number(description, { minimum: 0, maximum: 1 });
const countsByWord = (description: string) =>
  Type.Record(Type.String(), s.integer('how many'), { description });

/** What elements did over a report's range (`GET /reports`). */
const ReportFigures = object(
  {
    elements: s.integer('PDUs, TORs and blades counted (each from its first working tick)'),
    elementTicks: s.uint64('element-ticks counted'),
    workingTicks: s.uint64('element-ticks working'),
    availability: share('working / counted element-ticks; 1 when nothing was counted'),
    failures: s.integer('outages begun in the range (an element leaving working)'),
    openOutages: s.integer('outages still open at toTick'),
    mtbfTicks: mean('working element-ticks per failure (left out: no failure)'),
    mttrTicks: mean(
      'the mean outage, down to working again, over those ended in the range (left out: none ended)',
    ),
    longestOutageTicks: s.uint64('the longest outage seen (an open one through toTick)'),
    meanDetectionTicks: mean(
      'down to observed failed, on average over the outages observed (left out: none was)',
    ),
    meanRepairTicks: mean(
      'observed failed to working again, on average over the outages observed and ended',
    ),
  },
  'availability, failures, MTBF and MTTR in ticks, the longest outage, detection delay and repair time',
);

const ScenarioReport = object(
  {
    name: opt(s.string('the scenario')),
    seed: opt(count('the seed of the run')),
    passed: opt(s.boolean('every expectation held (left out when not)')),
    tick: opt(count('the last tick of the run')),
    digest: opt(s.string('the world digest through that tick: equal digests, equal runs')),
    conditionMetAt: opt(s.uint64('with `run.until` a condition: the tick it held at')),
    expectations: opt(
      s.array(
        object(
          {
            where: opt(s.string('where it is in the file: `scenario.yaml:40:5`')),
            tick: opt(count('the tick it was checked at')),
            expected: opt(s.string('what it asks, in words')),
            observed: opt(s.string('what was there')),
            passed: opt(s.boolean('it held (left out when not)')),
          },
          'one expectation and what was seen',
        ),
        'each expectation, in the order checked',
      ),
    ),
    workloads: opt(
      s.array(
        object(
          {
            name: opt(s.string('the workload')),
            availability: opt(s.number('1 − lost / desired instance-ticks')),
            instanceTicksLost: opt(count('instance-ticks lost')),
            outages: opt(count('outages')),
            worstOutageTicks: opt(count('the longest outage, in ticks')),
            meanDetectionTicks: opt(s.number('ticks to detect an outage, on average')),
            meanRecoveryTicks: opt(s.number('ticks from detection to recovery, on average')),
          },
          "a workload's figures over the run",
        ),
        "each workload's figures",
      ),
    ),
    repairs: opt(
      Type.Record(Type.String(), s.uint64('how many'), {
        description: 'every repair of the run, by status word',
      }),
    ),
    wallMs: opt(count('wall time of the run, in ms (not part of what it proves)')),
    elements: opt(
      Type.Partial(ReportFigures, {
        description:
          "the run's element figures over ticks 0 to tick, as GET /reports gives them (zero values left out)",
      }),
    ),
  },
  'what a scenario run did and whether its expectations held',
);

export const ScenarioPlan = object(
  {
    name: opt(s.string('the scenario')),
    now: opt(count("the tick the simulation stood at: the scenario's tick t is tick now + t")),
    inventory: opt(
      object(
        {
          fileName: opt(s.string('the file name it loads under')),
          blades: opt(count('its blades')),
          added: opt(count('definition records it adds')),
          updated: opt(count('definition records it changes')),
          removed: opt(count('definition records it removes')),
          unchanged: opt(count('definition records it leaves alone')),
          addedPaths: opt(s.array(s.string('an element'), 'the first elements added')),
          updatedPaths: opt(s.array(s.string('an element'), 'the first elements changed')),
          removedPaths: opt(s.array(s.string('an element'), 'the first elements removed')),
          tick: opt(count('the tick the definition view was read at')),
        },
        'the definition it loads first, and what that changes; absent when the one in force is the scenario’s',
      ),
    ),
    workloads: opt(
      s.array(s.string('a workload, in words'), 'the workloads it creates at now + 1'),
    ),
    inputs: opt(
      s.array(
        object(
          {
            at: opt(count('the tick it takes effect at')),
            what: opt(s.string('the input in words')),
            where: opt(s.string('where it is in the file: `scenario.yaml:12:5`')),
          },
          'an input at its tick',
        ),
        'every input of its timeline, at its tick',
      ),
    ),
    clockPolicy: opt(s.string('the clock policy it sets (measured, …); absent when none')),
    clockRate: opt(s.number('its rate, in ticks per second')),
    problems: opt(
      s.array(s.string('a problem, in words'), 'why it cannot be applied now; absent when it can'),
    ),
  },
  'what applying a scenario now would do, or what an apply did',
);

export const ScenarioRun = record(
  {
    id: s.string('the run: `run-<ms since 1970>-<suffix>`'),
    name: opt(s.string('the scenario')),
    fileName: opt(s.string('the file name it was given under')),
    seed: opt(count('the seed of the run')),
    state: opt(
      wire(
        'RUN_STATE_RUNNING, RUN_STATE_PASSED, RUN_STATE_FAILED, RUN_STATE_ERROR, RUN_STATE_INTERRUPTED or RUN_STATE_APPLIED',
      ),
    ),
    mode: opt(wire('RUN_MODE_RUN (a fresh run) or RUN_MODE_APPLY (into the running simulation)')),
    plan: opt(ScenarioPlan),
    tick: opt(count('the tick the run stands at')),
    lastTick: opt(count('the last tick it may reach')),
    doing: opt(s.string('loading, inputs, expectations, running or done')),
    report: opt(ScenarioReport),
    reason: opt(s.string('why it ended in error or was interrupted')),
    startedAt: opt(s.string('when it started (RFC 3339)')),
    endedAt: opt(s.string('when it ended (RFC 3339)')),
    requestedBy: opt(s.string('who started it')),
  },
  'a scenario run against the running simulation: where it stands, and its report once it ended',
);

export const ScenarioRuns = object(
  { runs: s.array(s.ref('ScenarioRun', ScenarioRun), 'scenario runs, newest first') },
  'scenario runs, newest first',
);

export const ScenarioCheck = object(
  {
    name: s.string('the scenario'),
    inputs: s.uint64('inputs on its timeline'),
    expectations: s.uint64('its expectations'),
    lastTick: s.uint64('the last tick a run of it may reach'),
  },
  'a scenario that parses',
);

export const ScenarioExamples = object(
  {
    examples: s.array(
      object(
        {
          fileName: s.string('its file name: `pdu-failure-spread.yaml`'),
          source: s.string(
            'the file (YAML), as `POST /scenarios/check` and `/scenarios/runs` take it',
          ),
        },
        'a scenario shipped with Chamber',
      ),
      'the shipped scenarios, by file name',
    ),
  },
  "the scenarios shipped with Chamber (the repository's `scenarios/*.yaml`)",
);

/** The repairs opened in a report's range. */
const RepairCounts = object(
  {
    opened: s.integer('repairs opened in the range'),
    byOutcome: countsByWord(
      'by status as they stand at toTick (succeeded, recovered, escalated, …)',
    ),
    byStep: countsByWord('attempts issued, by step (power_cycle, reimage, replace, …)'),
    escalations: s.integer('repairs escalated to a person'),
  },
  'the repairs opened in the range',
);

/** A run's report (`GET /reports`). */
export const Report = object(
  {
    run: s.uint64('the run reported'),
    fromTick: tick('the first tick counted'),
    toTick: tick('the last tick counted'),
    by: s.oneOf(reportLevels, 'how the groups are formed'),
    total: ReportFigures,
    repairs: RepairCounts,
    groups: s.array(
      object(
        {
          name: s.string('the element, rack (region/zone/rack) or zone (region/zone)'),
          figures: ReportFigures,
          repairs: RepairCounts,
          outages: s.array(
            object(
              {
                path: s.string('the element'),
                startTick: tick('the tick it left working (may be before the range)'),
                detectedTick: opt(tick('the first tick it was observed failed')),
                endTick: opt(tick('the first tick it worked again (left out while open)')),
                ticks: s.uint64('how long it lasted (so far, when open)'),
              },
              'one outage of one element',
            ),
            'the outages of an element (none for a rack or zone)',
          ),
        },
        'one group',
      ),
      'by element, rack or zone, in path order (none by workload)',
    ),
    workloads: s.array(
      object(
        {
          workload: s.string('the workload'),
          availability: share('1 - lost / desired instance-ticks'),
          instanceTicksDesired: s.uint64('desired instances summed over the ticks not ramping'),
          instanceTicksLost: s.uint64('instance-ticks lost'),
          outages: s.integer('its outages in the range'),
          openOutages: s.integer('those open at toTick'),
          worstOutageTicks: s.uint64('the longest outage (0: none)'),
          meanDetectionTicks: mean('start to detection, on average'),
          meanRecoveryTicks: mean('detection to end, on average'),
        },
        "one workload's availability, as GET /workloads/{name}/availability folds it",
      ),
      'every workload with an availability sample, by name',
    ),
    openFaults: s.integer('faults active once toTick settled'),
    openRepairs: s.integer('repairs open (pending or running) once toTick settled'),
    pendingInstances: s.integer('instances the scheduler could not place, once toTick settled'),
  },
  "a run's report over a range of ticks",
);

/** A run tick by tick (`GET /reports/series`). */
export const ReportSeries = object(
  {
    run: s.uint64('the run'),
    fromTick: tick('the first tick'),
    toTick: tick('the last tick'),
    points: s.array(
      object(
        {
          tick: tick('the tick'),
          actual: countsByWord(
            "elements by actual state, each in its own kind's words: blades and TORs working, booting, off, isolated, …; PDUs on or off",
          ),
          observed: countsByWord('elements by observed state (healthy, suspect, failed, unknown)'),
          repairsOpen: s.integer('repairs open (pending or running)'),
          workloads: s.array(
            object(
              {
                workload: s.string('the workload'),
                desired: s.integer('desired instances'),
                running: s.integer('instances actually running'),
                observedRunning: s.integer('instances observed running'),
              },
              'one workload at the tick',
            ),
            'each workload with a sample by then',
          ),
        },
        'the run once the tick settled',
      ),
      'one per tick, in order',
    ),
  },
  'a run tick by tick: element states, repairs open, workloads',
);

/**
 * The schemas of answers, by name: `components.schemas` of the OpenAPI
 * document. Each is a TypeBox schema, so `Static<typeof Fault>` is the type
 * of a fault as the API answers it.
 */
export const componentSchemas = {
  Error: ErrorAnswer,
  ClockStatus,
  WaitResult,
  Summary,
  Element,
  Elements,
  ElementAt,
  RackStates,
  States,
  EffectiveTick,
  LoadStarted,
  LoadProgress,
  Command,
  Commands,
  Fault,
  Faults,
  ClearedFaults,
  Repair,
  Repairs,
  User,
  Users,
  Session,
  Sessions,
  Token,
  NewToken,
  Tokens,
  Service,
  Services,
  About,
  LogEntry,
  LogEntries,
  Demand,
  Placement,
  Workload,
  Workloads,
  Instance,
  Instances,
  PlacementExplanation,
  Availability,
  Report,
  ReportSeries,
  Resources,
  BladeUse,
  Capacity,
  ScenarioPlan,
  ScenarioRun,
  ScenarioRuns,
  ScenarioCheck,
  ScenarioExamples,
} as const;

/** The clock's status, as the API answers it. */
export type ClockStatus = Static<typeof ClockStatus>;
/** One inventory element in one view. */
export type Element = Static<typeof Element>;
/** One rack's device states in {@link States}. */
export type RackStates = Static<typeof RackStates>;
/** The states of every device under a path. */
export type States = Static<typeof States>;
/** A command to the simulated hardware. */
export type Command = Static<typeof Command>;
/** A fault and its history. */
export type Fault = Static<typeof Fault>;
/** A repair with its plan and decisions. */
export type Repair = Static<typeof Repair>;
/** A user. */
export type User = Static<typeof User>;
/** A session. */
export type Session = Static<typeof Session>;
/** A bearer token (without its secret). */
export type Token = Static<typeof Token>;
/** A service instance, or a service that is down. */
export type Service = Static<typeof Service>;
/** What a frontend serves. */
export type About = Static<typeof About>;
/** One span of the trace/decision log. */
export type LogEntry = Static<typeof LogEntry>;
/** Counts of the inventory by kind and state (`GET /inventory/summary`). */
export type Summary = Static<typeof Summary>;
/** How far a definition load is (`GET /inventory/loads/{id}`). */
export type LoadProgress = Static<typeof LoadProgress>;
/** A workload as the API answers it. */
export type Workload = Static<typeof Workload>;
/** An instance as the API answers it. */
export type Instance = Static<typeof Instance>;
/** A placement's explanation as the API answers it. */
export type PlacementExplanation = Static<typeof PlacementExplanation>;
/** A workload's availability as the API answers it. */
export type Availability = Static<typeof Availability>;
/** A run's report as the API answers it. */
export type Report = Static<typeof Report>;
/** A run tick by tick as the API answers it. */
export type ReportSeries = Static<typeof ReportSeries>;
/** A blade holding placements, as `GET /capacity` answers it. */
export type BladeUse = Static<typeof BladeUse>;
/** A scenario run as the API answers it (its record, as stored). */
export type ScenarioRun = Static<typeof ScenarioRun>;
