export {
  hostParticipantService,
  type HostOptions,
  type ParticipantPart,
  type ReactionTick,
  type WriteProgress,
} from './host.js';
export {
  hostService,
  type Announcement,
  type EtcdOptionalServiceOptions,
  type GrpcServing,
  type HostedService,
  type Listen,
  type Listening,
  type ServiceOptions,
  type ServiceParts,
  type StoreServiceOptions,
} from './service.js';
