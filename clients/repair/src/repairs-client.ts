import { checkAddress, unaryCaller, type BoundCall } from '@chamber/grpc';
import {
  RepairsClient as GrpcRepairsClient,
  type GetRepairResponse,
  type ListRepairsResponse,
  type RepairRecord,
  type RepairStatus,
} from '@chamber/protos';
import { credentials } from '@grpc/grpc-js';

/**
 * A typed client of `chamber.repair.v1.Repairs` (the inventory repair
 * manager). Methods reject with a ChamberError carrying the service's code
 * and message; `Unavailable` when it cannot be reached. Each method is its
 * RPC's verb, the client naming the noun: `list` calls `ListRepairs`, `get`
 * `GetRepair`.
 */
export class RepairsClient {
  readonly address: string;
  private readonly grpc: GrpcRepairsClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.grpc = new GrpcRepairsClient(address, credentials.createInsecure());
    this.call = unaryCaller('repair manager', address, timeoutMs);
  }

  /** A client of the repair manager at `host:port` (no I/O until the first call). */
  static connect(address: string, options: { timeoutMs?: number } = {}): RepairsClient {
    checkAddress('repair manager', address, '127.0.0.1:50055');
    return new RepairsClient(address, options.timeoutMs ?? 30_000);
  }

  /** Repairs, oldest first; only those in `statuses` and at or under `target` when given. */
  async list(
    filter: { statuses?: readonly RepairStatus[]; target?: string } = {},
  ): Promise<RepairRecord[]> {
    const res = await this.call<ListRepairsResponse>((md, o, cb) =>
      this.grpc.listRepairs(
        { statuses: [...(filter.statuses ?? [])], target: filter.target ?? '' },
        md,
        o,
        cb,
      ),
    );
    return res.repairs;
  }

  async get(id: string): Promise<RepairRecord> {
    const res = await this.call<GetRepairResponse>((md, o, cb) =>
      this.grpc.getRepair({ id }, md, o, cb),
    );
    return res.repair!;
  }

  close(): void {
    this.grpc.close();
  }
}
