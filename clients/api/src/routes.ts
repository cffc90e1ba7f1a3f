import { Type, type Static, type TSchema } from 'typebox';
import { componentSchemas, Demand, Placement } from './components.js';
import type { Operation, TypedOperation } from './operation.js';
import { rights } from './rights.js';
import { elementPath, s } from './schema.js';
import {
  commandActions,
  commandStatuses,
  containerTypes,
  deviceKinds,
  faultKinds,
  faultStatuses,
  policies,
  repairStatuses,
  reportLevels,
  scenarioRunModes,
  severities,
  targetStates,
  views,
} from '@chamber/world';

/** A route of the table, its literal types kept (`required: ['name']` stays a tuple). */
function route<const O extends TypedOperation>(op: O): O {
  return op;
}

type ComponentName = keyof typeof componentSchemas;

/** A reference to the answer schema `name`, typed as it. */
function answer<N extends ComponentName>(name: N) {
  return s.ref(name, componentSchemas[name]);
}

const ok = <N extends ComponentName>(name: N, description: string) =>
  ({ status: 200, description, schema: answer(name) }) as const;
const created = <N extends ComponentName>(name: N, description: string) =>
  ({ status: 201, description, schema: answer(name) }) as const;
const noContent = (description: string) => ({ status: 204, description }) as const;

const readQuery = {
  view: s.oneOf(views, 'which view of the inventory (default definition)'),
  at: s.integer('the tick to read as of (time travel); default: now'),
};

export const eventKinds = [
  'clock',
  'actual',
  'observed',
  'faults',
  'repairs',
  'workloads',
  'instances',
  'scenarios',
  'logs',
] as const;

/** The fields of one fault in `POST /faults`. */
const faultFields = {
  kind: s.oneOf(faultKinds, 'what breaks'),
  targets: s.array(elementPath, 'element paths; a region, zone or rack means all in it', {
    minItems: 1,
    maxItems: 1000,
  }),
  at: s.integer('the first tick it may occur (default: the next tick)'),
  duration: s.integer('how many ticks each occurrence lasts (default: until cleared)', 1),
  every: s.integer('it recurs every this many ticks', 1),
  probability: s.number('it occurs at each tick with this probability', {
    exclusiveMinimum: 0,
    maximum: 1,
  }),
  mtbf: s.number('mean ticks between failures, per target', { exclusiveMinimum: 0 }),
  mttr: s.number('mean ticks to recover (required with mtbf)', { exclusiveMinimum: 0 }),
} as const;

/** The schedule fields of a fault, body fields of `POST /faults`. */
export const scheduleFields = ['at', 'duration', 'every', 'probability', 'mtbf', 'mttr'] as const;

/** One fault of the bulk form of `POST /faults`. */
const oneFault = Type.Object(
  {
    kind: faultFields.kind,
    targets: faultFields.targets,
    at: Type.Optional(faultFields.at),
    duration: Type.Optional(faultFields.duration),
    every: Type.Optional(faultFields.every),
    probability: Type.Optional(faultFields.probability),
    mtbf: Type.Optional(faultFields.mtbf),
    mttr: Type.Optional(faultFields.mttr),
  },
  { description: 'one fault', additionalProperties: false },
);

/** The most entries of one bulk call (`faults`, `targets` of commands). */
const maxBulk = 1000;

/** The `run` of a report: a past one is kept until a later run compacts etcd. */
const pastRun = s.integer(
  'a run a reset ended, while its history is kept (until the current run first compacts etcd); default the current run',
);

const userName = s.name('the user name');
const password = s.string('a password, 8 to 128 characters', { minLength: 8, maxLength: 128 });
const rightList = s.array(s.oneOf(rights, 'a right'), 'the rights held', {
  uniqueItems: true,
  maxItems: rights.length,
});
const id = (what: string) =>
  s.string(`the ${what} id`, { minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' });

/** The kinds of element, in the words of the path grammar. */
const elementTypes = [...containerTypes, ...deviceKinds, 'cable'] as const;

/**
 * The inventory's two reads. An element is named in a URL the one way it is
 * named everywhere else (fault targets, commands, the CLI): its element path,
 * whole, as the `path` query field — `?path=standard/z1/rack3/blade/5`.
 */
function inventoryRoutes() {
  return [
    route({
      id: 'getElement',
      method: 'GET',
      path: '/inventory/element',
      tag: 'inventory',
      summary: 'one element (a region, zone, rack, PDU, TOR, blade or cable) in one view',
      description:
        'The element is named by its path, `?path=standard/z1/rack3/blade/5` (a cable: `…/blade/5/power-cable`), as everywhere in the API.',
      access: 'user',
      query: { path: elementPath, ...readQuery },
      response: ok('ElementAt', 'the element'),
      errors: [404],
    }),
    route({
      id: 'listElements',
      method: 'GET',
      path: '/inventory/elements',
      tag: 'inventory',
      summary:
        "what an element holds, one level down: the regions, a region's zones, a zone's racks, a rack's PDUs, TORs and blades",
      description:
        'The element is named by its path (`?path=standard/z1/rack3`); without one, the regions. `kind` keeps only elements of that kind (`?path=standard/z1/rack3&kind=blade`).',
      access: 'user',
      query: {
        path: { ...elementPath, description: 'a region, zone or rack (default: the regions)' },
        kind: s.oneOf(elementTypes, 'only elements of this kind'),
        ...readQuery,
      },
      response: ok('Elements', 'the elements, in path order'),
      errors: [404],
    }),
  ] as const;
}

const accepted = (description: string) =>
  ({ status: 202, description, schema: answer('EffectiveTick') }) as const;

/** A workload's name: 1-63 lower-case letters, digits and `-`, starting with a letter. */
const workloadName = s.string(
  'the workload: 1-63 lower-case letters, digits and "-", starting with a letter',
  { pattern: '^[a-z][a-z0-9-]{0,62}$' },
);

/** The fields of a workload's spec besides its name, as `POST`, `PUT` and `PATCH /workloads` take them. */
const specFields = {
  instances: s.integer('desired running instances', 0),
  demand: Demand,
  image: s.string('the image its instances run', { minLength: 1, maxLength: 128 }),
  placement: Placement,
  maxUnavailable: s.integer(
    'the most instances a voluntary change (a rolling update, a drain) takes out of service at once (default 1)',
    1,
  ),
} as const;

/** `PATCH /workloads/{name}`'s fields: each replaces the workload's own; `demand` field by field. */
const changeFields = {
  ...specFields,
  demand: Type.Object(
    {
      cores: Type.Optional(Demand.properties.cores),
      memoryGib: Type.Optional(Demand.properties.memoryGib),
      diskGib: Type.Optional(Demand.properties.diskGib),
      networkGbps: Type.Optional(Demand.properties.networkGbps),
    },
    {
      description: 'the amounts to change (the others are kept)',
      additionalProperties: false,
    },
  ),
} as const;

/** The service's (proto) names of a spec's fields, in the API's words. */
const specServiceFields = {
  'spec.name': 'name',
  'spec.instances': 'instances',
  'spec.demand': 'demand',
  'spec.demand.cores': 'demand.cores',
  'spec.demand.memory_gib': 'demand.memoryGib',
  'spec.demand.disk_gib': 'demand.diskGib',
  'spec.demand.network_gbps': 'demand.networkGbps',
  'spec.image': 'image',
  'spec.placement': 'placement',
  'spec.placement.rule': 'placement.rule',
  'spec.placement.level': 'placement.level',
  'spec.max_unavailable': 'maxUnavailable',
} as const;

/**
 * The workload routes: workloads (owned by the workload repair manager),
 * their instances, and the scheduler's explanations. Every change is an
 * input that takes effect at the next tick; the answer names that tick.
 */
function workloadRoutes() {
  const name = { name: workloadName };
  return [
    route({
      id: 'createWorkload',
      method: 'POST',
      path: '/workloads',
      tag: 'workloads',
      summary: 'create a workload; it takes effect at the next tick',
      access: 'modify_workloads',
      body: {
        properties: { name: workloadName, ...specFields },
        required: ['name', 'instances', 'demand', 'image'],
      },
      response: accepted('accepted: the tick it is created at'),
      errors: [409],
      serviceFields: specServiceFields,
      cli: [{ area: 'workload', command: 'create', args: ['name'] }],
    }),
    route({
      id: 'listWorkloads',
      method: 'GET',
      path: '/workloads',
      tag: 'workloads',
      summary: 'list the workloads, each as it stands',
      access: 'user',
      response: ok('Workloads', 'workloads'),
      cli: [{ area: 'workload', command: 'ls' }],
    }),
    route({
      id: 'getWorkload',
      method: 'GET',
      path: '/workloads/{name}',
      tag: 'workloads',
      summary: "a workload as it stands; its ETag is its record's revision",
      access: 'user',
      params: name,
      response: ok('Workload', 'the workload'),
      errors: [404],
      etag: true,
      cli: [{ area: 'workload', command: 'get', args: ['name'] }],
    }),
    route({
      id: 'replaceWorkload',
      method: 'PUT',
      path: '/workloads/{name}',
      tag: 'workloads',
      summary:
        "replace a workload's spec at the next tick (a new demand or image is a rolling update; If-Match: its revision)",
      access: 'modify_workloads',
      params: name,
      body: { properties: specFields, required: ['instances', 'demand', 'image'] },
      response: accepted('accepted: the tick the change takes effect'),
      errors: [404, 412],
      ifMatch: true,
      serviceFields: specServiceFields,
    }),
    route({
      id: 'updateWorkload',
      method: 'PATCH',
      path: '/workloads/{name}',
      tag: 'workloads',
      summary:
        "change some of a workload's spec at the next tick: the fields given replace its own (scale: `instances`; If-Match: its revision)",
      access: 'modify_workloads',
      params: name,
      body: { properties: changeFields, required: [] },
      response: accepted('accepted: the tick the change takes effect'),
      errors: [404, 412],
      ifMatch: true,
      serviceFields: specServiceFields,
      cli: [
        { area: 'workload', command: 'update', args: ['name'] },
        { area: 'workload', command: 'scale', args: ['name', 'instances'] },
      ],
    }),
    route({
      id: 'deleteWorkload',
      method: 'DELETE',
      path: '/workloads/{name}',
      tag: 'workloads',
      summary:
        'delete a workload at the next tick: its instances are stopped, and it goes with the last (If-Match: its revision)',
      access: 'modify_workloads',
      params: name,
      response: accepted('accepted: the tick it is deleted at'),
      errors: [404, 412],
      ifMatch: true,
      cli: [
        {
          area: 'workload',
          command: 'delete',
          args: ['name'],
          destroys: 'delete the workload and stop every one of its instances',
        },
      ],
    }),
    route({
      id: 'listWorkloadInstances',
      method: 'GET',
      path: '/workloads/{name}/instances',
      tag: 'workloads',
      summary: "a workload's instances: state, blade, observed health, and why",
      access: 'user',
      params: name,
      response: ok('Instances', 'its instances, by number'),
      errors: [404],
      cli: [{ area: 'workload', command: 'instances', args: ['name'] }],
    }),
    route({
      id: 'explainPlacement',
      method: 'GET',
      path: '/workloads/{name}/instances/{n}/placement',
      tag: 'workloads',
      summary:
        "the scheduler's explanation of an instance's placement (the chosen blade, the best candidates with their score components, the blades set aside by filter), or of why it is pending",
      access: 'user',
      params: { ...name, n: s.integer('the instance number') },
      response: ok('PlacementExplanation', 'the explanation'),
      errors: [404],
      cli: [{ area: 'workload', command: 'explain', args: ['name', 'n'] }],
    }),
    route({
      id: 'getWorkloadAvailability',
      method: 'GET',
      path: '/workloads/{name}/availability',
      tag: 'workloads',
      summary:
        "a workload's availability over a range of ticks: desired vs running vs observed running, the instance-ticks lost, its outages with their detection and recovery (ramp-up after a create or a scale-up is not lost)",
      access: 'user',
      params: name,
      query: {
        from: s.integer('the first tick counted (default 0)'),
        to: s.integer('the last tick counted (default: the last settled tick)'),
      },
      response: ok('Availability', 'its availability'),
      errors: [404],
      serviceFields: { from_tick: 'from', to_tick: 'to' },
      cli: [{ area: 'workload', command: 'availability', args: ['name'] }],
    }),
    route({
      id: 'getReport',
      method: 'GET',
      path: '/reports',
      tag: 'reports',
      summary:
        "the run's report over a range of ticks: availability, failures, MTBF and MTTR, the longest outage, detection delay and repair time, repairs by outcome and step, escalations; in total, by element, rack or zone, and per workload",
      description:
        "An element counts from its first working tick. An outage runs from the tick it leaves working to the first tick it works again; MTTR is the mean outage (actual down to actual working), detection delay down to observed failed, repair time observed failed to working. MTBF is working element-ticks per failure. Computed from the store's history: the same run gives the same report, whatever the process layout or restarts.",
      access: 'user',
      query: {
        from: s.integer("the first tick counted (default 0, the run's first)"),
        to: s.integer('the last tick counted (default: the last settled tick)'),
        by: s.oneOf(reportLevels, 'how to group the elements (default rack)'),
        run: pastRun,
      },
      response: ok('Report', 'the report'),
      errors: [400, 404, 503],
      serviceFields: { from_tick: 'from', to_tick: 'to' },
      cli: [{ area: 'report', command: 'show' }],
    }),
    route({
      id: 'getReportSeries',
      method: 'GET',
      path: '/reports/series',
      tag: 'reports',
      summary:
        'the run tick by tick over a range: elements by actual and observed state, repairs open, each workload desired, running and observed running',
      access: 'user',
      query: {
        from: s.integer('the first tick (default 0)'),
        to: s.integer('the last tick (default: the last settled tick)'),
        run: pastRun,
      },
      response: ok('ReportSeries', 'one point per tick'),
      errors: [400, 404, 503],
      serviceFields: { from_tick: 'from', to_tick: 'to' },
      cli: [{ area: 'report', command: 'series' }],
    }),
    route({
      id: 'listInstances',
      method: 'GET',
      path: '/instances',
      tag: 'workloads',
      summary: "every workload's instances, or those on a blade or under an element",
      access: 'user',
      query: {
        under: {
          ...elementPath,
          description: 'only instances on this blade or under this rack, zone or region',
        },
        workload: workloadName,
      },
      response: ok('Instances', 'instances, by workload and number'),
      cli: [{ area: 'workload', command: 'on', args: ['under'] }],
    }),
    route({
      id: 'getCapacity',
      method: 'GET',
      path: '/capacity',
      tag: 'workloads',
      summary:
        "the used capacity of the blades on a path that hold placements: each one's capacity, what its instances take and which they are",
      description:
        'Reads only the placements under the path (and the definitions of the blades holding them): its cost follows the placements, not the inventory. Blades holding none are left out.',
      access: 'user',
      query: {
        under: {
          ...elementPath,
          description: 'only the blades on this path: a blade, rack, zone or region (default: all)',
        },
      },
      response: ok('Capacity', 'the blades holding placements, by path'),
    }),
  ] as const;
}

/** A scenario file as `POST /scenarios/check` and `POST /scenarios/runs` take it. */
const scenarioSource = {
  source: s.string('the scenario file (YAML), as `scenarios/*.yaml`', { maxLength: 60_000 }),
  fileName: s.string('the file name errors and reports name (default scenario.yaml)', {
    maxLength: 256,
  }),
} as const;

/**
 * The scenario routes: a scenario file checked, or run against the running
 * simulation by the scenarios service (one run at a time), its runs read.
 * Progress comes as `scenarios` events of `/events`.
 */
function scenarioRoutes() {
  return [
    route({
      id: 'checkScenario',
      method: 'POST',
      path: '/scenarios/check',
      tag: 'scenarios',
      summary: 'check a scenario file: every problem at file:line:col (400), nothing run',
      access: 'user',
      body: { properties: scenarioSource, required: ['source'] },
      response: ok('ScenarioCheck', 'it parses: its name, inputs, expectations, last tick'),
      errors: [503],
    }),
    route({
      id: 'startScenarioRun',
      method: 'POST',
      path: '/scenarios/runs',
      tag: 'scenarios',
      summary:
        'run a scenario on the running simulation (its inventory loaded when another is in force, a reset with its seed, its timeline and expectations), or apply it into the simulation as it runs (`mode: apply`: nothing reset, each input at now + its tick); 400 failed_precondition while another run is in progress',
      description:
        'Needs `step_time`, and the rights its inputs need: `inject_faults` for faults and clears, `modify_inventory` for targets, `modify_workloads` for workloads. Answers at once with the run; its progress comes as `scenarios` events of `/events`, its report (or, for an apply, the plan it applied) in `GET /scenarios/runs/{id}` once it ended.',
      access: 'step_time',
      body: {
        properties: {
          ...scenarioSource,
          seed: s.integer("the run's seed instead of the scenario's (a run only)"),
          mode: s.oneOf(
            scenarioRunModes,
            'run (the default): a fresh run; apply: into the running simulation',
          ),
        },
        required: ['source'],
      },
      response: {
        status: 202,
        description: 'the run, started',
        schema: answer('ScenarioRun'),
      },
      errors: [503],
    }),
    route({
      id: 'planScenario',
      method: 'POST',
      path: '/scenarios/plan',
      tag: 'scenarios',
      summary:
        'what applying a scenario now would do: the definition it would load, its workloads, each input at now + its tick, what stands in its way; nothing written',
      access: 'user',
      body: { properties: scenarioSource, required: ['source'] },
      response: ok('ScenarioPlan', 'the plan'),
      errors: [503],
    }),
    route({
      id: 'listScenarioRuns',
      method: 'GET',
      path: '/scenarios/runs',
      tag: 'scenarios',
      summary: 'the scenario runs kept, newest first',
      access: 'user',
      response: ok('ScenarioRuns', 'scenario runs, newest first'),
      errors: [503],
    }),
    route({
      id: 'listScenarioExamples',
      method: 'GET',
      path: '/scenarios/examples',
      tag: 'scenarios',
      summary: 'the scenarios shipped with Chamber, each file whole, by file name',
      access: 'user',
      response: ok('ScenarioExamples', 'the shipped scenarios'),
    }),
    route({
      id: 'getScenarioRun',
      method: 'GET',
      path: '/scenarios/runs/{id}',
      tag: 'scenarios',
      summary: 'a scenario run: where it stands, its report once it ended',
      access: 'user',
      params: { id: s.name('the run') },
      response: ok('ScenarioRun', 'the run'),
      errors: [404, 503],
    }),
  ] as const;
}

/**
 * Every route of the REST API. The frontend's router is built from this
 * table (a handler per `id`, checked by the compiler), the OpenAPI document
 * describes it, and the CLI's commands are made from its `cli` entries, so
 * the three cannot drift apart.
 */
const table = [
  // Sessions and tokens.
  route({
    id: 'logIn',
    method: 'POST',
    path: '/sessions',
    tag: 'sessions',
    summary: 'log in with a user name and password, or a one-time login token',
    description:
      'Sets the session cookie (HttpOnly, SameSite=Strict). Attempts are limited per user and per address (429 with Retry-After).',
    access: 'public',
    body: {
      properties: {
        user: userName,
        password: s.string('the password', { minLength: 1, maxLength: 128 }),
        token: s.string('a one-time login token (from the first-run URL)', {
          minLength: 1,
          maxLength: 128,
        }),
      },
      required: [],
    },
    response: created('Session', 'the new session'),
    errors: [429],
  }),
  route({
    id: 'getCurrentSession',
    method: 'GET',
    path: '/sessions/current',
    tag: 'sessions',
    summary: 'who the caller is: user, rights, and how they authenticated',
    access: 'user',
    response: ok('Session', 'the current session'),
    cli: [{ area: 'session', command: 'whoami' }],
  }),
  route({
    id: 'logOut',
    method: 'DELETE',
    path: '/sessions/current',
    tag: 'sessions',
    summary: 'log out: end the current session and clear its cookie',
    access: 'user',
    response: noContent('logged out'),
  }),
  route({
    id: 'listSessions',
    method: 'GET',
    path: '/sessions',
    tag: 'sessions',
    summary: 'list the open sessions of every user',
    access: 'manage_accounts',
    response: ok('Sessions', 'open sessions'),
    cli: [{ area: 'session', command: 'ls' }],
  }),
  route({
    id: 'endSession',
    method: 'DELETE',
    path: '/sessions/{id}',
    tag: 'sessions',
    summary: 'end a session',
    access: 'manage_accounts',
    params: { id: id('session') },
    response: noContent('ended'),
    errors: [404],
    cli: [{ area: 'session', command: 'end', args: ['id'] }],
  }),
  route({
    id: 'createToken',
    method: 'POST',
    path: '/tokens',
    tag: 'sessions',
    summary: 'create a bearer token for scripts; its secret is shown only in this answer',
    access: 'user',
    body: {
      properties: {
        name: s.string('what it is for', { minLength: 1, maxLength: 64 }),
        expiresInDays: s.integer('days until it stops working (default 90)', 1, 3650),
      },
      required: ['name'],
    },
    response: created('NewToken', 'the token, with its secret'),
    cli: [{ area: 'token', command: 'create', args: ['name'] }],
  }),
  route({
    id: 'listTokens',
    method: 'GET',
    path: '/tokens',
    tag: 'sessions',
    summary: "list the caller's bearer tokens (every user's with manage_accounts and ?all=true)",
    access: 'user',
    query: { all: s.boolean("every user's tokens (needs manage_accounts)") },
    response: ok('Tokens', 'tokens'),
    cli: [{ area: 'token', command: 'ls' }],
  }),
  route({
    id: 'revokeToken',
    method: 'DELETE',
    path: '/tokens/{id}',
    tag: 'sessions',
    summary: "revoke a bearer token (one's own, or anyone's with manage_accounts)",
    access: 'user',
    params: { id: id('token') },
    response: noContent('revoked'),
    errors: [404],
    cli: [{ area: 'token', command: 'revoke', args: ['id'] }],
  }),
  // Users.
  route({
    id: 'listUsers',
    method: 'GET',
    path: '/users',
    tag: 'users',
    summary: 'list the users',
    access: 'manage_accounts',
    response: ok('Users', 'users'),
    cli: [{ area: 'user', command: 'ls' }],
  }),
  route({
    id: 'createUser',
    method: 'POST',
    path: '/users',
    tag: 'users',
    summary: 'create a user',
    access: 'manage_accounts',
    body: {
      properties: { name: userName, password, rights: rightList },
      required: ['name', 'password'],
    },
    response: created('User', 'the user'),
    errors: [409],
    etag: true,
    cli: [{ area: 'user', command: 'add', args: ['name'], secrets: ['password'] }],
  }),
  route({
    id: 'getUser',
    method: 'GET',
    path: '/users/{name}',
    tag: 'users',
    summary: 'get a user (oneself, or anyone with manage_accounts)',
    access: 'user',
    params: { name: userName },
    response: ok('User', 'the user'),
    errors: [404],
    etag: true,
    cli: [{ area: 'user', command: 'get', args: ['name'] }],
  }),
  route({
    id: 'updateUser',
    method: 'PATCH',
    path: '/users/{name}',
    tag: 'users',
    summary: "change a user's rights or enable or disable it",
    access: 'manage_accounts',
    params: { name: userName },
    body: {
      properties: {
        rights: rightList,
        isEnabled: s.boolean('whether it may log in'),
      },
      required: [],
    },
    response: ok('User', 'the user'),
    errors: [404, 412],
    etag: true,
    ifMatch: true,
    cli: [{ area: 'user', command: 'set', args: ['name'] }],
  }),
  route({
    id: 'deleteUser',
    method: 'DELETE',
    path: '/users/{name}',
    tag: 'users',
    summary: 'delete a user, its sessions and its tokens (never the built-in admin)',
    access: 'manage_accounts',
    params: { name: userName },
    response: noContent('deleted'),
    errors: [404, 412],
    ifMatch: true,
    cli: [
      {
        area: 'user',
        command: 'rm',
        args: ['name'],
        destroys: 'delete the user with all its sessions and bearer tokens',
      },
    ],
  }),
  route({
    id: 'changePassword',
    method: 'PUT',
    path: '/users/{name}/password',
    tag: 'users',
    summary:
      "change a password: one's own (giving the current one), or anyone's with manage_accounts",
    description:
      'After a one-time login (the first-run URL), while the password is still the generated one nobody was shown, the session (and tokens it made) may set its own password once without currentPassword; `GET /sessions/current` says so with `mustSetPassword`.',
    access: 'user',
    params: { name: userName },
    body: {
      properties: {
        password,
        currentPassword: s.string(
          "the caller's current password, to change one's own (not after a one-time login, for the first password)",
          {
            minLength: 1,
            maxLength: 128,
          },
        ),
      },
      required: ['password'],
    },
    response: noContent('changed'),
    errors: [404, 412],
    ifMatch: true,
    cli: [
      {
        area: 'user',
        command: 'passwd',
        args: ['name'],
        secrets: ['password', 'currentPassword'],
      },
    ],
  }),
  // Clock.
  route({
    id: 'getClock',
    method: 'GET',
    path: '/clock',
    tag: 'clock',
    summary: "the clock's status; its ETag is the epoch",
    access: 'user',
    response: ok('ClockStatus', 'the status'),
    errors: [503],
    etag: true,
    cli: [{ area: 'clock', command: 'status' }],
  }),
  route({
    id: 'setPolicy',
    method: 'PUT',
    path: '/clock/policy',
    tag: 'clock',
    summary: 'set how the clock advances (If-Match: the epoch)',
    access: 'step_time',
    body: {
      properties: {
        policy: s.oneOf(policies, 'the policy'),
        rate: s.number('ticks per second (measured only, and required there)', {
          exclusiveMinimum: 0,
          maximum: 10000,
        }),
      },
      required: ['policy'],
    },
    response: ok('ClockStatus', 'the status after the change'),
    errors: [412, 503],
    etag: true,
    ifMatch: true,
    cli: [{ area: 'clock', command: 'policy', args: ['policy'] }],
  }),
  route({
    id: 'step',
    method: 'POST',
    path: '/clock/step',
    tag: 'clock',
    summary: 'advance N ticks and answer once the last one settles',
    access: 'step_time',
    body: {
      properties: { count: s.integer('how many ticks (default 1)', 1, 1_000_000) },
      required: [],
    },
    response: ok('ClockStatus', 'the status after the steps'),
    errors: [503],
    etag: true,
    cli: [{ area: 'clock', command: 'step', args: ['count'] }],
  }),
  route({
    id: 'runUntil',
    method: 'POST',
    path: '/clock/run-until',
    tag: 'clock',
    summary: 'advance to a tick and answer once it settles',
    access: 'step_time',
    body: { properties: { tick: s.integer('the tick') }, required: ['tick'] },
    response: ok('ClockStatus', 'the status at that tick'),
    errors: [503],
    etag: true,
    cli: [{ area: 'clock', command: 'run-until', args: ['tick'] }],
  }),
  route({
    id: 'resetClock',
    method: 'POST',
    path: '/clock/reset',
    tag: 'clock',
    summary: 'wipe the simulated world and start a fresh run at tick 0, paused',
    access: 'step_time',
    body: {
      properties: { seed: s.integer('the seed of the new run (default: the current seed)') },
      required: [],
    },
    response: ok('ClockStatus', 'the status of the new run'),
    errors: [503],
    etag: true,
    cli: [
      {
        area: 'clock',
        command: 'reset',
        destroys:
          'wipe the simulated world (rebuilt from its definition and the seed) and return the clock to tick 0 of a new run',
      },
    ],
  }),
  route({
    id: 'exportScenario',
    method: 'GET',
    path: '/scenarios/export',
    tag: 'scenarios',
    summary: 'the run so far as a scenario file that replays it to the same digest',
    description:
      "The run's seed, its definition (a shipped sample by name, any other inline), every input a person or script gave it at the tick it took effect, `run.until` the last settled tick and the world digest there as its expectation (clients/scenario/README.md). A run that loaded a definition or is no longer deterministic cannot be exported (400, `failed_precondition`, saying why).",
    access: 'user',
    response: { status: 200, description: 'the scenario (YAML)', contentType: 'text/yaml' },
    errors: [400, 503],
    cli: [{ area: 'scenario', command: 'export' }],
  }),
  route({
    id: 'waitForTick',
    method: 'GET',
    path: '/clock/wait',
    tag: 'clock',
    summary: 'long poll: answer once the tick is settled, or when the timeout passes',
    access: 'user',
    query: {
      tick: s.integer('the tick to wait for'),
      timeoutMs: s.integer('how long to wait at most (default 30000)', 0, 300_000),
    },
    response: ok('WaitResult', 'whether it was reached, and the status'),
    errors: [503],
    cli: [{ area: 'clock', command: 'wait-for', args: ['tick'] }],
  }),
  // Inventory.
  route({
    id: 'getSummary',
    method: 'GET',
    path: '/inventory/summary',
    tag: 'inventory',
    summary: 'counts of the inventory by kind and state',
    access: 'user',
    query: readQuery,
    response: ok('Summary', 'the summary'),
    cli: [{ area: 'inventory', command: 'summary' }],
  }),
  ...inventoryRoutes(),
  route({
    id: 'listStates',
    method: 'GET',
    path: '/inventory/states',
    tag: 'inventory',
    summary:
      'the state of every PDU, TOR and blade under a path in one view, grouped by rack: a whole map in one answer',
    access: 'user',
    query: {
      path: { ...elementPath, description: 'a region, zone or rack (default: everything)' },
      view: s.oneOf(['actual', 'observed'], 'which view (default actual)'),
      at: readQuery.at,
    },
    response: ok('States', 'the states'),
    errors: [404],
    cli: [{ area: 'inventory', command: 'states' }],
  }),
  route({
    id: 'getTarget',
    method: 'GET',
    path: '/inventory/target',
    tag: 'inventory',
    summary: "an element's target; its ETag is the record's revision",
    access: 'user',
    query: { path: elementPath, at: readQuery.at },
    response: ok('ElementAt', 'the target'),
    errors: [404],
    etag: true,
    cli: [{ area: 'inventory', command: 'target', args: ['path'] }],
  }),
  route({
    id: 'setTarget',
    method: 'PUT',
    path: '/inventory/target',
    tag: 'inventory',
    summary: "set an element's target; it takes effect at the next tick (If-Match: its revision)",
    description:
      'The element is a PDU, a TOR or a blade; or a rack or a zone, meaning every blade in it, as one input that takes effect at one tick (its PDUs and TORs keep their targets, so a drained rack keeps power until its blades are empty and powered down). A rack or zone has no one revision: If-Match is refused for it (400).',
    access: 'modify_inventory',
    query: { path: elementPath },
    body: {
      properties: {
        state: s.oneOf(targetStates, 'what the element should be'),
        powered: s.boolean('whether it should be powered (default true)'),
        reason: s.string('why, for the record', { maxLength: 500 }),
        drain: s.boolean(
          'move the instances off its blades before they are powered down (only with out_for_repair or retired; default false)',
        ),
      },
      required: ['state'],
    },
    response: ok('EffectiveTick', 'the change is accepted'),
    errors: [404, 412],
    ifMatch: true,
    cli: [{ area: 'inventory', command: 'set-target', args: ['path', 'state'] }],
  }),
  route({
    id: 'loadDefinition',
    method: 'POST',
    path: '/inventory/definitions',
    tag: 'inventory',
    summary: 'validate an inventory definition (YAML) and load it at the next tick',
    access: 'modify_inventory',
    body: {
      properties: {
        fileName: s.string('the file name errors are reported against', { maxLength: 256 }),
        source: s.string(
          'the YAML text; one over the definition size limit is refused, naming the limit',
        ),
      },
      required: ['source'],
    },
    response: { status: 202, description: 'the load is accepted', schema: answer('LoadStarted') },
    cli: [
      {
        area: 'inventory',
        command: 'load',
        args: ['fileName'],
        destroys:
          'make the file the whole definition at the next tick: racks, PDUs, TORs and blades it does not define are deleted, with their targets and actual states',
      },
    ],
  }),
  route({
    id: 'getLoad',
    method: 'GET',
    path: '/inventory/loads/{id}',
    tag: 'inventory',
    summary: "long poll: a definition load's progress once it is done, or when the timeout passes",
    access: 'user',
    params: { id: id('load') },
    query: {
      timeoutMs: s.integer('how long to wait at most (default 30000)', 0, 300_000),
    },
    response: ok('LoadProgress', 'its progress: done, or as far as it got'),
    errors: [404],
    cli: [{ area: 'inventory', command: 'load-progress', args: ['id'] }],
  }),
  route({
    id: 'issueCommand',
    method: 'POST',
    path: '/inventory/commands',
    tag: 'inventory',
    summary: 'issue a command to the simulated hardware, or one to each of many targets',
    description:
      'With `targets` instead of `target`, one command per target, all checked first (a bad one refuses the call, naming it as `targets[i]`, and nothing is written) and written together: in one transaction when they fit in one (about 40: etcd takes 128 writes per transaction, and each takes three: the input, its pending marker and its journal entry), otherwise in consecutive transactions of as many as fit, in order, each all or nothing (with a running clock a later one may take effect a tick later; each command says when). The answer lists the commands in the order of `targets`.',
    access: 'perform_repairs',
    body: {
      properties: {
        target: elementPath,
        targets: s.array(elementPath, 'many targets: one command to each, in one call', {
          minItems: 1,
          maxItems: maxBulk,
        }),
        action: s.oneOf(commandActions, 'what to do'),
        image: s.string('the image, for reimage', { maxLength: 128 }),
      },
      required: ['action'],
      forms: [['target'], ['targets']],
    },
    response: {
      status: 201,
      description: 'the command; with `targets`, the commands',
      schema: Type.Union([answer('Command'), answer('Commands')]),
    },
    errors: [404],
    cli: [{ area: 'inventory', command: 'command', args: ['target', 'action'] }],
  }),
  route({
    id: 'listCommands',
    method: 'GET',
    path: '/inventory/commands',
    tag: 'inventory',
    summary: 'list commands, oldest first',
    access: 'user',
    query: {
      target: elementPath,
      status: s.oneOf(commandStatuses, 'only commands with this status'),
    },
    response: ok('Commands', 'commands'),
    cli: [{ area: 'inventory', command: 'commands' }],
  }),
  route({
    id: 'getCommand',
    method: 'GET',
    path: '/inventory/commands/{id}',
    tag: 'inventory',
    summary: 'get a command and its outcome',
    access: 'user',
    params: { id: id('command') },
    response: ok('Command', 'the command'),
    errors: [404],
    cli: [{ area: 'inventory', command: 'get-command', args: ['id'] }],
  }),
  // Faults.
  route({
    id: 'injectFault',
    method: 'POST',
    path: '/faults',
    tag: 'faults',
    summary: 'inject a fault, or many; each takes effect at the next tick at the earliest',
    description:
      'With `faults` (a list of faults, each with the fields of one), many faults in one call, all checked first (a bad one refuses the call, naming it as `faults[i].…`, and nothing is written) and written together: in one transaction when they fit in one (about 40: etcd takes 128 writes per transaction, and each takes three: the input, its pending marker and its journal entry), otherwise in consecutive transactions of as many as fit, in order, each all or nothing (with a running clock a later one may take effect a tick later; each fault says when). The answer lists the faults in the order asked.',
    access: 'inject_faults',
    body: {
      properties: {
        ...faultFields,
        faults: s.array(oneFault, 'many faults in one call', { minItems: 1, maxItems: maxBulk }),
      },
      required: [],
      forms: [['kind', 'targets'], ['faults']],
    },
    response: {
      status: 201,
      description: 'the fault; with `faults`, the faults',
      schema: Type.Union([answer('Fault'), answer('Faults')]),
    },
    errors: [404],
    cli: [{ area: 'fault', command: 'inject', names: { duration: 'for', targets: 'target' } }],
    // The faults service takes the schedule as one message; the API, as body fields.
    serviceFields: Object.fromEntries(scheduleFields.map((name) => [`schedule.${name}`, name])),
  }),
  route({
    id: 'listFaults',
    method: 'GET',
    path: '/faults',
    tag: 'faults',
    summary: 'list faults, oldest first',
    access: 'user',
    query: {
      status: s.oneOf(faultStatuses, 'only faults with this status'),
      kind: s.oneOf(faultKinds, 'only faults of this kind'),
      target: elementPath,
    },
    response: ok('Faults', 'faults'),
    cli: [{ area: 'fault', command: 'ls' }],
  }),
  route({
    id: 'getFault',
    method: 'GET',
    path: '/faults/{id}',
    tag: 'faults',
    summary: 'get a fault and its history',
    access: 'user',
    params: { id: id('fault') },
    response: ok('Fault', 'the fault'),
    errors: [404],
    cli: [{ area: 'fault', command: 'get', args: ['id'] }],
  }),
  route({
    id: 'clearFault',
    method: 'POST',
    path: '/faults/{id}/clear',
    tag: 'faults',
    summary: 'clear a fault at the next tick',
    access: 'inject_faults',
    params: { id: id('fault') },
    response: ok('Fault', 'the fault'),
    errors: [404],
    cli: [{ area: 'fault', command: 'clear', args: ['id'] }],
  }),
  route({
    id: 'clearAllFaults',
    method: 'POST',
    path: '/faults/clear-all',
    tag: 'faults',
    summary: 'clear every fault not cleared yet, at the next tick',
    access: 'inject_faults',
    response: ok('ClearedFaults', 'what was cleared'),
    cli: [
      {
        area: 'fault',
        command: 'clear-all',
        destroys: 'clear every fault not cleared yet, at the next tick',
      },
    ],
  }),
  // Repairs.
  route({
    id: 'listRepairs',
    method: 'GET',
    path: '/repairs',
    tag: 'repairs',
    summary: 'list repairs, oldest first',
    access: 'user',
    query: {
      status: s.oneOf(repairStatuses, 'only repairs with this status'),
      target: elementPath,
    },
    response: ok('Repairs', 'repairs'),
    cli: [{ area: 'repair', command: 'ls' }],
  }),
  route({
    id: 'getRepair',
    method: 'GET',
    path: '/repairs/{id}',
    tag: 'repairs',
    summary: 'get a repair: its plan, current step and every decision with its reason',
    access: 'user',
    params: { id: id('repair') },
    response: ok('Repair', 'the repair'),
    errors: [404],
    cli: [{ area: 'repair', command: 'get', args: ['id'] }],
  }),
  // Workloads.
  ...workloadRoutes(),
  // Scenario runs.
  ...scenarioRoutes(),
  // Services, logs, events, the document itself.
  route({
    id: 'listServices',
    method: 'GET',
    path: '/services',
    tag: 'services',
    summary: 'the registered services, with their endpoints and gRPC health',
    access: 'user',
    response: ok('Services', 'services'),
    cli: [{ area: 'service', command: 'ls' }],
  }),
  route({
    id: 'listLogs',
    method: 'GET',
    path: '/logs',
    tag: 'logs',
    summary: 'the trace/decision log: the oldest entries after a sequence number, or the newest',
    access: 'user',
    query: {
      after: s.integer('only entries after this sequence number'),
      run: s.integer(
        "only entries of this run of the clock (the clock's `run`, which a reset increments)",
        1,
      ),
      tail: s.boolean(
        'the newest `limit` matching entries instead of the oldest (still in ascending order)',
      ),
      service: s.name('only this service'),
      servicePrefix: s.name(
        'only services whose name starts with this (`inventory` takes in `inventory-repair`)',
      ),
      decisions: s.boolean(
        'only decisions: leave out the per-tick bookkeeping spans (`clock.publish`, `clock.settle`, `<service>.tick`)',
      ),
      target: elementPath,
      severity: s.oneOf(severities, 'only entries this severe or more'),
      traceId: s.string('only this trace (a causality tree)', { pattern: '^[0-9a-f]{32}$' }),
      limit: s.integer('at most this many (default 100)', 1, 1000),
    },
    response: ok('LogEntries', 'entries'),
    errors: [503],
    cli: [{ area: 'logs', command: 'show' }],
  }),
  route({
    id: 'streamEvents',
    method: 'GET',
    path: '/events',
    tag: 'events',
    summary:
      'server-sent events: clock ticks, inventory transitions, faults, repairs, workloads, instances, logs',
    description:
      'Each event has an `id` to resume from with `Last-Event-ID`, an `event` name (its kind) and JSON `data`. Driven by store watches and the trace log stream. `workloads` carries the workload records (`workloads/`) and their availability samples (`availability/`: desired, running and observed running instances as a tick left them, written when they change); `instances` every record of an instance: its intent (`instances/`), its placement on a blade (`placements/`), why the scheduler could not place it (`unplaced/`), its actual state (`instance-actual/`) and what the monitor believes (`instance-observed/`).',
    access: 'user',
    query: {
      kinds: s.string(`comma-separated kinds (default all): ${eventKinds.join(', ')}`, {
        pattern: `^(${eventKinds.join('|')})(,(${eventKinds.join('|')}))*$`,
      }),
      after: s.uint64(
        'start with the store changes after this revision (the `revision` of a read such as /inventory/states), so nothing between the read and the stream is missed; Last-Event-ID, when sent, wins',
      ),
    },
    response: { status: 200, description: 'an event stream', contentType: 'text/event-stream' },
    cli: [
      { area: 'events', command: 'follow' },
      { area: 'clock', command: 'watch', preset: { kinds: 'clock' } },
    ],
  }),
  route({
    id: 'getAbout',
    method: 'GET',
    path: '/about',
    tag: 'meta',
    summary: 'which simulation this frontend serves, and its version',
    access: 'user',
    response: ok('About', 'the simulation and version'),
    cli: [{ area: 'service', command: 'about' }],
  }),
  route({
    id: 'getOpenApi',
    method: 'GET',
    path: '/openapi.json',
    tag: 'meta',
    summary: 'this document',
    access: 'public',
    response: {
      status: 200,
      description: 'the OpenAPI 3.1 document',
      schema: Type.Record(Type.String(), Type.Unknown(), {
        description: 'an OpenAPI 3.1 document',
      }),
    },
  }),
] as const;

/**
 * Every route of the REST API as JSON Schema values (TypeBox's schemas are
 * plain JSON Schema): what the router, the validator, the OpenAPI document
 * and the CLI read.
 */
export const operations: readonly Operation[] = table as unknown as readonly Operation[];

/** The routes of the table, with their static types. */
type Table = (typeof table)[number];

/** The id of a route (`getClock`, `injectFault`, …). */
export type OperationId = Table['id'];

/** The route with id `Id`, as the table declares it. */
export type OperationOf<Id extends OperationId> = Extract<Table, { readonly id: Id }>;

type StaticFields<P> = { -readonly [K in keyof P]: P[K] extends TSchema ? Static<P[K]> : never };

/** The path parameters of `Id`, converted (`index` is a number). */
export type ParamsOf<Id extends OperationId> =
  OperationOf<Id> extends { readonly params: infer P } ? StaticFields<P> : Record<never, never>;

/** The query of `Id`: every field optional. */
export type QueryOf<Id extends OperationId> =
  OperationOf<Id> extends { readonly query: infer Q }
    ? Partial<StaticFields<Q>>
    : Record<never, never>;

/** The JSON body of `Id`: its required fields, the others optional. */
export type BodyOf<Id extends OperationId> =
  OperationOf<Id> extends {
    readonly body: { readonly properties: infer P; readonly required: readonly (infer R)[] };
  }
    ? Pick<StaticFields<P>, Extract<keyof P, R>> &
        Partial<Omit<StaticFields<P>, Extract<keyof P, R>>>
    : Record<never, never>;

/** The JSON answer of `Id`; `undefined` for one without a JSON body (204, a stream). */
export type AnswerOf<Id extends OperationId> =
  OperationOf<Id> extends { readonly response: { readonly schema: infer S } }
    ? S extends TSchema
      ? Static<S>
      : never
    : undefined;

/** The operation with this id; throws for an unknown one (a bug in the caller). */
export function operation(operationId: string): Operation {
  const found = operations.find((o) => o.id === operationId);
  if (found === undefined) throw new Error(`unknown operation "${operationId}"`);
  return found;
}
