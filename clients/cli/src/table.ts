import {
  loginCommand,
  logoutCommand,
  sessionArea,
  tokenArea,
  userArea,
} from './account-commands.js';
import { routeTableFrom } from './api-commands.js';
import { clockArea } from './clock-commands.js';
import { faultArea } from './fault-commands.js';
import { inventoryArea } from './inventory-commands.js';
import { eventsArea, logsArea, serviceArea } from './log-commands.js';
import { repairArea } from './repair-commands.js';
import type { RouteTable } from './routes.js';
import { transportOptions } from './transport.js';

/**
 * The `chamber` tool's one route table, made from the REST route table's
 * `cli` entries (`@chamber/api`'s `operations`) completed by each area's
 * extension: gRPC transports, printing, CLI-only options. The only commands
 * not in the REST table are composites of its routes: `login` (logIn +
 * createToken + logOut), `logout` (revokeToken), and the `inventory ls` and
 * `inventory get` shorthands by element path.
 */
export const chamberRoutes: RouteTable = routeTableFrom(
  {
    program: 'chamber',
    summary: 'drive a Chamber simulation from the command line',
    options: {
      json: { type: 'boolean', description: 'print results as JSON, one object per line' },
      ...transportOptions,
    },
  },
  {
    login: {
      summary: 'log in to the frontend and store a token (REST)',
      defaultCommand: 'login',
      composites: { login: loginCommand },
    },
    logout: {
      summary: 'revoke and forget the stored token (REST)',
      defaultCommand: 'logout',
      composites: { logout: logoutCommand },
    },
    clock: clockArea,
    inventory: inventoryArea,
    fault: faultArea,
    repair: repairArea,
    logs: logsArea,
    events: eventsArea,
    service: serviceArea,
    session: sessionArea,
    token: tokenArea,
    user: userArea,
  },
);
