import { RepairRecord, RepairStatus, StepAction, repairStatusFromJSON } from '@chamber/protos';
import { wordOf } from '@chamber/world';
import { RepairsClient } from '@chamber/repair-client';
import { connectTimeoutMs } from './clock-commands.js';
import { addressOption, withClient, type GrpcEndpoint } from './connect.js';
import type { AreaExtension } from './api-commands.js';
import type { CommandContext } from './routes.js';

/** Where the repair manager listens when neither `--repair` nor `CHAMBER_REPAIR` says otherwise. */
export const defaultRepairAddress = '127.0.0.1:50055';

/** Where the CLI reaches the repair manager over gRPC. */
const repairEndpoint: GrpcEndpoint = {
  what: 'the repair manager',
  option: 'repair',
  env: 'CHAMBER_REPAIR',
  defaultAddress: defaultRepairAddress,
};

/**
 * The `repair` area: the repair routes of the table, over REST or straight
 * to the inventory repair manager's gRPC Repairs service (`--repair`).
 */
export const repairArea: AreaExtension = {
  summary: 'repairs of the simulated hardware (REST, or the inventory repair manager over gRPC)',
  options: {
    repair: addressOption(repairEndpoint, "the repair manager's gRPC address (with --via grpc)"),
  },
  commands: {
    ls: {
      grpc: (ctx) =>
        withRepairs(ctx, async (repairs) => {
          const status = ctx.input.string('status');
          const target = ctx.input.string('target');
          const list = await repairs.list({
            ...(status === undefined
              ? {}
              : { statuses: [repairStatusFromJSON(`REPAIR_STATUS_${status.toUpperCase()}`)] }),
            ...(target === undefined ? {} : { target }),
          });
          printRepairs(ctx, list);
        }),
      print: (ctx, body) =>
        printRepairs(
          ctx,
          ((body as { repairs?: unknown[] }).repairs ?? []).map((r) => RepairRecord.fromJSON(r)),
        ),
    },
    get: {
      grpc: (ctx) =>
        withRepairs(ctx, async (repairs) =>
          printRepairDetail(ctx, await repairs.get(ctx.input.string('ID') ?? '')),
        ),
      print: (ctx, body) => printRepairDetail(ctx, RepairRecord.fromJSON(body)),
    },
  },
};

function printRepairs(ctx: CommandContext, list: readonly RepairRecord[]): void {
  if (list.length === 0 && !ctx.input.flag('json')) ctx.print('(no repairs)');
  for (const r of list) printRepair(ctx, r);
}

function printRepairDetail(ctx: CommandContext, r: RepairRecord): void {
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
}

function action(a: StepAction): string {
  // A plan reads as one word per step: `power-cycle ×2, reimage`.
  return wordOf(StepAction[a]).replaceAll(' ', '-');
}

function printRepair(ctx: CommandContext, r: RepairRecord): void {
  if (ctx.input.flag('json')) {
    ctx.print(JSON.stringify(RepairRecord.toJSON(r)));
    return;
  }
  const status = wordOf(RepairStatus[r.status]);
  ctx.print(`${r.id}  ${r.target}  ${status}  (opened at tick ${r.openedTick}) ${r.reason}`);
}

function withRepairs(
  ctx: CommandContext,
  use: (client: RepairsClient) => Promise<void>,
): Promise<void> {
  return withClient(
    ctx,
    repairEndpoint,
    (address) => RepairsClient.connect(address, { timeoutMs: connectTimeoutMs * 10 }),
    use,
  );
}
