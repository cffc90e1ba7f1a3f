export { hostParticipantService, type HostedService, type HostOptions } from './host.js';
