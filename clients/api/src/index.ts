export { rights, rightDescriptions, isRight, type Right } from './rights.js';
export { s, segment, elementPath, type JsonSchema } from './schema.js';
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
} from './operation.js';
export { operations, operation, eventKinds } from './routes.js';
export { componentSchemas } from './components.js';
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
} from './client.js';
