export { InventoryClient, type DefinitionRequest, type ReadOptions } from './inventory-client.js';
export {
  checkDefinitionSize,
  checkDefinitionSource,
  definitionLimitBytes,
  definitionLimitInWords,
} from './definition-limit.js';
