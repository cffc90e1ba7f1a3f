import { ChamberError, Code, toChamberError } from '@chamber/errors';
import { followStream, fromGrpcError } from '@chamber/grpc';
import {
  ClockClient as GrpcClockClient,
  type ClockStatus,
  type ListInputsResponse,
  type Policy,
  type WatchClockResponse,
} from '@chamber/protos';
import {
  connectivityState,
  credentials,
  Metadata,
  type CallOptions as GrpcCallOptions,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';

/** How a {@link ClockClient} talks to the stepper. */
export interface ClockClientOptions {
  /**
   * Deadline (ms) of the calls that answer at once: `getStatus` and
   * `setPolicy`. Default 10,000. `Infinity` means no deadline.
   */
  readonly timeoutMs?: number;
  /**
   * Deadline (ms) of the calls that wait for the simulation to settle:
   * `step`, `runUntil`, `waitForTick` and `reset`. Default `Infinity` (no
   * deadline), because how long a tick takes to settle is up to the
   * participants, not the network.
   */
  readonly waitTimeoutMs?: number;
}

/** Per-call options; they override the client's defaults. */
export interface ClockCallOptions {
  /** Deadline of this call (ms); `Infinity` for none. */
  readonly timeoutMs?: number;
  /**
   * Cancels the call when aborted; it then rejects with `Cancelled`. Only the
   * wait is cancelled: a step or policy change the stepper already accepted
   * stands.
   */
  readonly signal?: AbortSignal;
}

/** Options of {@link ClockClient.setPolicy}. */
export interface SetPolicyOptions extends ClockCallOptions {
  /** Ticks per second; required (above 0) for `POLICY_MEASURED`, ignored otherwise. */
  readonly rate?: number;
  /**
   * Apply the change only if the clock's epoch still equals this (the ETag
   * of the clock); otherwise the call fails with `Aborted` and changes nothing.
   */
  readonly matchEpoch?: number;
}

/** Options of {@link ClockClient.reset}. */
export interface ResetOptions extends ClockCallOptions {
  /** The seed of the fresh run; the current seed when absent. */
  readonly seed?: number;
}

/** A running {@link ClockClient.watch}. */
export interface ClockWatch {
  /** Stops the watch; `onEnd` is then called without an error. Idempotent. */
  cancel(): void;
}

type RpcName =
  | 'GetStatus'
  | 'SetPolicy'
  | 'StepClock'
  | 'RunUntil'
  | 'WaitForTick'
  | 'ResetClock'
  | 'ListInputs'
  | 'WatchClock';

/** What every Clock response carries. */
interface StatusResponse {
  readonly status: ClockStatus | undefined;
}

type UnaryCallback<Res = StatusResponse> = (error: ServiceError | null, response?: Res) => void;

/** Starts one grpc-js unary call with its metadata, options and callback. */
type Invoke<Res = StatusResponse> = (
  metadata: Metadata,
  options: Partial<GrpcCallOptions>,
  callback: UnaryCallback<Res>,
) => ClientUnaryCall;

const defaultTimeoutMs = 10_000;

// host:port, with a bracketed IPv6 host allowed. Anything else grpc-js would
// read as some other kind of target (a unix socket, a dns:/// URI), which a
// person typing --stepper almost never means.
const addressPattern = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/**
 * A typed client of the `chamber.clock.v1.Clock` gRPC service (the stepper).
 * Every method resolves with the clock's status after the call and rejects
 * with a ChamberError carrying the stepper's code, message and details; when
 * the stepper cannot be reached the error is `Unavailable` ("cannot reach the
 * stepper at …: is Chamber running (npm start)?"). Each method is its RPC's
 * verb, the client naming the noun: `step` calls `StepClock`, `reset`
 * `ResetClock`, `watch` `WatchClock`.
 */
export class ClockClient {
  /** The stepper's `host:port`. */
  readonly address: string;
  private readonly grpc: GrpcClockClient;
  private readonly timeoutMs: number;
  private readonly waitTimeoutMs: number;
  private isClosed = false;

  private constructor(
    address: string,
    grpc: GrpcClockClient,
    timeoutMs: number,
    waitTimeoutMs: number,
  ) {
    this.address = address;
    this.grpc = grpc;
    this.timeoutMs = timeoutMs;
    this.waitTimeoutMs = waitTimeoutMs;
  }

  /**
   * A client of the stepper at `address` (`host:port`). Does no I/O: the
   * connection is made by the first call, so an absent stepper is reported by
   * that call. Throws `InvalidArgument` for an address that is not
   * `host:port` or a timeout that is not a positive number of milliseconds.
   */
  static connect(address: string, options: ClockClientOptions = {}): ClockClient {
    const port = addressPattern.exec(address)?.[1];
    if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
      throw new ChamberError(
        Code.InvalidArgument,
        `the stepper address must be host:port (e.g. 127.0.0.1:50051), got "${address}"`,
      );
    }
    const timeoutMs = checkTimeout('timeoutMs', options.timeoutMs ?? defaultTimeoutMs);
    const waitTimeoutMs = checkTimeout('waitTimeoutMs', options.waitTimeoutMs ?? Infinity);
    // Plaintext: Chamber's services listen on 127.0.0.1 or a private network.
    const grpc = new GrpcClockClient(address, credentials.createInsecure());
    return new ClockClient(address, grpc, timeoutMs, waitTimeoutMs);
  }

  /** The clock's current status. */
  getStatus(options: ClockCallOptions = {}): Promise<ClockStatus> {
    return this.unary('GetStatus', options, this.timeoutMs, (md, opts, cb) =>
      this.grpc.getStatus({}, md, opts, cb),
    );
  }

  /**
   * Changes the policy and increments the epoch; cancels pending steps and
   * bounds. Fails with `InvalidArgument` for an unspecified policy or a
   * measured policy without a rate, `Aborted` when `matchEpoch` is stale.
   */
  setPolicy(policy: Policy, options: SetPolicyOptions = {}): Promise<ClockStatus> {
    const { rate = 0, matchEpoch } = options;
    const request = {
      policy,
      rate,
      ...(matchEpoch === undefined ? {} : { matchEpoch: checkUint64('matchEpoch', matchEpoch) }),
    };
    return this.unary('SetPolicy', options, this.timeoutMs, (md, opts, cb) =>
      this.grpc.setPolicy(request, md, opts, cb),
    );
  }

  /**
   * Advances `ticks` ticks (default 1) under the manual or paused policy and
   * resolves when the last one is settled. Fails with `FailedPrecondition`
   * under measured or no-wait, `InvalidArgument` for fewer than 1 tick.
   */
  step(ticks = 1, options: ClockCallOptions = {}): Promise<ClockStatus> {
    return this.unary('StepClock', options, this.waitTimeoutMs, (md, opts, cb) =>
      this.grpc.stepClock({ ticks: checkUint64('ticks', ticks) }, md, opts, cb),
    );
  }

  /**
   * Advances to `tick` (manual, paused) or bounds the clock there (measured,
   * no-wait), and resolves when it is settled.
   */
  runUntil(tick: number, options: ClockCallOptions = {}): Promise<ClockStatus> {
    return this.unary('RunUntil', options, this.waitTimeoutMs, (md, opts, cb) =>
      this.grpc.runUntil({ tick: checkUint64('tick', tick) }, md, opts, cb),
    );
  }

  /** Resolves once `tick` (or a later one) is settled; changes nothing. */
  waitForTick(tick: number, options: ClockCallOptions = {}): Promise<ClockStatus> {
    return this.unary('WaitForTick', options, this.waitTimeoutMs, (md, opts, cb) =>
      this.grpc.waitForTick({ tick: checkUint64('tick', tick) }, md, opts, cb),
    );
  }

  /**
   * Returns to tick 0 of a fresh run (paused, world cleared and rebuilt from
   * its definition and `seed`), resolving when tick 0 of the new run is
   * settled.
   */
  reset(options: ResetOptions = {}): Promise<ClockStatus> {
    const { seed } = options;
    return this.unary('ResetClock', options, this.waitTimeoutMs, (md, opts, cb) =>
      this.grpc.resetClock(
        seed === undefined ? {} : { seed: checkUint64('seed', seed) },
        md,
        opts,
        cb,
      ),
    );
  }

  /**
   * The run so far as its inputs (`ListInputs`): its seed, the definition in
   * force, the input journal up to the last settled tick, and the digest
   * there. Unlike the other calls it answers with that, not a status.
   */
  listInputs(options: ClockCallOptions = {}): Promise<ListInputsResponse> {
    return this.call(
      'ListInputs',
      options,
      this.timeoutMs,
      (md, opts, cb: UnaryCallback<ListInputsResponse>) => this.grpc.listInputs({}, md, opts, cb),
      (response) => response!,
    );
  }

  /**
   * Calls `onStatus` with the current status, then once per change, until
   * {@link ClockWatch.cancel} or a failure. `onEnd` is called exactly once:
   * without an error after `cancel()` or when the stepper ends the stream,
   * with a ChamberError when the stream fails (`Unavailable` when the stepper
   * cannot be reached or goes away). If `onStatus` throws, the watch stops and
   * `onEnd` gets that error. No deadline.
   */
  watch(
    onStatus: (status: ClockStatus) => void,
    onEnd?: (error?: ChamberError) => void,
  ): ClockWatch {
    if (this.isClosed) {
      const error = this.closedError();
      queueMicrotask(() => onEnd?.(error));
      return { cancel: () => undefined };
    }
    return followStream(
      this.grpc.watchClock({}),
      (response: WatchClockResponse) => onStatus(this.statusOf('WatchClock', response)),
      onEnd,
      (error) => this.failure('WatchClock', error, undefined),
    );
  }

  /**
   * Releases the connection. Later calls fail with `FailedPrecondition`;
   * calls in flight run to their end. Idempotent.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.grpc.close();
  }

  /**
   * Runs one unary call: applies the deadline and the abort signal, converts
   * the failure. A bad argument (thrown while building the request) rejects
   * instead of throwing, so callers handle every failure in one place.
   */
  private unary(
    rpc: RpcName,
    options: ClockCallOptions,
    defaultTimeout: number,
    invoke: Invoke,
  ): Promise<ClockStatus> {
    return this.call(rpc, options, defaultTimeout, invoke, (response) =>
      this.statusOf(rpc, response),
    );
  }

  /** {@link unary} for any response: `answer` makes the result of it (and may throw). */
  private call<Res, R>(
    rpc: RpcName,
    options: ClockCallOptions,
    defaultTimeout: number,
    invoke: Invoke<Res>,
    answer: (response: Res | undefined) => R,
  ): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.isClosed) throw this.closedError();
      const { signal } = options;
      if (signal?.aborted === true) throw cancelledError(rpc);
      const timeoutMs = checkTimeout('timeoutMs', options.timeoutMs ?? defaultTimeout);
      const deadline = Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : undefined;
      const onAbort = (): void => call.cancel();
      const call = invoke(
        new Metadata(),
        deadline === undefined ? {} : { deadline },
        (error, response) => {
          signal?.removeEventListener('abort', onAbort);
          if (error !== null) {
            reject(
              signal?.aborted === true ? cancelledError(rpc) : this.failure(rpc, error, deadline),
            );
            return;
          }
          try {
            resolve(answer(response));
          } catch (failure) {
            reject(toChamberError(failure));
          }
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private statusOf(rpc: RpcName, response: StatusResponse | undefined): ClockStatus {
    if (response?.status === undefined) {
      throw new ChamberError(
        Code.Internal,
        `the stepper at ${this.address} answered ${rpc} without a status`,
      );
    }
    return response.status;
  }

  /**
   * A gRPC failure as a ChamberError. The transport's own failures
   * (connection refused, no answer before a deadline while still
   * connecting) are told apart from the stepper's answers by the channel's
   * state, not by their text: a stepper that answered left the channel READY.
   */
  private failure(rpc: RpcName, error: ServiceError, deadline: number | undefined): ChamberError {
    const converted = fromGrpcError(error);
    const isConnected =
      this.grpc.getChannel().getConnectivityState(false) === connectivityState.READY;
    const details = { address: this.address, rpc };
    switch (converted.code) {
      case Code.Unavailable:
      case Code.DeadlineExceeded:
        if (!isConnected) {
          return new ChamberError(
            Code.Unavailable,
            `cannot reach the stepper at ${this.address}: is Chamber running (npm start)?`,
            { cause: error, details },
          );
        }
        if (
          converted.code === Code.DeadlineExceeded &&
          deadline !== undefined &&
          Date.now() >= deadline
        ) {
          return new ChamberError(
            Code.DeadlineExceeded,
            `the stepper at ${this.address} did not answer ${rpc} in time (deadline passed)`,
            { cause: error, details },
          );
        }
        return converted;
      case Code.Unimplemented:
        // What answers at this address is a gRPC server, but not the stepper
        // (another Chamber service's port, most likely).
        return new ChamberError(
          Code.Unimplemented,
          `the server at ${this.address} does not serve chamber.clock.v1.Clock/${rpc}: is it the stepper's address?`,
          { cause: error, details },
        );
      default:
        return converted;
    }
  }

  private closedError(): ChamberError {
    return new ChamberError(
      Code.FailedPrecondition,
      `the clock client for ${this.address} is closed`,
    );
  }
}

function cancelledError(rpc: RpcName): ChamberError {
  return new ChamberError(Code.Cancelled, `${rpc} was cancelled by the caller`);
}

/** `value` if it fits a proto uint64 carried as a JS number, else `InvalidArgument`. */
function checkUint64(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ChamberError(
      Code.InvalidArgument,
      `${name} must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${value}`,
    );
  }
  return value;
}

function checkTimeout(name: string, value: number): number {
  if (Number.isNaN(value) || value <= 0) {
    throw new ChamberError(
      Code.InvalidArgument,
      `${name} must be a positive number of milliseconds (or Infinity for no deadline), got ${value}`,
    );
  }
  return value;
}
