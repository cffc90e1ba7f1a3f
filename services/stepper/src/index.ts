export { createStepperService, type StepperDeps, type StepperService } from './app.js';
export { loadStepperConfig, stepperSchema, type StepperConfig } from './config.js';
