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
