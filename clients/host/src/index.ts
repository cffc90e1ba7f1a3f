export {
  hostParticipantService,
  reactorTick,
  type HostedService,
  type HostOptions,
} from './host.js';
