export { rights, rightDescriptions, isRight, type Right } from './rights.js';
export { s, segment, elementPath, componentsPath, type JsonSchema } from './schema.js';
export {
  fillPath,
  pathParameters,
  type Access,
  type BodySpec,
  type CliSpec,
  type ErrorStatus,
  type HttpMethod,
  type Operation,
  type ResponseSpec,
  type TypedOperation,
} from './operation.js';
export {
  operations,
  operation,
  eventKinds,
  scheduleFields,
  type AnswerOf,
  type BodyOf,
  type OperationId,
  type OperationOf,
  type ParamsOf,
  type QueryOf,
} from './routes.js';
export { elementRoute, elementUrl, queryString, type ElementRoute } from './elements.js';
export {
  componentSchemas,
  serviceHealths,
  type About,
  type ClockStatus,
  type Command,
  type Element,
  type Fault,
  type Instance,
  type PlacementExplanation,
  type Availability,
  type Report,
  type ReportSeries,
  type Workload,
  type ScenarioRun,
  type BladeUse,
  type LoadProgress,
  type LogEntry,
  type RackStates,
  type Repair,
  type Service,
  type Session,
  type States,
  type Summary,
  type Token,
  type User,
} from './components.js';
export { apiFieldOf, inApiWords, subjectOf } from './fields.js';
export { openApiDocument, bodySchema, errorStatuses } from './openapi.js';
export {
  ApiClient,
  apiPrefix,
  defaultApiUrl,
  errorFromAnswer,
  type ApiClientOptions,
  type ApiResponse,
  type CallInput,
  type TypedCallInput,
} from './client.js';
