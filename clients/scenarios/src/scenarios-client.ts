import type { ChamberError } from '@chamber/errors';
import {
  checkAddress,
  followStream,
  reachable,
  unaryCaller,
  type BoundCall,
  type StreamFollow,
} from '@chamber/grpc';
import {
  ScenariosClient as GrpcScenariosClient,
  RunState,
  type CheckResponse,
  type GetRunResponse,
  type ListRunsResponse,
  type ScenarioRun,
  type StartRunResponse,
  type WatchRunResponse,
} from '@chamber/protos';
import { credentials } from '@grpc/grpc-js';

/** What {@link ScenariosClient.startRun} takes besides the scenario's text. */
export interface StartRunOptions {
  /** Shown in errors and reports (`file:line:col`); `scenario.yaml` by default. */
  readonly fileName?: string;
  /** The run's seed instead of the scenario's. */
  readonly seed?: number;
  /** The definition's text when the scenario's inventory is a `file` (the caller reads it). */
  readonly inventorySource?: string;
  /** Who starts it, for the record. */
  readonly requestedBy?: string;
}

/** A running {@link ScenariosClient.watchRun}. */
export type RunWatch = StreamFollow;

/** Whether a run has ended (passed, failed, in error or interrupted). */
export function isRunEnded(run: ScenarioRun): boolean {
  return run.state !== RunState.RUN_STATE_RUNNING && run.state !== RunState.RUN_STATE_UNSPECIFIED;
}

/**
 * A typed client of `chamber.scenario.v1.Scenarios` (the scenarios
 * service). Methods reject with a ChamberError carrying the service's code
 * and message (`InvalidArgument` listing a scenario's problems at
 * file:line:col, `FailedPrecondition` while another run is in progress,
 * `NotFound`); `Unavailable` when it cannot be reached. Each method is its
 * RPC's verb: `check` calls `Check`, `startRun` `StartRun`, …
 */
export class ScenariosClient {
  readonly address: string;
  private readonly grpc: GrpcScenariosClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.grpc = new GrpcScenariosClient(address, credentials.createInsecure());
    this.call = unaryCaller('scenarios service', address, timeoutMs);
  }

  /** A client of the scenarios service at `host:port` (no I/O until the first call). */
  static connect(address: string, options: { timeoutMs?: number } = {}): ScenariosClient {
    checkAddress('scenarios service', address, '127.0.0.1:50059');
    return new ScenariosClient(address, options.timeoutMs ?? 30_000);
  }

  /** Parses a scenario: its name, inputs, expectations and last tick. */
  check(source: string, fileName = 'scenario.yaml'): Promise<CheckResponse> {
    return this.call<CheckResponse>((md, o, cb) =>
      this.grpc.check({ source, fileName }, md, o, cb),
    );
  }

  /** Starts a run against the running simulation; resolves at once with its record. */
  async startRun(source: string, options: StartRunOptions = {}): Promise<ScenarioRun> {
    const res = await this.call<StartRunResponse>((md, o, cb) =>
      this.grpc.startRun(
        {
          source,
          fileName: options.fileName ?? 'scenario.yaml',
          ...(options.seed === undefined ? {} : { seed: options.seed }),
          inventorySource: options.inventorySource ?? '',
          requestedBy: options.requestedBy ?? '',
        },
        md,
        o,
        cb,
      ),
    );
    return res.run!;
  }

  async getRun(id: string): Promise<ScenarioRun> {
    const res = await this.call<GetRunResponse>((md, o, cb) => this.grpc.getRun({ id }, md, o, cb));
    return res.run!;
  }

  /** Every run kept, newest first. */
  async listRuns(): Promise<ScenarioRun[]> {
    const res = await this.call<ListRunsResponse>((md, o, cb) => this.grpc.listRuns({}, md, o, cb));
    return res.runs;
  }

  /**
   * Calls `onRun` with the run's record now, then each time it changes,
   * until the record of its end (then `onEnd` without an error), a
   * `cancel()`, or a failure (`onEnd` with a ChamberError: `NotFound`,
   * `Unavailable`). No deadline.
   */
  watchRun(
    id: string,
    onRun: (run: ScenarioRun) => void,
    onEnd?: (error?: ChamberError) => void,
  ): RunWatch {
    return followStream(
      this.grpc.watchRun({ id }),
      (res: WatchRunResponse) => {
        if (res.run !== undefined) onRun(res.run);
      },
      onEnd,
      (error) => reachable('scenarios service', this.address, error),
    );
  }

  close(): void {
    this.grpc.close();
  }
}
