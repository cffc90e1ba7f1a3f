import { rights } from './rights.js';
import { s, type JsonSchema } from './schema.js';

const tick = (description: string): JsonSchema => s.uint64(description);

/**
 * Integers inside records are JSON numbers (the generated code keeps 64-bit
 * fields as numbers; ticks and revisions stay far below 2^53), and a field at
 * its zero value is left out, as proto3 JSON does.
 */
const count = (description: string): JsonSchema => s.integer(`${description} (left out when 0)`);

const record = (description: string): JsonSchema => ({
  type: 'object',
  description: `${description} (the JSON of the record, as stored)`,
  additionalProperties: true,
});

const list = (item: string, key: string, description: string): JsonSchema =>
  s.object({ [key]: s.array(s.ref(item), description) }, [key], description);

/**
 * The schemas of answers, by name: `components.schemas` of the OpenAPI
 * document. Answers carrying simulation records are their JSON as stored
 * (enums by their full names), as `etcdctl` shows them.
 */
export const componentSchemas: Readonly<Record<string, JsonSchema>> = {
  Error: s.object(
    {
      error: s.object(
        {
          code: s.string(
            'a gRPC code name (invalid_argument, not_found, …), or unsupported_media_type (415) or method_not_allowed (405)',
          ),
          message: s.string('what went wrong, for people'),
          field: s.string(
            'on every 4xx: the field it is about, in the words of this document: a parameter (`at`, `index`), a body field as a JSON path (`targets[1]`), a header in lower case (`content-type`, `if-match`, `authorization`), `body` for the body as a whole, or `url`/`method` for the request line',
          ),
        },
        ['code', 'message'],
        'the error',
      ),
    },
    ['error'],
    'every error answer',
  ),
  ClockStatus: s.object(
    {
      tick: count('the last published tick'),
      settled: s.boolean('whether every participant has acknowledged it'),
      settledTick: count('the last settled tick'),
      epoch: count('incremented by every policy change and reset; the ETag'),
      policy: s.oneOf(
        ['POLICY_PAUSED', 'POLICY_MANUAL', 'POLICY_MEASURED', 'POLICY_NO_WAIT'],
        'how the clock advances',
      ),
      rate: s.number('ticks per second under measured'),
      digest: s.string('hex world digest through settledTick'),
      until: count('the bound the clock is advancing to'),
      participants: s.array(s.string('a participant'), 'participants expected at tick'),
      waitingFor: s.array(s.string('a participant'), 'those that have not acknowledged it'),
      deterministic: s.boolean('false once a participant was dropped'),
      notes: s.array(s.string('a note'), 'why the run is no longer deterministic'),
      lagSeconds: s.number('lateness of the last tick under measured'),
      seed: count('the seed of this run'),
      run: count('resets since the simulation was created'),
      oldestTick: count(
        'the oldest tick still readable with `at` (older ones are compacted away, stepper.retentionTicks); 0: every tick',
      ),
    },
    [],
    'the simulated clock',
  ),
  WaitResult: s.object(
    {
      reached: s.boolean('whether the tick was settled before the timeout'),
      status: s.ref('ClockStatus'),
    },
    ['reached', 'status'],
    'the outcome of a wait',
  ),
  Summary: record('counts of the inventory by kind and state'),
  Element: s.object(
    {
      path: s.string('the element path'),
      kind: s.string('ELEMENT_KIND_REGION … ELEMENT_KIND_CABLE'),
      view: s.string('VIEW_DEFINITION, VIEW_TARGET, VIEW_ACTUAL or VIEW_OBSERVED'),
      revision: count('the store revision of the record; the ETag of a target'),
    },
    ['path', 'kind', 'view'],
    'one inventory element in one view, with its record under a key named after its type',
    { additionalProperties: true },
  ),
  Elements: s.object(
    { elements: s.array(s.ref('Element'), 'the elements'), tick: count('the tick read') },
    ['elements'],
    'inventory elements',
  ),
  ElementAt: s.object(
    { element: s.ref('Element'), tick: count('the tick read') },
    ['element'],
    'one inventory element',
  ),
  RackStates: s.object(
    {
      path: s.string('the rack: region/zone/rack'),
      ...Object.fromEntries(
        (['pdu', 'tor', 'blade'] as const).flatMap((kind) => [
          [`${kind}s`, s.array(s.integer(`a ${kind} index`), `the ${kind}s with a record`)],
          [
            `${kind}States`,
            s.array(s.integer('a position in `states`'), `their states, in the same order`),
          ],
        ]),
      ),
    },
    ['path', 'pdus', 'pduStates', 'tors', 'torStates', 'blades', 'bladeStates'],
    "one rack's device states",
  ),
  States: s.object(
    {
      tick: tick('the tick the states are as of'),
      revision: s.uint64(
        'the store revision they were read at: every later change has a higher revision (as the event stream numbers them)',
      ),
      states: s.array(s.string('a state name (BLADE_STATE_WORKING, …)'), 'the state names'),
      racks: s.array(s.ref('RackStates'), 'the racks, in key order'),
    },
    ['tick', 'revision', 'states', 'racks'],
    'the state of every PDU, TOR and blade under a path, compactly',
  ),
  EffectiveTick: s.object(
    { effectiveTick: tick('the tick at which the change takes effect') },
    ['effectiveTick'],
    'an accepted change',
  ),
  LoadStarted: s.object(
    {
      loadId: s.string('the load, for its progress'),
      effectiveTick: tick('the tick the definition takes effect'),
      blades: s.uint64('blades in the definition'),
    },
    ['loadId', 'effectiveTick'],
    'an accepted definition load',
  ),
  LoadProgress: record(
    'how far a definition load is: state, writes of total, added, updated, removed',
  ),
  Command: record('a command to the simulated hardware'),
  Commands: list('Command', 'commands', 'commands, oldest first'),
  Fault: record('a fault and its history'),
  Faults: list('Fault', 'faults', 'faults, oldest first'),
  ClearedFaults: s.object(
    {
      ids: s.array(s.string('a fault id'), 'the faults cleared'),
      effectiveTick: tick('the tick they are cleared at'),
    },
    ['ids'],
    'the outcome of clear-all',
  ),
  Repair: record('a repair: its plan, current step and every decision with its reason'),
  Repairs: list('Repair', 'repairs', 'repairs, oldest first'),
  User: s.object(
    {
      name: s.string('the user name'),
      rights: s.array(s.oneOf(rights, 'a right'), 'the rights held'),
      isBuiltIn: s.boolean('the built-in admin, which cannot be deleted'),
      isEnabled: s.boolean('a disabled user cannot log in'),
      createdAt: s.string('when it was created (ISO 8601)', { format: 'date-time' }),
      revision: s.integer('the store revision of the record; the ETag'),
    },
    ['name', 'rights', 'isBuiltIn', 'isEnabled'],
    'a user (never its password)',
  ),
  Users: list('User', 'users', 'users by name'),
  Session: s.object(
    {
      id: s.string('the session id (not the secret)'),
      user: s.string('who'),
      rights: s.array(s.oneOf(rights, 'a right'), 'the rights held'),
      via: s.oneOf(['cookie', 'token'], 'how the caller authenticated'),
      createdAt: s.string('when it began', { format: 'date-time' }),
      expiresAt: s.string('when it ends', { format: 'date-time' }),
      address: s.string('the address it was opened from'),
      mustSetPassword: s.boolean(
        'it comes from a one-time login URL and the password is still the generated one nobody was shown: set one with PUT /users/{name}/password, without currentPassword (once)',
      ),
    },
    ['id', 'user', 'rights'],
    'a session',
  ),
  Sessions: list('Session', 'sessions', 'open sessions'),
  Token: s.object(
    {
      id: s.string('the token id'),
      name: s.string('what it is for'),
      user: s.string('whose it is'),
      createdAt: s.string('when it was made', { format: 'date-time' }),
      expiresAt: s.string('when it stops working', { format: 'date-time' }),
    },
    ['id', 'name', 'user', 'createdAt'],
    'a bearer token (never its secret)',
  ),
  NewToken: s.object(
    {
      token: s.string('the secret, shown this once: send it as `Authorization: Bearer <token>`'),
      info: s.ref('Token'),
    },
    ['token', 'info'],
    'a new bearer token',
  ),
  Tokens: list('Token', 'tokens', 'bearer tokens'),
  Service: s.object(
    {
      name: s.string('the service'),
      instance: s.string('the instance'),
      endpoint: s.string("its gRPC host:port (a frontend's: its URL)"),
      health: s.oneOf(
        ['serving', 'not_serving', 'unreachable', 'down'],
        'its gRPC health (a frontend: whether its API answers); down: no instance is running and its last start failed (see lastError)',
      ),
      lastError: s.string(
        "a down service's last start failure, as it reported it (`bad.yaml:11:13: …`)",
      ),
      failedAt: s.string('when that start failed (ISO 8601)'),
    },
    ['name', 'instance', 'endpoint', 'health'],
    'a registered service instance, or a service that is down (no instance, its last error)',
  ),
  Services: list('Service', 'services', 'registered service instances by name'),
  About: s.object(
    {
      simulation: s.string('the simulation: its keys live under /chamber/v1/<simulation>/'),
      version: s.string("Chamber's version"),
    },
    ['simulation', 'version'],
    'what this frontend serves',
  ),
  LogEntry: record('one span of the trace/decision log'),
  LogEntries: s.object(
    {
      entries: s.array(s.ref('LogEntry'), 'entries, by sequence number'),
      lastSeq: s.uint64('the last sequence number held'),
      firstSeq: s.uint64('the first sequence number held'),
      instanceId: s.string('changes when the log restarts empty'),
    },
    ['entries'],
    'trace/decision log entries',
  ),
};
