export {
  deriveStatus,
  readClockRecords,
  waitingFor,
  isTickSettled,
  isSameRun,
  defaultControl,
  initialDigest,
  type ClockRecords,
} from './status.js';
export { ClockReader, type WrittenClockRecords } from './clock-reader.js';
export { checkReadableTick, oldestReadableTick } from './history.js';
export {
  submitInput,
  submitInputs,
  InputWriter,
  maxClockMoves,
  type InputToSubmit,
  type SubmittedInput,
} from './inputs.js';
export {
  Participant,
  type ParticipantOptions,
  type TickContext,
  type TickResult,
} from './participant.js';
