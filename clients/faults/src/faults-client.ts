import { checkAddress, unaryCaller, type BoundCall } from '@chamber/grpc';
import {
  FaultsClient as GrpcFaultsClient,
  type ClearAllResponse,
  type ClearResponse,
  type FaultKind,
  type FaultRecord,
  type FaultStatus,
  type GetResponse,
  type InjectManyResponse,
  type InjectResponse,
  type ListResponse,
  type Schedule,
} from '@chamber/protos';
import { credentials } from '@grpc/grpc-js';

/** Which faults {@link FaultsClient.list} returns; empty lists mean all. */
export interface FaultFilter {
  readonly statuses?: readonly FaultStatus[];
  readonly kinds?: readonly FaultKind[];
  /** Faults whose targets include this path, lie under it or contain it. */
  readonly target?: string;
}

/**
 * A typed client of `chamber.faults.v1.Faults`. Methods reject with a
 * ChamberError carrying the service's code and message; `Unavailable` when
 * the faults service cannot be reached.
 */
export class FaultsClient {
  readonly address: string;
  private readonly grpc: GrpcFaultsClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.grpc = new GrpcFaultsClient(address, credentials.createInsecure());
    this.call = unaryCaller('faults service', address, timeoutMs);
  }

  /** A client of the faults service at `host:port` (no I/O until the first call). */
  static connect(address: string, options: { timeoutMs?: number } = {}): FaultsClient {
    checkAddress('faults service', address, '127.0.0.1:50053');
    return new FaultsClient(address, options.timeoutMs ?? 30_000);
  }

  /** Schedules a fault; it takes effect at the next tick at the earliest. `InvalidArgument` names each bad field. */
  async inject(
    kind: FaultKind,
    targets: readonly string[],
    schedule: Schedule = {},
    requestedBy = '',
  ): Promise<FaultRecord> {
    const res = await this.call<InjectResponse>((md, o, cb) =>
      this.grpc.inject({ kind, targets: [...targets], schedule, requestedBy }, md, o, cb),
    );
    return res.fault!;
  }

  /**
   * Injects many faults in one call: all are checked first (a bad one fails
   * the call with `INVALID_ARGUMENT` or `NOT_FOUND` naming it as
   * `faults.<i>.<field>`, and nothing is written), then written in one
   * transaction where they fit. Resolves with the faults in the order given.
   */
  async injectMany(
    faults: readonly { kind: FaultKind; targets: readonly string[]; schedule?: Schedule }[],
    requestedBy = '',
  ): Promise<FaultRecord[]> {
    const res = await this.call<InjectManyResponse>((md, o, cb) =>
      this.grpc.injectMany(
        {
          faults: faults.map((f) => ({
            kind: f.kind,
            targets: [...f.targets],
            schedule: f.schedule ?? {},
            requestedBy,
          })),
          requestedBy,
        },
        md,
        o,
        cb,
      ),
    );
    return res.faults;
  }

  async list(filter: FaultFilter = {}): Promise<FaultRecord[]> {
    const res = await this.call<ListResponse>((md, o, cb) =>
      this.grpc.list(
        {
          statuses: [...(filter.statuses ?? [])],
          kinds: [...(filter.kinds ?? [])],
          target: filter.target ?? '',
        },
        md,
        o,
        cb,
      ),
    );
    return res.faults;
  }

  async get(id: string): Promise<FaultRecord> {
    const res = await this.call<GetResponse>((md, o, cb) => this.grpc.get({ id }, md, o, cb));
    return res.fault!;
  }

  /** Clears a fault at the next tick; `FailedPrecondition` when it already is. */
  async clear(id: string, requestedBy = ''): Promise<FaultRecord> {
    const res = await this.call<ClearResponse>((md, o, cb) =>
      this.grpc.clear({ id, requestedBy }, md, o, cb),
    );
    return res.fault!;
  }

  /** Clears every fault not cleared yet, at the next tick. */
  clearAll(requestedBy = ''): Promise<ClearAllResponse> {
    return this.call<ClearAllResponse>((md, o, cb) =>
      this.grpc.clearAll({ requestedBy }, md, o, cb),
    );
  }

  close(): void {
    this.grpc.close();
  }
}
