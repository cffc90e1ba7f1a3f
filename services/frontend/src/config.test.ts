import { describe, expect, it } from 'vitest';
import { loadFrontendConfig } from './config.js';

describe('the frontend config', () => {
  it('finds the workload repair manager and the scheduler on their default ports, or where CHAMBER_FRONTEND_WORKLOADS and _SCHEDULER say', () => {
    expect(loadFrontendConfig({ env: {} }).services).toMatchObject({
      workloads: '127.0.0.1:50057',
      scheduler: '127.0.0.1:50056',
    });
    const moved = loadFrontendConfig({
      env: {
        CHAMBER_FRONTEND_WORKLOADS: '10.0.0.7:6057',
        CHAMBER_FRONTEND_SCHEDULER: '10.0.0.7:6056',
      },
    });
    expect(moved.services).toMatchObject({
      workloads: '10.0.0.7:6057',
      scheduler: '10.0.0.7:6056',
    });
  });
});
