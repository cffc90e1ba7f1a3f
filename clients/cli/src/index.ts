export { ExitCode, chamberProgram, run, type CliIo } from './run.js';
export { statusToJson, type ClockStatusJson } from './format.js';
export { readCredentials, type Credentials } from './credentials.js';
