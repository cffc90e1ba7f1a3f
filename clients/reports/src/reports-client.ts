import { checkAddress, unaryCaller, type BoundCall } from '@chamber/grpc';
import {
  ReportsClient as GrpcReportsClient,
  ReportLevel,
  type GetReportResponse,
  type GetSeriesResponse,
} from '@chamber/protos';
import { credentials } from '@grpc/grpc-js';

/**
 * A report's ticks: `from` (default 0) to `to` (default the last settled
 * tick), both counted, of `run`: the current run by default, or a run a
 * reset ended while its history is kept.
 */
export interface ReportRange {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly run?: number | undefined;
}

/**
 * A typed client of `chamber.reports.v1.Reports`, which every monitor
 * process serves. Methods reject with a ChamberError carrying the service's
 * code and message (`InvalidArgument` for a range backwards or past the
 * last settled tick, `OutOfRange` naming the history kept for one older
 * than it, `NotFound` for a run not kept); `Unavailable` when it cannot be reached. `report` calls
 * `GetReport`, `series` `GetSeries`.
 */
export class ReportsClient {
  readonly address: string;
  private readonly grpc: GrpcReportsClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.grpc = new GrpcReportsClient(address, credentials.createInsecure());
    this.call = unaryCaller('monitor', address, timeoutMs);
  }

  /** A client of the monitor at `host:port` (no I/O until the first call). */
  static connect(address: string, options: { timeoutMs?: number } = {}): ReportsClient {
    checkAddress('monitor', address, '127.0.0.1:50054');
    return new ReportsClient(address, options.timeoutMs ?? 60_000);
  }

  /** The run's report over `range`, grouped `by` (rack by default). */
  report(
    range: ReportRange = {},
    by: ReportLevel = ReportLevel.REPORT_LEVEL_RACK,
  ): Promise<GetReportResponse> {
    return this.call<GetReportResponse>((md, o, cb) =>
      this.grpc.getReport(
        { fromTick: range.from, toTick: range.to, by, run: range.run },
        md,
        o,
        cb,
      ),
    );
  }

  /** The run tick by tick over `range`. */
  series(range: ReportRange = {}): Promise<GetSeriesResponse> {
    return this.call<GetSeriesResponse>((md, o, cb) =>
      this.grpc.getSeries({ fromTick: range.from, toTick: range.to, run: range.run }, md, o, cb),
    );
  }

  close(): void {
    this.grpc.close();
  }
}
