import { loadConfig, type Schema } from '@chamber/config';
import { defaultPorts } from '@chamber/world';

/**
 * How the services run: `processes`, each its own Node process (the
 * default); `single`, all in one Node process beside etcd, each still its
 * own gRPC server and composition root with its own config.
 */
export type Layout = 'processes' | 'single';

/** The launcher's configuration (environment variables `CHAMBER_*`). */
export interface LauncherConfig {
  etcd: { endpoints: string[] };
  simulation: string;
  seed: number;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  local: {
    dir: string;
    etcdPort: number;
    etcdPeerPort: number;
    etcdMembers: 1 | 3 | 5;
    portOffset: number;
    httpPort: number;
    host: string;
    layout: Layout;
    /** Processes of each singleton role (the stepper, every participant): one leads, the others stand by. */
    replicas: number;
    shards: number;
  };
}

export function launcherSchema(): Schema<LauncherConfig> {
  return {
    etcd: {
      endpoints: {
        doc: 'An external etcd or cluster (comma-separated URLs); empty: start a private one.',
        format: 'optional-endpoint-list',
        default: [],
        env: 'CHAMBER_ETCD_ENDPOINTS',
      },
    },
    simulation: {
      doc: 'The simulation name: keys live under /chamber/v1/<simulation>/.',
      format: 'simulation-name',
      default: 'default',
      env: 'CHAMBER_SIMULATION',
    },
    seed: { doc: "The first run's seed.", format: 'seed', default: 1, env: 'CHAMBER_SEED' },
    log: {
      level: {
        doc: "The services' log level (their logs go to <dir>/logs/).",
        format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
        default: 'info',
        env: 'CHAMBER_LOG_LEVEL',
      },
    },
    local: {
      dir: {
        doc: 'Where the private etcd data and the logs go (relative to the repository).',
        format: String,
        default: '.chamber',
        env: 'CHAMBER_LOCAL_DIR',
      },
      etcdPort: {
        doc: "The private etcd's client port.",
        format: 'port',
        default: 2379,
        env: 'CHAMBER_LOCAL_ETCD_PORT',
      },
      etcdPeerPort: {
        doc: "The private etcd's peer port.",
        format: 'port',
        default: 2380,
        env: 'CHAMBER_LOCAL_ETCD_PEER_PORT',
      },
      etcdMembers: {
        doc: 'How many members the private etcd has: 1, or a cluster of 3 or 5 on loopback (member i, from 0, on the two ports + 2i).',
        format: [1, 3, 5],
        default: 1,
        env: 'CHAMBER_LOCAL_ETCD_MEMBERS',
      },
      portOffset: {
        doc: "Added to every service's port, to run a second Chamber beside the first.",
        format: 'nat',
        default: 0,
        env: 'CHAMBER_LOCAL_PORT_OFFSET',
      },
      httpPort: {
        doc: "The frontend's HTTP port: the dashboard and the REST API (the offset does not move it).",
        format: 'port',
        default: defaultPorts.frontend,
        env: 'CHAMBER_LOCAL_HTTP_PORT',
      },
      host: {
        doc: 'The address services listen on.',
        format: String,
        default: '127.0.0.1',
        env: 'CHAMBER_LOCAL_HOST',
      },
      layout: {
        doc: 'How the services run: processes (each its own Node process) or single (all in one Node process, each still its own gRPC server with its own config).',
        format: ['processes', 'single'],
        default: 'processes',
        env: 'CHAMBER_LOCAL_LAYOUT',
      },
      replicas: {
        doc: "Processes of the stepper and of each participant service (1-9): one leads its role, the others stand by and take over when it dies. Replica i (from 0) listens on the service's port + 100 x i and logs to <service>-r<i+1>.log; clients talk to the first.",
        format: 'nat',
        default: 1,
        env: 'CHAMBER_LOCAL_REPLICAS',
      },
      shards: {
        doc: "Shards of the inventory and of the monitor (1-8), each its own process and participant owning a share of the racks (inventory.0, inventory.1, ...); the digest is the same for any number. Shard i listens on the service's port + 1000 x i.",
        format: 'nat',
        default: 1,
        env: 'CHAMBER_LOCAL_SHARDS',
      },
    },
  };
}

/** The environment the launcher was started with, which services inherit. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** Loads the launcher's configuration from `env`; a bad value fails naming the variable. */
export function loadLauncherConfig(
  env: Record<string, string | undefined> = process.env,
): LauncherConfig {
  return loadConfig(launcherSchema(), { env });
}
