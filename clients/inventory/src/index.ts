export {
  cablePath,
  isUnder,
  parseElementPath,
  type ElementPath,
  type ElementType,
} from './paths.js';
export { InventoryClient, type ReadOptions } from './inventory-client.js';
