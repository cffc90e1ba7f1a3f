import type { CommonConfig } from '@chamber/config';
import { unary } from '@chamber/grpc';
import { MonitorService, protoFiles, type MonitorServer } from '@chamber/protos';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints } from '@chamber/testing';
import type { GrpcServing } from '../src/index.js';

// What the host's tests share: a quiet logger, a service's common config on
// a free port of the test etcd, and a small gRPC service to serve.

export const logger = createLogger({ service: 'host-test', level: 'silent' });

/** The common config of a service of `simulation`, bound to port 0. */
export function configOf(simulation: string): CommonConfig {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    etcd: { endpoints: etcdEndpoints() },
    simulation,
    seed: 1,
    log: { level: 'silent' },
    telemetry: { exporter: 'none', tracesink: '', otlpEndpoint: '' },
  };
}

/** Any small gRPC service will do: the monitor's, answering a fixed status. */
export function grpc(): GrpcServing {
  const implementation: MonitorServer = {
    getStatus: unary(
      () =>
        Promise.resolve({ suspectAfter: 0, failedAfter: 0, installGrace: 0, states: {}, tick: 0 }),
      logger,
    ),
  };
  return {
    name: 'chamber.monitor.v1.Monitor',
    definition: MonitorService,
    implementation,
    protoFile: protoFiles.monitor,
  };
}
