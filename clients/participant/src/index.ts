export {
  submitInput,
  submitInputs,
  InputWriter,
  maxClockMoves,
  type InputToSubmit,
  type JournalInput,
  type SubmittedInput,
} from './inputs.js';
export {
  Participant,
  type ParticipantOptions,
  type TickContext,
  type TickResult,
} from './participant.js';
