import { checkAddress, unaryCaller, type BoundCall } from '@chamber/grpc';
import {
  WorkloadsClient as GrpcWorkloadsClient,
  type CreateWorkloadResponse,
  type DeleteWorkloadResponse,
  type GetAvailabilityResponse,
  type GetWorkloadResponse,
  type Instance,
  type ListInstancesResponse,
  type ListWorkloadsResponse,
  type UpdateWorkloadResponse,
  type Workload,
  type WorkloadSpec,
} from '@chamber/protos';
import { credentials } from '@grpc/grpc-js';
import { workloadSpec, type WorkloadSpecWords } from './spec.js';

/** Which instances {@link WorkloadsClient.listInstances} returns; empty means all. */
export interface InstanceFilter {
  readonly workload?: string;
  /** Only instances on this blade or under this element. */
  readonly under?: string;
}

/** A spec on the wire, or in words ({@link workloadSpec} converts). */
export type SpecInput = WorkloadSpec | WorkloadSpecWords;

const isWire = (spec: SpecInput): spec is WorkloadSpec => typeof spec.placement?.rule === 'number';

const wire = (spec: SpecInput): WorkloadSpec => (isWire(spec) ? spec : workloadSpec(spec));

/**
 * A typed client of `chamber.workloads.v1.Workloads` (served by the workload
 * repair manager). Methods reject with a ChamberError carrying the service's
 * code and message (`InvalidArgument` naming the field, `NotFound`,
 * `AlreadyExists`, `FailedPrecondition` for a stale revision); `Unavailable`
 * when it cannot be reached. Each method is its RPC's verb, the client naming
 * the noun: `create` calls `CreateWorkload`, `list` `ListWorkloads`, … A
 * change takes effect at the tick it answers.
 */
export class WorkloadsClient {
  readonly address: string;
  private readonly grpc: GrpcWorkloadsClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.grpc = new GrpcWorkloadsClient(address, credentials.createInsecure());
    this.call = unaryCaller('workload repair manager', address, timeoutMs);
  }

  /** A client of the workload repair manager at `host:port` (no I/O until the first call). */
  static connect(address: string, options: { timeoutMs?: number } = {}): WorkloadsClient {
    checkAddress('workload repair manager', address, '127.0.0.1:50057');
    return new WorkloadsClient(address, options.timeoutMs ?? 30_000);
  }

  /** Creates a workload at the next tick; resolves with that tick. */
  async create(spec: SpecInput): Promise<number> {
    const res = await this.call<CreateWorkloadResponse>((md, o, cb) =>
      this.grpc.createWorkload({ spec: wire(spec) }, md, o, cb),
    );
    return res.effectiveTick;
  }

  async get(name: string): Promise<Workload> {
    const res = await this.call<GetWorkloadResponse>((md, o, cb) =>
      this.grpc.getWorkload({ name }, md, o, cb),
    );
    return res.workload!;
  }

  /** Every workload, by name. */
  async list(): Promise<Workload[]> {
    const res = await this.call<ListWorkloadsResponse>((md, o, cb) =>
      this.grpc.listWorkloads({}, md, o, cb),
    );
    return res.workloads;
  }

  /**
   * Replaces a workload's spec at the next tick (its name says which);
   * `matchRevision`: refused unless the record is still at that revision.
   */
  async update(spec: SpecInput, matchRevision?: number): Promise<number> {
    const res = await this.call<UpdateWorkloadResponse>((md, o, cb) =>
      this.grpc.updateWorkload(
        { spec: wire(spec), ...(matchRevision === undefined ? {} : { matchRevision }) },
        md,
        o,
        cb,
      ),
    );
    return res.effectiveTick;
  }

  /** Deletes a workload at the next tick (its instances are stopped first). */
  async delete(name: string, matchRevision?: number): Promise<number> {
    const res = await this.call<DeleteWorkloadResponse>((md, o, cb) =>
      this.grpc.deleteWorkload(
        { name, ...(matchRevision === undefined ? {} : { matchRevision }) },
        md,
        o,
        cb,
      ),
    );
    return res.effectiveTick;
  }

  async listInstances(filter: InstanceFilter = {}): Promise<Instance[]> {
    const res = await this.call<ListInstancesResponse>((md, o, cb) =>
      this.grpc.listInstances(
        { workload: filter.workload ?? '', under: filter.under ?? '' },
        md,
        o,
        cb,
      ),
    );
    return res.instances;
  }

  /**
   * A workload's availability over ticks `fromTick`..`toTick` (by default
   * from 0 to the last settled tick): lost instance-ticks, outages, detection
   * and recovery. Rejects with NotFound when no such workload exists or had
   * a sample in this run, InvalidArgument when `fromTick > toTick`.
   */
  async availability(
    workload: string,
    range: { fromTick?: number; toTick?: number } = {},
  ): Promise<GetAvailabilityResponse> {
    return this.call<GetAvailabilityResponse>((md, o, cb) =>
      this.grpc.getAvailability(
        {
          workload,
          ...(range.fromTick === undefined ? {} : { fromTick: range.fromTick }),
          ...(range.toTick === undefined ? {} : { toTick: range.toTick }),
        },
        md,
        o,
        cb,
      ),
    );
  }

  close(): void {
    this.grpc.close();
  }
}
