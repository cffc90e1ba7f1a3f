export type {
  Blade,
  BootInfo,
  Capacity,
  Definition,
  Device,
  PortRef,
  Rack,
  Region,
  Zone,
} from './domain/definition/model.js';
export { DefinitionError, parseDefinition, type ParseResult } from './domain/definition/parse.js';
export { loadDefinitionFile } from './definitions.js';
export { limits } from './domain/definition/schema.js';
export {
  definitionRecords,
  diffDefinition,
  type DefinitionChanges,
} from './domain/definition/records.js';
export {
  applyDefinitionLoads,
  definitionLoadViews,
  type AppliedLoads,
  type LoadOptions,
} from './domain/loads.js';
export { inventoryParticipant } from './domain/inputs.js';
export { submitDefinitionLoad, type SubmittedLoad } from './definition-loads.js';
export { createInventoryService, type InventoryDeps } from './app.js';
export { DefinitionParser } from './definition-parser.js';
export type { Parse, ParsedRecords, ParseRequest } from './domain/definition/parsed.js';
export {
  definitionFile,
  inventorySchema,
  loadInventoryConfig,
  samplesDir,
  type InventoryConfig,
} from './config.js';
