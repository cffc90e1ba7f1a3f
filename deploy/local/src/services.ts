/** A service the launcher runs: its own process, serving gRPC on `port`. */
export interface ServiceSpec {
  /** Also the env prefix of its config: `CHAMBER_<NAME>_PORT`. */
  readonly name: string;
  readonly port: number;
  /** The process entry, relative to the repository root. */
  readonly entry: string;
  /** The gRPC service it serves, for the health check and the address line. */
  readonly grpcService: string;
}

/**
 * Every service of the simulator, in start order. Later services (inventory
 * 50052, faults 50053, …) join this table as they are built.
 */
export const services: readonly ServiceSpec[] = [
  {
    name: 'stepper',
    port: 50051,
    entry: 'services/stepper/dist/src/main.js',
    grpcService: 'chamber.clock.v1.Clock',
  },
];
