/**
 * Each service's default port (DESIGN §6): its gRPC port, and the
 * frontend's HTTP port. The one home of these numbers: each service's config
 * defaults to its entry, the launcher starts services on them (moved by its
 * port offset), and clients and harnesses look for services there.
 */
export const defaultPorts = {
  stepper: 50051,
  inventory: 50052,
  faults: 50053,
  monitor: 50054,
  'inventory-repair': 50055,
  scheduler: 50056,
  'workload-repair': 50057,
  tracesink: 50058,
  scenarios: 50059,
  frontend: 8080,
} as const;

/** A service of the simulator, by the name its process, config and launcher line use. */
export type ServiceName = keyof typeof defaultPorts;
