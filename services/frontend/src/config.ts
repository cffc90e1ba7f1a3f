import {
  commonSchema,
  loadConfig,
  serviceAddress,
  type CommonConfig,
  type Schema,
} from '@chamber/config';
import { defaultPorts } from '@chamber/world';

/** The frontend's configuration. */
export interface FrontendConfig extends CommonConfig {
  frontend: {
    adminPassword: string;
    publicUrl: string;
    webRoot: string;
    scenarioExamples: string;
    loginUrlFile: string;
    sessionHours: number;
    loginTokenHours: number;
    bodyLimitKb: number;
    loginAttemptsPerUser: number;
    loginAttemptsPerAddress: number;
    loginWindowSeconds: number;
  };
  services: {
    stepper: string;
    inventory: string;
    faults: string;
    repair: string;
    workloads: string;
    scheduler: string;
    scenarios: string;
    monitor: string;
  };
}

/** The frontend's convict schema: the common keys plus CHAMBER_FRONTEND_*. */
export function frontendSchema(): Schema<FrontendConfig> {
  return {
    ...commonSchema('frontend', defaultPorts.frontend),
    frontend: {
      adminPassword: {
        doc: "The built-in admin's password on first run; when empty one is generated and a one-time login URL is printed.",
        format: String,
        default: '',
        sensitive: true,
        env: 'CHAMBER_FRONTEND_ADMIN_PASSWORD',
      },
      publicUrl: {
        doc: 'The dashboard address people use (default http://<host>:<port>).',
        format: String,
        default: '',
        env: 'CHAMBER_FRONTEND_PUBLIC_URL',
      },
      webRoot: {
        doc: 'The folder of the built dashboard served at / (empty: web/dist/app of this repository).',
        format: String,
        default: '',
        env: 'CHAMBER_FRONTEND_WEB_ROOT',
      },
      scenarioExamples: {
        doc: 'The folder of the scenarios GET /scenarios/examples lists, its *.yaml files (empty: scenarios/ of this repository).',
        format: String,
        default: '',
        env: 'CHAMBER_FRONTEND_SCENARIO_EXAMPLES',
      },
      loginUrlFile: {
        doc: 'A file the one-time login URL is written to (mode 0600) besides the log, for the launcher.',
        format: String,
        default: '',
        env: 'CHAMBER_FRONTEND_LOGIN_URL_FILE',
      },
      sessionHours: {
        doc: 'Hours a browser session lasts.',
        format: 'nat',
        default: 12,
        env: 'CHAMBER_FRONTEND_SESSION_HOURS',
      },
      loginTokenHours: {
        doc: 'Hours a one-time login URL stays usable.',
        format: 'nat',
        default: 24,
        env: 'CHAMBER_FRONTEND_LOGIN_TOKEN_HOURS',
      },
      bodyLimitKb: {
        doc: 'Largest JSON request body, in KiB.',
        format: 'nat',
        default: 64,
        env: 'CHAMBER_FRONTEND_BODY_LIMIT_KB',
      },
      loginAttemptsPerUser: {
        doc: 'Failed log-ins allowed per user name within the window.',
        format: 'nat',
        default: 5,
        env: 'CHAMBER_FRONTEND_LOGIN_ATTEMPTS_PER_USER',
      },
      loginAttemptsPerAddress: {
        doc: 'Failed log-ins allowed per client address within the window.',
        format: 'nat',
        default: 20,
        env: 'CHAMBER_FRONTEND_LOGIN_ATTEMPTS_PER_ADDRESS',
      },
      loginWindowSeconds: {
        doc: 'The window of the log-in limits, in seconds.',
        format: 'nat',
        default: 900,
        env: 'CHAMBER_FRONTEND_LOGIN_WINDOW_SECONDS',
      },
    },
    services: {
      stepper: serviceAddress('stepper', defaultPorts.stepper, 'CHAMBER_FRONTEND_STEPPER'),
      inventory: serviceAddress('inventory', defaultPorts.inventory, 'CHAMBER_FRONTEND_INVENTORY'),
      faults: serviceAddress('fault injector', defaultPorts.faults, 'CHAMBER_FRONTEND_FAULTS'),
      repair: serviceAddress(
        'inventory repair manager',
        defaultPorts['inventory-repair'],
        'CHAMBER_FRONTEND_REPAIR',
      ),
      workloads: serviceAddress(
        'workload repair manager',
        defaultPorts['workload-repair'],
        'CHAMBER_FRONTEND_WORKLOADS',
      ),
      scheduler: serviceAddress('scheduler', defaultPorts.scheduler, 'CHAMBER_FRONTEND_SCHEDULER'),
      scenarios: serviceAddress(
        'scenarios service',
        defaultPorts.scenarios,
        'CHAMBER_FRONTEND_SCENARIOS',
      ),
      monitor: serviceAddress(
        'monitor (its reports)',
        defaultPorts.monitor,
        'CHAMBER_FRONTEND_MONITOR',
      ),
    },
  };
}

/** Loads and validates the frontend's configuration (env `CHAMBER_*`). */
export function loadFrontendConfig(
  options?: Parameters<typeof loadConfig<FrontendConfig>>[1],
): FrontendConfig {
  return loadConfig(frontendSchema(), options);
}
