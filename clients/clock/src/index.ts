export {
  ClockClient,
  type ClockCallOptions,
  type ClockClientOptions,
  type ClockWatch,
  type ResetOptions,
  type SetPolicyOptions,
} from './clock-client.js';
