import { clockArea } from './clock-commands.js';
import { faultArea } from './fault-commands.js';
import { inventoryArea } from './inventory-commands.js';
import { repairArea } from './repair-commands.js';
import type { RouteTable } from './routes.js';
import { traceArea } from './trace-commands.js';

/**
 * The `chamber` tool's one route table: every area, its commands, their
 * arguments, options, handlers and help. Usage text and parsing both come
 * from here.
 */
export const chamberRoutes: RouteTable = {
  program: 'chamber',
  summary: 'drive a Chamber simulation from the command line',
  options: {
    json: { type: 'boolean', description: 'print results as JSON, one object per line' },
  },
  areas: {
    clock: clockArea,
    inventory: inventoryArea,
    fault: faultArea,
    repair: repairArea,
    trace: traceArea,
  },
};
