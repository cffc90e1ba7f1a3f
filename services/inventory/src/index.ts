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
export { loadDefinitionFile } from './domain/definition/load.js';
export { limits } from './domain/definition/schema.js';
export {
  definitionPrefix,
  definitionRecords,
  diffDefinition,
  type DefinitionChanges,
} from './domain/definition/records.js';
export {
  applyDefinitionLoads,
  definitionInputsPrefix,
  definitionLoadViews,
  inventoryParticipant,
  submitDefinitionLoad,
  type AppliedLoads,
  type SubmittedLoad,
} from './definition-loads.js';
export { createInventoryService, type InventoryDeps } from './app.js';
export { DefinitionParser, type ParsedRecords, type ParseRequest } from './definition-parser.js';
export {
  definitionFile,
  inventorySchema,
  loadInventoryConfig,
  samplesDir,
  type InventoryConfig,
} from './config.js';
export { inventoryKeys } from './simulator.js';
