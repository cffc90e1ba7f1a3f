import { Code, isChamberError, type ChamberError } from '@chamber/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commonSchema, loadConfig, type CommonConfig, type DeepPartial } from './index.js';

const schema = commonSchema('stepper', 7001);

/** The ChamberError `fn` throws; fails the test when it throws anything else or nothing. */
function failure(fn: () => unknown): ChamberError {
  try {
    fn();
  } catch (error) {
    if (isChamberError(error)) return error;
    throw error;
  }
  throw new Error('expected a ChamberError, but nothing was thrown');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', () => {
    expect(loadConfig(schema, { env: {} })).toEqual({
      listen: { host: '127.0.0.1', port: 7001 },
      etcd: { endpoints: ['http://127.0.0.1:2379'] },
      simulation: 'default',
      seed: 1,
      log: { level: 'info' },
      telemetry: { exporter: 'none', tracesink: '127.0.0.1:50058', otlpEndpoint: '' },
      replica: { instance: '', leaderTtlSeconds: 5 },
    } satisfies CommonConfig);
  });

  it('reads CHAMBER_* env vars, splitting CHAMBER_ETCD_ENDPOINTS on commas', () => {
    const config = loadConfig(schema, {
      env: {
        CHAMBER_ETCD_ENDPOINTS: ' http://10.0.0.1:2379, http://etcd-b:2380/ ,',
        CHAMBER_STEPPER_HOST: '0.0.0.0',
        CHAMBER_STEPPER_PORT: '0',
        CHAMBER_SIMULATION: 'sim-2',
        CHAMBER_SEED: '42',
        CHAMBER_LOG_LEVEL: 'debug',
        CHAMBER_TELEMETRY_EXPORTER: 'console',
        CHAMBER_STEPPER_TRACESINK: '',
        CHAMBER_STEPPER_OTLP_ENDPOINT: 'http://collector:4317',
        CHAMBER_STEPPER_INSTANCE: 'stepper-2',
        CHAMBER_LEADER_TTL_SECONDS: '3',
      },
    });
    expect(config).toEqual({
      listen: { host: '0.0.0.0', port: 0 },
      etcd: { endpoints: ['http://10.0.0.1:2379', 'http://etcd-b:2380/'] },
      simulation: 'sim-2',
      seed: 42,
      log: { level: 'debug' },
      telemetry: { exporter: 'console', tracesink: '', otlpEndpoint: 'http://collector:4317' },
      replica: { instance: 'stepper-2', leaderTtlSeconds: 3 },
    } satisfies CommonConfig);
  });

  it('names the listen env vars after the service', () => {
    const config = loadConfig(commonSchema('frontend-api', 8080), {
      env: { CHAMBER_FRONTEND_API_PORT: '8081', CHAMBER_STEPPER_PORT: '9' },
    });
    expect(config.listen.port).toBe(8081);
  });

  it('reads process.env only when no env is given', () => {
    vi.stubEnv('CHAMBER_SEED', '7');
    expect(loadConfig(schema).seed).toBe(7);
    expect(loadConfig(schema, { env: {} }).seed).toBe(1);
  });

  it('applies overrides over defaults and env vars', () => {
    const config = loadConfig(schema, {
      env: { CHAMBER_SEED: '3', CHAMBER_ETCD_ENDPOINTS: 'http://from-env:2379' },
      overrides: { seed: 9, etcd: { endpoints: ['http://from-test:2379'] } },
    });
    expect(config.seed).toBe(9);
    expect(config.etcd.endpoints).toEqual(['http://from-test:2379']);
    expect(config.simulation).toBe('default');
  });

  it('rejects a bad value with InvalidArgument naming the key, its env var and the rule', () => {
    const error = failure(() =>
      loadConfig(schema, { env: { CHAMBER_ETCD_ENDPOINTS: '127.0.0.1:2379' } }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain(
      'config "etcd.endpoints" (CHAMBER_ETCD_ENDPOINTS): must be comma-separated http://host:port URLs, got "127.0.0.1:2379"',
    );
  });

  it('reports every bad value, one line each', () => {
    const error = failure(() =>
      loadConfig(schema, {
        env: { CHAMBER_STEPPER_PORT: '70000', CHAMBER_SIMULATION: 'Bad Name', CHAMBER_SEED: '-1' },
      }),
    );
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config "listen\.port" \(CHAMBER_STEPPER_PORT\): .*65535/),
        expect.stringMatching(/^config "simulation" \(CHAMBER_SIMULATION\): must be 1-63 /),
        expect.stringMatching(/^config "seed" \(CHAMBER_SEED\): must be a non-negative whole/),
      ]),
    );
  });

  it('rejects a tracesink that is not host:port and an OTLP endpoint that is not a URL', () => {
    const error = failure(() =>
      loadConfig(schema, {
        env: {
          CHAMBER_STEPPER_TRACESINK: 'http://127.0.0.1:50058',
          CHAMBER_STEPPER_OTLP_ENDPOINT: 'collector:4317',
        },
      }),
    );
    expect(error.message.split('\n').sort()).toEqual([
      'config "telemetry.otlpEndpoint" (CHAMBER_STEPPER_OTLP_ENDPOINT): must be an http:// or https:// URL, or empty for none: value was "collector:4317"',
      'config "telemetry.tracesink" (CHAMBER_STEPPER_TRACESINK): must be host:port, or empty for none: value was "http://127.0.0.1:50058"',
    ]);
  });

  it('rejects an empty endpoint list', () => {
    const error = failure(() => loadConfig(schema, { env: { CHAMBER_ETCD_ENDPOINTS: ' , ' } }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain(
      'config "etcd.endpoints" (CHAMBER_ETCD_ENDPOINTS): must list at least one endpoint',
    );
  });

  it('names the env var of a key that a bad override set', () => {
    const error = failure(() =>
      loadConfig(schema, { env: {}, overrides: { log: { level: 'loud' as 'info' } } }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain('config "log.level" (CHAMBER_LOG_LEVEL): must be one of');
  });

  it('rejects an override key the schema does not declare', () => {
    // A typo in a test's overrides must fail, not be silently ignored.
    const overrides = { listen: { hots: '0.0.0.0' } } as DeepPartial<CommonConfig>;
    const error = failure(() => loadConfig(schema, { env: {}, overrides }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain("'listen.hots' not declared in the schema");
  });

  it('reads tick ranges as "MIN-MAX" or one number, and rejects reversed or negative ones', () => {
    const ranged = {
      ...schema,
      delay: { doc: 'a delay', format: 'tick-range', default: [1, 2], env: 'CHAMBER_TEST_DELAY' },
    } as unknown as typeof schema;
    const read = (value: string): unknown =>
      (loadConfig(ranged, { env: { CHAMBER_TEST_DELAY: value } }) as unknown as { delay: unknown })
        .delay;
    expect(read('3-7')).toEqual([3, 7]);
    expect(read('4')).toEqual([4, 4]);
    for (const bad of ['7-3', '-1', 'soon']) {
      expect(failure(() => read(bad)).message).toContain(
        'config "delay" (CHAMBER_TEST_DELAY): must be a tick range "MIN-MAX"',
      );
    }
  });
});
