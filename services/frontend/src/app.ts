import { openApiDocument, operations, rights } from '@chamber/api';
import { ClockClient } from '@chamber/clock-client';
import { FaultsClient } from '@chamber/faults-client';
import {
  definitionLimitBytes,
  definitionLimitInWords,
  InventoryClient,
} from '@chamber/inventory-client';
import { reportingDown } from './down.js';
import { RepairsClient } from '@chamber/repair-client';
import { ReportsClient } from '@chamber/reports-client';
import { ScenariosClient } from '@chamber/scenarios-client';
import { SchedulerClient, WorkloadsClient } from '@chamber/workloads-client';
import { hostService, type Listening } from '@chamber/host';
import type { Store } from '@chamber/store';
import { createLogger, type Logger } from '@chamber/telemetry';
import fs from 'node:fs';
import http, { type RequestListener } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Accounts } from './auth/accounts.js';
import { LoginLimiter } from './domain/login-limiter.js';
import { hashPassword, newSecret } from './auth/secrets.js';
import type { FrontendConfig } from './config.js';
import { eventStreams } from './events.js';
import { StoreFeed } from './feeds.js';
import { accountHandlers } from './handlers/accounts.js';
import { capacityHandlers } from './handlers/capacity.js';
import { logHandlers } from './handlers/logs.js';
import { reportHandlers } from './handlers/reports.js';
import { simulationHandlers } from './handlers/simulation.js';
import { scenarioHandlers } from './handlers/scenarios.js';
import { workloadHandlers } from './handlers/workloads.js';
import { createHttpApp } from './http/server.js';
import { Metrics } from './metrics.js';
import { SettledCache } from './settled-cache.js';
import { TraceLog } from './trace-log.js';

/**
 * The body limit of a definition upload, in KiB: room for any usual JSON
 * encoding of a definition at the size limit (an escape takes at most three
 * bytes per byte of YAML: `\"`, `\n`, `\uXXXX` for a multi-byte
 * character) beside the other fields. A body within it carrying a source
 * over the limit is refused by the limit's own check, naming the sizes.
 */
function definitionBodyLimitKb(bodyLimitKb: number): number {
  return Math.ceil((3 * definitionLimitBytes) / 1024) + bodyLimitKb;
}

/** Chamber's version, as the API reports it. */
const version = '0.1.0';

/** The built-in admin's name. */
export const adminUser = 'admin';

/** What the frontend may be given instead of making it. */
export interface FrontendDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
}

/** A running frontend. */
export interface FrontendService {
  /** Serves HTTP; resolves with the bound port and, on a first run, the one-time login URL. */
  start(): Promise<{ port: number; loginUrl?: string }>;
  stop(): Promise<void>;
}

/** The dashboard of this repository: the bundle Vite builds into web/dist/app. */
function defaultWebRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../web/dist/app');
}

/** The repository's scenarios/ folder, from src/ as from dist/src/: the shipped scenarios. */
function defaultScenarioExamples(): string {
  return path.resolve(defaultWebRoot(), '../../../scenarios');
}

/**
 * The frontend: the REST API under /api/v1 built from the route table,
 * accounts and rights (users, sessions and tokens in etcd), server-sent
 * events from store watches, and the dashboard's static files.
 */
export function createFrontendService(
  config: FrontendConfig,
  deps: FrontendDeps = {},
): FrontendService {
  const logger = deps.logger ?? createLogger({ service: 'frontend', level: config.log.level });
  const { services, frontend } = config;
  let accounts: Accounts | undefined;
  let metrics: Metrics | undefined;
  let settledCache: SettledCache | undefined;
  let events: ReturnType<typeof eventStreams> | undefined;
  let feed: StoreFeed | undefined;
  let loginUrl: string | undefined;
  const clients: Array<{ close(): void }> = [];
  const urlOf = (port: number): string =>
    frontend.publicUrl === ''
      ? `http://${config.listen.host}:${port}`
      : frontend.publicUrl.replace(/\/+$/, '');
  // On a known port the admin and its login URL are made before the server
  // answers, so whoever waits for it to answer (the launcher) finds the URL.
  const isPortKnown = config.listen.port !== 0;

  const host = hostService({
    name: 'frontend',
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    parts: async (store) => {
      const a = await Accounts.open(store);
      accounts = a;
      const m = new Metrics();
      metrics = m;
      const f = await StoreFeed.open(store, (kind, count) => m.countReceived(kind, count));
      feed = f;
      await m.follow(store, f);
      const cache = await SettledCache.open(store, f);
      settledCache = cache;
      // By the names the services register and record their failures under.
      const clock = reportingDown(ClockClient.connect(services.stepper), 'stepper', store);
      const inventory = reportingDown(
        InventoryClient.connect(services.inventory),
        'inventory',
        store,
      );
      const faults = reportingDown(FaultsClient.connect(services.faults), 'faults', store);
      const repairs = reportingDown(
        RepairsClient.connect(services.repair),
        'inventory-repair',
        store,
      );
      const workloads = reportingDown(
        WorkloadsClient.connect(services.workloads),
        'workload-repair',
        store,
      );
      const scheduler = reportingDown(
        SchedulerClient.connect(services.scheduler),
        'scheduler',
        store,
      );
      const scenarios = reportingDown(
        ScenariosClient.connect(services.scenarios),
        'scenarios',
        store,
      );
      const reports = reportingDown(ReportsClient.connect(services.monitor), 'monitor', store);
      clients.push(clock, inventory, faults, repairs, workloads, scheduler, scenarios, reports);
      const sink = config.telemetry.tracesink;
      const traceLog = sink === '' ? undefined : new TraceLog(sink);
      if (traceLog !== undefined) clients.push(traceLog);
      const streams = eventStreams(store, f, traceLog);
      events = streams;
      const document = openApiDocument({ version });
      const app = createHttpApp({
        operations,
        handlers: {
          ...accountHandlers({
            accounts: a,
            limiter: new LoginLimiter(frontend.loginWindowSeconds),
            logger,
            sessionHours: frontend.sessionHours,
            limits: {
              perUser: frontend.loginAttemptsPerUser,
              perAddress: frontend.loginAttemptsPerAddress,
            },
            isSecure: frontend.publicUrl.startsWith('https:'),
          }),
          ...simulationHandlers({
            clock,
            inventory,
            faults,
            repairs,
            store,
            cache,
          }),
          ...workloadHandlers({ workloads, scheduler }),
          ...scenarioHandlers({
            scenarios,
            examplesDir:
              frontend.scenarioExamples === ''
                ? defaultScenarioExamples()
                : frontend.scenarioExamples,
          }),
          ...capacityHandlers({ store, cache }),
          ...reportHandlers({ reports }),
          ...logHandlers(traceLog),
          streamEvents: streams.handler,
          getOpenApi: () => ({ body: document }),
          getAbout: () => ({ body: { simulation: config.simulation, version } }),
        },
        accounts: a,
        logger,
        bodyLimitKb: frontend.bodyLimitKb,
        bodyLimitFor: {
          loadDefinition: {
            kb: definitionBodyLimitKb(frontend.bodyLimitKb),
            explanation: definitionLimitInWords(),
          },
        },
        webRoot: frontend.webRoot === '' ? defaultWebRoot() : frontend.webRoot,
        extraRoutes: (router) => {
          // Prometheus text, unauthenticated as scrapers expect: counts only, no records.
          router.get('/metrics', async (ctx) => {
            ctx.state['route'] = 'metrics';
            ctx.type = m.registry.contentType;
            ctx.body = await m.registry.metrics();
          });
        },
        onTiming: (timing) => m.observe(timing),
        keptAnswer: (url) => cache.peek(url),
      });
      if (isPortKnown) loginUrl = await ensureAdmin(a, config, urlOf(config.listen.port), logger);
      return {
        serve: { listen: (host, port) => listenHttp(app.listener, host, port) },
        afterServe: async (port) => {
          if (!isPortKnown) loginUrl = await ensureAdmin(a, config, urlOf(port), logger);
        },
        announce: (port) => ({
          instance: `${os.hostname()}-${process.pid}-${port}`,
          endpoint: urlOf(port),
          details: { port, dashboard: `${urlOf(port)}/` },
        }),
        // Event streams end cleanly first: browsers see an ended stream, not a cut one.
        stop: async () => {
          await events?.endAll();
        },
        close: async () => {
          await accounts?.close();
          await metrics?.close();
          await settledCache?.close();
          await feed?.close();
          for (const c of clients.splice(0)) c.close();
        },
      };
    },
  });

  return {
    async start() {
      const { port } = await host.start();
      return loginUrl === undefined ? { port } : { port, loginUrl };
    },
    stop: () => host.stop(),
  };
}

/**
 * Serves `listener` over HTTP on `host:port`; closing it ends every open
 * connection (event streams included).
 */
async function listenHttp(
  listener: RequestListener,
  host: string,
  port: number,
): Promise<Listening> {
  const server = http.createServer(listener).listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 0; // long polls and event streams stay open
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Creates the built-in admin on first run (with the configured password, or
 * a generated one nobody sees) and, while its password is still the
 * generated one, issues a one-time login URL: written to `loginUrlFile` when
 * configured (for the launcher to print), logged otherwise. The password
 * itself is never logged.
 */
async function ensureAdmin(
  accounts: Accounts,
  config: FrontendConfig,
  publicUrl: string,
  logger: Logger,
): Promise<string | undefined> {
  const configured = config.frontend.adminPassword;
  if (accounts.user(adminUser) === undefined) {
    await accounts
      .createUser({
        name: adminUser,
        passwordHash: await hashPassword(configured === '' ? newSecret() : configured),
        rights: [...rights],
        isBuiltIn: true,
        isEnabled: true,
        createdAt: new Date().toISOString(),
        isPasswordGenerated: configured === '',
      })
      .then(
        () => logger.info({ user: adminUser }, 'first run: created the built-in admin'),
        // Another replica made it first: fine.
        () => undefined,
      );
  }
  if (accounts.user(adminUser)?.value.isPasswordGenerated !== true) return undefined;
  const { token } = await accounts.createToken(
    adminUser,
    accounts.user(adminUser)?.value.credentialsGeneration ?? 0,
    'login',
    'first-run login',
    config.frontend.loginTokenHours,
  );
  const loginUrl = `${publicUrl}/?token=${token}`;
  const hours = config.frontend.loginTokenHours;
  if (config.frontend.loginUrlFile === '') {
    logger.info({ loginUrl }, `log in once at ${loginUrl} (valid ${hours} h), then set a password`);
  } else {
    // The launcher prints it and deletes the file: the credential stays out of the log.
    fs.writeFileSync(config.frontend.loginUrlFile, `${loginUrl}\n`, { mode: 0o600 });
    logger.info(
      { file: config.frontend.loginUrlFile },
      `one-time login URL (valid ${hours} h) written`,
    );
  }
  return loginUrl;
}
