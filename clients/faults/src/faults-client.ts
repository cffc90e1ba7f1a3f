import { checkAddress, unaryCaller, type BoundCall } from '@chamber/grpc';
import {
  FaultsClient as GrpcFaultsClient,
  type ClearFaultsResponse,
  type ClearFaultResponse,
  type FaultKind,
  type FaultRecord,
  type FaultStatus,
  type GetFaultResponse,
  type InjectFaultsResponse,
  type InjectFaultResponse,
  type ListFaultsResponse,
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
 * the faults service cannot be reached. Each method is its RPC's verb, the
 * client naming the noun: `inject` calls `InjectFault`, `injectMany`
 * `InjectFaults`, `list` `ListFaults`, `get` `GetFault`, `clear`
 * `ClearFault`, `clearAll` `ClearFaults`.
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
    const res = await this.call<InjectFaultResponse>((md, o, cb) =>
      this.grpc.injectFault({ kind, targets: [...targets], schedule, requestedBy }, md, o, cb),
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
    const res = await this.call<InjectFaultsResponse>((md, o, cb) =>
      this.grpc.injectFaults(
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
    const res = await this.call<ListFaultsResponse>((md, o, cb) =>
      this.grpc.listFaults(
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
    const res = await this.call<GetFaultResponse>((md, o, cb) =>
      this.grpc.getFault({ id }, md, o, cb),
    );
    return res.fault!;
  }

  /** Clears a fault at the next tick; `FailedPrecondition` when it already is. */
  async clear(id: string, requestedBy = ''): Promise<FaultRecord> {
    const res = await this.call<ClearFaultResponse>((md, o, cb) =>
      this.grpc.clearFault({ id, requestedBy }, md, o, cb),
    );
    return res.fault!;
  }

  /** Clears every fault not cleared yet, at the next tick. */
  clearAll(requestedBy = ''): Promise<ClearFaultsResponse> {
    return this.call<ClearFaultsResponse>((md, o, cb) =>
      this.grpc.clearFaults({ requestedBy }, md, o, cb),
    );
  }

  close(): void {
    this.grpc.close();
  }
}
