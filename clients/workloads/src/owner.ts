import { keys } from '@chamber/world';

/** The workload repair manager's participant name, and the owner of the workload inputs. */
export const workloadsOwner = 'workload-repair';

/**
 * The workload inputs waiting for their tick: `inputs/workload-repair/<id>`
 * (a WorkloadInput each, with its `pending/<id>` marker).
 */
export const workloadsInbox = keys.inputsOf(workloadsOwner);
