import path from 'node:path';
import { fileURLToPath } from 'node:url';

export {
  ClockService,
  ClockClient,
  ClockStatus,
  Policy,
  policyFromJSON,
  policyToJSON,
  GetStatusRequest,
  GetStatusResponse,
  SetPolicyRequest,
  SetPolicyResponse,
  StepRequest,
  StepResponse,
  RunUntilRequest,
  RunUntilResponse,
  WaitForTickRequest,
  WaitForTickResponse,
  WatchRequest,
  WatchResponse,
  ResetRequest,
  ResetResponse,
} from '../gen/chamber/clock/v1/clock.js';
export type { ClockServer } from '../gen/chamber/clock/v1/clock.js';
export {
  AckRecord,
  ControlRecord,
  ParticipantRecord,
  PendingRecord,
  RunRecord,
  SettledRecord,
  TickIndexRecord,
  TickRecord,
} from '../gen/chamber/clock/v1/records.js';
export {
  BladeDefinition,
  BootInfo,
  Capacity,
  DefinitionLoadInput,
  DeviceDefinition,
  DeviceKind,
  PortRef,
  RackDefinition,
  RegionDefinition,
  ZoneDefinition,
} from '../gen/chamber/inventory/v1/definition.js';

/**
 * The folder holding the `.proto` sources (`chamber/<area>/v1/*.proto`), for
 * tools that load them at run time: gRPC server reflection, grpcurl.
 */
export const protoRoot: string = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);

/** The `.proto` files of every Chamber service, relative to {@link protoRoot}. */
export const protoFiles = {
  clock: 'chamber/clock/v1/clock.proto',
} as const;
