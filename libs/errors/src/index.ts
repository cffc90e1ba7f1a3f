export { Code, codeName, codeFromName, httpStatusOf, isGrpcCode, type CodeName } from './codes.js';
export {
  ChamberError,
  entryError,
  errorBody,
  isChamberError,
  toChamberError,
  type ChamberErrorOptions,
  type ErrorBody,
} from './chamber-error.js';
export { capDetails, capMessage, errorDetailsLimitBytes, errorMessageLimitBytes } from './cap.js';
