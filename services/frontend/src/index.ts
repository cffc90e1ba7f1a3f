export {
  adminUser,
  createFrontendService,
  type FrontendDeps,
  type FrontendService,
} from './app.js';
export { frontendSchema, loadFrontendConfig, type FrontendConfig } from './config.js';
export { sessionCookie } from './http/server.js';
