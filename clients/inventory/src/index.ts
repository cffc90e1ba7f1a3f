export {
  cablePath,
  isUnder,
  parseElementPath,
  type ElementPath,
  type ElementType,
} from './paths.js';
export { InventoryClient, type ReadOptions } from './inventory-client.js';
export {
  checkDefinitionSize,
  checkDefinitionSource,
  definitionLimitBytes,
  definitionLimitInWords,
} from './definition-limit.js';
