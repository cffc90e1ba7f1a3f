export {
  callLogInterceptor,
  createGrpcServer,
  type GrpcServer,
  type GrpcServerOptions,
  type GrpcServiceBinding,
} from './server.js';
export {
  unary,
  serverStream,
  callUnary,
  checkAddress,
  reachable,
  unaryCaller,
  followStream,
  type StreamFollow,
  type BoundCall,
  type HandlerLogger,
} from './handlers.js';
export { checkHealth, waitUntilServing, type Health } from './health.js';
export { toGrpcError, fromGrpcError, type GrpcErrorLike } from './grpc-wire.js';
