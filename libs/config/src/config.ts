import { ChamberError, Code } from '@chamber/errors';
import convict from 'convict';

/** The configuration every Chamber service shares. */
export interface CommonConfig {
  listen: { host: string; port: number };
  etcd: { endpoints: string[] };
  simulation: string;
  seed: number;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  telemetry: {
    exporter: 'none' | 'console';
    /** The tracesink's `host:port`; empty: spans are not sent there. */
    tracesink: string;
    /** An OTLP/gRPC collector's URL (`http://host:4317`); empty: none. */
    otlpEndpoint: string;
  };
  /**
   * This process among the replicas of its service: its name, and the lease
   * of the election a participant service's replicas hold for its singleton
   * role. Optional, so a config written out by hand (a test's) may leave it
   * out: the host then uses `<hostname>-<pid>` and {@link defaultLeaderTtlSeconds}.
   */
  replica?: {
    /** This replica's name in its election and its registration; `<hostname>-<pid>` when empty. */
    instance: string;
    /** Seconds of the leader's election lease: how long a dead leader keeps a standby waiting. */
    leaderTtlSeconds: number;
  };
}

/**
 * Seconds of a participant leader's election lease when none is configured:
 * a standby takes over within about this long of the leader's death. As the
 * stepper's: a leader whose event loop is held longer (a 100,000-blade load
 * on a loaded machine, every service in one process) loses its lease and
 * stops acting, so shorter costs more than it saves. (Tests take 2 s.)
 */
export const defaultLeaderTtlSeconds = 5;

/** A convict schema for config type `T`. */
/** The seed of a simulation's first run when none is configured (`CHAMBER_SEED`). */
export const defaultSeed = 1;

export type Schema<T> = convict.Schema<T>;

/** `T` with every property optional, recursively (arrays are replaced whole). */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[]
    ? T[K]
    : T[K] extends object
      ? DeepPartial<T[K]>
      : T[K];
};

const splitList = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function validateEndpoints(value: unknown, isOptional: boolean): void {
  if (!Array.isArray(value) || (value.length === 0 && !isOptional))
    throw new Error('must list at least one endpoint');
  for (const v of value) {
    if (typeof v !== 'string' || !/^https?:\/\/[^\s/:]+:\d{1,5}\/?$/.test(v)) {
      throw new Error(`must be comma-separated http://host:port URLs, got "${String(v)}"`);
    }
  }
}

convict.addFormat({
  name: 'endpoint-list',
  coerce: splitList,
  validate: (value: unknown) => validateEndpoints(value, false),
});

/** Like `endpoint-list`, but may be empty (the launcher then starts its own etcd). */
convict.addFormat({
  name: 'optional-endpoint-list',
  coerce: splitList,
  validate: (value: unknown) => validateEndpoints(value, true),
});

/** Comma-separated words (no spaces inside one), e.g. participant names; may be empty. */
convict.addFormat({
  name: 'list',
  coerce: splitList,
  validate: (value: unknown) => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && /^\S+$/.test(v)))
      throw new Error('must be a comma-separated list of words');
  },
});

convict.addFormat({
  name: 'simulation-name',
  validate: (value: unknown) => {
    if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(value)) {
      throw new Error(
        'must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit',
      );
    }
  },
});

convict.addFormat({
  name: 'seed',
  coerce: (value: string) => Number(value),
  validate: (value: unknown) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new Error('must be a non-negative whole number');
    }
  },
});

/**
 * A range of ticks a delay is drawn from: `"3"` or `"2-5"` (both ends
 * included), held as `[min, max]`.
 */
convict.addFormat({
  name: 'tick-range',
  coerce: (value: string) => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
    return m === null ? value : [Number(m[1]), Number(m[2] ?? m[1])];
  },
  validate: (value: unknown) => {
    if (
      !Array.isArray(value) ||
      value.length !== 2 ||
      !value.every((v) => Number.isSafeInteger(v) && (v as number) >= 0) ||
      (value[0] as number) > (value[1] as number)
    ) {
      throw new Error('must be a tick range "MIN-MAX" (whole numbers, MIN <= MAX) or one number');
    }
  },
});

/** `host:port`, or empty for none. */
convict.addFormat({
  name: 'optional-address',
  coerce: (value: string) => value.trim(),
  validate: (value: unknown) => {
    if (value === '') return;
    const port = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(String(value))?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65_535)
      throw new Error('must be host:port, or empty for none');
  },
});

/** An http(s) URL, or empty for none. */
convict.addFormat({
  name: 'optional-url',
  coerce: (value: string) => value.trim(),
  validate: (value: unknown) => {
    if (value === '') return;
    if (typeof value !== 'string' || !/^https?:\/\/[^\s/:]+(?::\d{1,5})?(?:\/\S*)?$/.test(value))
      throw new Error('must be an http:// or https:// URL, or empty for none');
  },
});

/**
 * A config key holding another service's gRPC address (`host:port`),
 * `127.0.0.1:<port>` by default, read from `env`: what a service that is a
 * client of others (the frontend, the scenarios service) is told.
 */
export function serviceAddress(
  service: string,
  port: number,
  env: string,
): { doc: string; format: StringConstructor; default: string; env: string } {
  return {
    doc: `gRPC address (host:port) of the ${service}.`,
    format: String,
    default: `127.0.0.1:${port}`,
    env,
  };
}

/** The prefix of a service's own env vars: `inventory-repair` → `CHAMBER_INVENTORY_REPAIR`. */
export function envPrefix(service: string): string {
  return `CHAMBER_${service.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** The config of a sharded service: which shard of how many this process is. */
export interface ShardConfig {
  shard: { count: number; index: number };
}

/**
 * The config keys of a sharded service (`CHAMBER_<SERVICE>_SHARD_COUNT`,
 * `CHAMBER_<SERVICE>_SHARD_INDEX`): one shard of one by default.
 */
export function shardSchema(service: string): Schema<ShardConfig> {
  const prefix = `${envPrefix(service)}_SHARD`;
  return {
    shard: {
      count: {
        doc: `How many shards the ${service} runs as, each owning a share of the racks (at least 1).`,
        format: 'nat',
        default: 1,
        env: `${prefix}_COUNT`,
      },
      index: {
        doc: `Which of them this process is, from 0 (below the count).`,
        format: 'nat',
        default: 0,
        env: `${prefix}_INDEX`,
      },
    },
  };
}

/**
 * The environment that makes a process of `service` run as shard `index` of
 * `count` (the variables of {@link shardSchema}); none for one of one.
 */
export function shardEnv(
  service: string,
  shard: { readonly index: number; readonly count: number },
): Record<string, string> {
  if (shard.count === 1) return {};
  const prefix = `${envPrefix(service)}_SHARD`;
  return { [`${prefix}_COUNT`]: String(shard.count), [`${prefix}_INDEX`]: String(shard.index) };
}

/**
 * Fails with `InvalidArgument`, naming the env vars, unless the shard is
 * one of at least one.
 */
export function checkShard(service: string, { shard }: ShardConfig): void {
  const prefix = `${envPrefix(service)}_SHARD`;
  if (shard.count >= 1 && shard.index < shard.count) return;
  throw new ChamberError(
    Code.InvalidArgument,
    `config: shard.index (${prefix}_INDEX) must be below shard.count (${prefix}_COUNT), which must be at least 1; got index ${shard.index} of ${shard.count}`,
  );
}

/** A `tick-range` value: the smallest and largest delay, in ticks. */
export type TickRange = [min: number, max: number];

/**
 * The common keys of a service's config. Env vars: `CHAMBER_<SERVICE>_HOST`,
 * `CHAMBER_<SERVICE>_PORT`, `CHAMBER_<SERVICE>_TRACESINK`,
 * `CHAMBER_<SERVICE>_OTLP_ENDPOINT`, `CHAMBER_<SERVICE>_INSTANCE`, and the shared
 * `CHAMBER_LEADER_TTL_SECONDS`, `CHAMBER_ETCD_ENDPOINTS`,
 * `CHAMBER_SIMULATION`, `CHAMBER_SEED`, `CHAMBER_LOG_LEVEL`,
 * `CHAMBER_TELEMETRY_EXPORTER`. Services spread it into their own schema.
 * `options.tracesink` is the default tracesink address (`127.0.0.1:50058`;
 * the tracesink itself gives `''`).
 */
export function commonSchema(
  service: string,
  defaultPort: number,
  options: { tracesink?: string } = {},
): Schema<CommonConfig> {
  const prefix = envPrefix(service);
  return {
    listen: {
      host: {
        doc: 'Address the gRPC server binds.',
        format: String,
        default: '127.0.0.1',
        env: `${prefix}_HOST`,
      },
      port: {
        doc: 'Port the gRPC server binds (0 picks a free one).',
        format: 'port',
        default: defaultPort,
        env: `${prefix}_PORT`,
      },
    },
    etcd: {
      endpoints: {
        doc: 'etcd client endpoints, comma-separated.',
        format: 'endpoint-list',
        default: ['http://127.0.0.1:2379'],
        env: 'CHAMBER_ETCD_ENDPOINTS',
      },
    },
    simulation: {
      doc: 'The simulation: every key lives under /chamber/v1/<simulation>/.',
      format: 'simulation-name',
      default: 'default',
      env: 'CHAMBER_SIMULATION',
    },
    seed: {
      doc: "The first run's seed.",
      format: 'seed',
      default: defaultSeed,
      env: 'CHAMBER_SEED',
    },
    log: {
      level: {
        doc: 'Log level.',
        format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
        default: 'info',
        env: 'CHAMBER_LOG_LEVEL',
      },
    },
    telemetry: {
      exporter: {
        doc: 'Where spans go: none, or console (printed).',
        format: ['none', 'console'],
        default: 'none',
        env: 'CHAMBER_TELEMETRY_EXPORTER',
      },
      tracesink: {
        doc: "The tracesink's host:port, where the service's spans go; empty: not sent there.",
        format: 'optional-address',
        default: options.tracesink ?? '127.0.0.1:50058',
        env: `${prefix}_TRACESINK`,
      },
      otlpEndpoint: {
        doc: 'An OTLP/gRPC collector (http://host:4317) that also gets the spans; empty: none.',
        format: 'optional-url',
        default: '',
        env: `${prefix}_OTLP_ENDPOINT`,
      },
    },
    replica: {
      instance: {
        doc: "This replica's name in its election and its services/<name>/<instance> registration; <host>-<pid> when empty.",
        format: String,
        default: '',
        env: `${prefix}_INSTANCE`,
      },
      leaderTtlSeconds: {
        doc: "Seconds of a participant leader's election lease: how long a dead leader keeps a standby replica waiting.",
        format: 'nat',
        default: defaultLeaderTtlSeconds,
        env: 'CHAMBER_LEADER_TTL_SECONDS',
      },
    },
  };
}

/**
 * Builds the configuration from `schema`: defaults, then env vars (`env`,
 * by default `process.env` — the one place Chamber reads it), then
 * `overrides` (for tests), validated strictly. A bad value fails with
 * `InvalidArgument` naming the key, its env var and the rule, e.g.
 * `config "listen.port" (CHAMBER_STEPPER_PORT): must be a port number …`.
 */
export function loadConfig<T>(
  schema: Schema<T>,
  options: { env?: Record<string, string | undefined>; overrides?: DeepPartial<T> } = {},
): T {
  const env = Object.fromEntries(
    Object.entries(options.env ?? process.env).filter(
      (e): e is [string, string] => e[1] !== undefined,
    ),
  );
  const envOf = envNames(schema);
  // Overrides come last: convict would apply env on top of load(), so the
  // variables of overridden keys are left out.
  if (options.overrides !== undefined) {
    for (const key of leafKeys(options.overrides)) {
      const name = envOf.get(key);
      if (name !== undefined) delete env[name];
    }
  }
  try {
    const config = convict(schema, { env, args: [] });
    if (options.overrides !== undefined) config.load(options.overrides);
    config.validate({ allowed: 'strict' });
    return config.getProperties();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const lines = message
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((line) => {
        const m = /^([\w.]+): (.*)$/.exec(line.trim());
        if (m === null) return line;
        const env = envOf.get(m[1]!);
        return `config "${m[1]}"${env !== undefined ? ` (${env})` : ''}: ${m[2]}`;
      });
    throw new ChamberError(Code.InvalidArgument, lines.join('\n'), { cause: error });
  }
}

function envNames(
  schema: unknown,
  path = '',
  out = new Map<string, string>(),
): Map<string, string> {
  if (typeof schema !== 'object' || schema === null) return out;
  for (const [key, value] of Object.entries(schema)) {
    const p = path === '' ? key : `${path}.${key}`;
    if (typeof value === 'object' && value !== null && 'default' in value) {
      const env = (value as { env?: unknown }).env;
      if (typeof env === 'string') out.set(p, env);
    } else envNames(value, p, out);
  }
  return out;
}

/** The dotted paths of the leaves of `value` (arrays are leaves). */
function leafKeys(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? leafKeys(v as object, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}
