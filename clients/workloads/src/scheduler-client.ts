import { checkAddress, unaryCaller, type BoundCall } from '@chamber/grpc';
import {
  SchedulerClient as GrpcSchedulerClient,
  type ExplainPlacementResponse,
} from '@chamber/protos';
import { credentials } from '@grpc/grpc-js';

/**
 * A typed client of `chamber.workloads.v1.Scheduler`. Methods reject with a
 * ChamberError carrying the service's code and message; `Unavailable` when
 * the scheduler cannot be reached.
 */
export class SchedulerClient {
  readonly address: string;
  private readonly grpc: GrpcSchedulerClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.grpc = new GrpcSchedulerClient(address, credentials.createInsecure());
    this.call = unaryCaller('scheduler', address, timeoutMs);
  }

  /** A client of the scheduler at `host:port` (no I/O until the first call). */
  static connect(address: string, options: { timeoutMs?: number } = {}): SchedulerClient {
    checkAddress('scheduler', address, '127.0.0.1:50056');
    return new SchedulerClient(address, options.timeoutMs ?? 30_000);
  }

  /** Where instance `<workload>/<n>` was placed and why, or why it is pending. */
  explain(workload: string, n: number): Promise<ExplainPlacementResponse> {
    return this.call<ExplainPlacementResponse>((md, o, cb) =>
      this.grpc.explainPlacement({ workload, n }, md, o, cb),
    );
  }

  close(): void {
    this.grpc.close();
  }
}
