import { RepairRecord, RepairStatus, StepAction } from '@chamber/protos';
import { RepairsClient } from '@chamber/repair-client';
import { connectTimeoutMs } from './clock-commands.js';
import { withClient } from './connect.js';
import type { AreaSpec, CommandContext } from './routes.js';
import { oneOf } from './values.js';

/** Where the repair manager listens when neither `--repair` nor `CHAMBER_REPAIR` says otherwise. */
export const defaultRepairAddress = '127.0.0.1:50055';

const statuses: Readonly<Record<string, RepairStatus>> = {
  pending: RepairStatus.REPAIR_STATUS_PENDING,
  running: RepairStatus.REPAIR_STATUS_RUNNING,
  succeeded: RepairStatus.REPAIR_STATUS_SUCCEEDED,
  failed: RepairStatus.REPAIR_STATUS_FAILED,
  escalated: RepairStatus.REPAIR_STATUS_ESCALATED,
};

/** The `repair` area: the inventory repair manager's records, through its Repairs gRPC service. */
export const repairArea: AreaSpec = {
  summary: 'repairs of the simulated hardware (the inventory repair manager, over gRPC)',
  options: {
    repair: {
      type: 'string',
      valueName: 'HOST:PORT',
      env: 'CHAMBER_REPAIR',
      defaultValue: defaultRepairAddress,
      description: "the repair manager's gRPC address",
    },
  },
  commands: {
    ls: {
      summary: 'list repairs, oldest first',
      options: {
        status: {
          type: 'string',
          valueName: 'S',
          parse: oneOf(Object.keys(statuses)),
          description: Object.keys(statuses).join(' | '),
        },
        target: { type: 'string', valueName: 'PATH', description: 'only repairs at or under PATH' },
      },
      run: (ctx) =>
        withRepairs(ctx, async (repairs) => {
          const status = ctx.input.string('status');
          const target = ctx.input.string('target');
          const list = await repairs.list({
            ...(status === undefined ? {} : { statuses: [statuses[status]!] }),
            ...(target === undefined ? {} : { target }),
          });
          if (list.length === 0 && !ctx.input.flag('json')) ctx.print('(no repairs)');
          for (const r of list) printRepair(ctx, r);
        }),
    },
    get: {
      summary: 'show a repair: its plan, current step and every decision with its reason',
      args: [{ name: 'ID', description: 'e.g. r812-1' }],
      run: (ctx) =>
        withRepairs(ctx, async (repairs) => {
          const r = await repairs.get(ctx.input.string('ID') ?? '');
          printRepair(ctx, r);
          if (ctx.input.flag('json')) return;
          ctx.print(
            `  plan: ${r.plan.map((s, i) => `${i === r.currentStep ? '▶ ' : ''}${action(s.action)}${s.maxAttempts > 1 ? ` ×${s.maxAttempts}` : ''}`).join(', ')}`,
          );
          for (const e of r.history) {
            ctx.print(
              `  tick ${e.tick}: ${e.outcome} ${action(e.action)}${e.commandId === '' ? '' : ` (${e.commandId})`} — ${e.reason}`,
            );
          }
        }),
    },
  },
};

function action(a: StepAction): string {
  return (StepAction[a] ?? String(a)).replace('STEP_ACTION_', '').toLowerCase().replace('_', '-');
}

function printRepair(ctx: CommandContext, r: RepairRecord): void {
  if (ctx.input.flag('json')) {
    ctx.print(JSON.stringify(RepairRecord.toJSON(r)));
    return;
  }
  const status = (RepairStatus[r.status] ?? String(r.status))
    .replace('REPAIR_STATUS_', '')
    .toLowerCase();
  ctx.print(`${r.id}  ${r.target}  ${status}  (opened at tick ${r.openedTick}) ${r.reason}`);
}

function withRepairs(
  ctx: CommandContext,
  use: (client: RepairsClient) => Promise<void>,
): Promise<void> {
  return withClient(
    ctx,
    'repair',
    defaultRepairAddress,
    (address) => RepairsClient.connect(address, { timeoutMs: connectTimeoutMs * 10 }),
    use,
  );
}
