import {
  FaultRecord,
  RepairRecord,
  RepairStatus,
  StepAction,
  faultKindToJSON,
  faultStatusToJSON,
} from '@chamber/protos';
import { enumTypes, fromWire, wordOf } from '@chamber/world';
import type { AreaExtension, Context } from './program.js';

/** The `fault` area: the fault routes of the table, each answer printed in words. */
export const faultArea: AreaExtension = {
  summary: 'faults on the simulated hardware',
  commands: {
    inject: {
      validate: (ctx) => {
        const modes = ['every', 'probability', 'mtbf'].filter((m) => ctx.values[m] !== undefined);
        if (modes.length > 1) {
          return `give at most one of --every, --probability and --mtbf (got ${modes.map((m) => `--${m}`).join(', ')})`;
        }
        if ((ctx.values['mtbf'] === undefined) !== (ctx.values['mttr'] === undefined)) {
          return '--mtbf and --mttr go together';
        }
        return undefined;
      },
      print: (ctx, body) => printFault(ctx, FaultRecord.fromJSON(body)),
    },
    ls: {
      print: (ctx, body) => {
        const list = ((body as { faults?: unknown[] }).faults ?? []).map((f) =>
          FaultRecord.fromJSON(f),
        );
        if (list.length === 0 && !ctx.isJson) ctx.print('(no faults)');
        for (const f of list) printFault(ctx, f);
      },
    },
    get: {
      print: (ctx, body) => {
        const fault = FaultRecord.fromJSON(body);
        printFault(ctx, fault);
        if (ctx.isJson) return;
        for (const t of fault.history) {
          ctx.print(`  tick ${t.tick}: ${wordOf(faultStatusToJSON(t.status))} — ${t.reason}`);
        }
      },
    },
    clear: { print: (ctx, body) => printFault(ctx, FaultRecord.fromJSON(body)) },
    'clear-all': {
      print: (ctx, body) => {
        const { ids = [], effectiveTick = 0 } = body as { ids?: string[]; effectiveTick?: number };
        if (ctx.isJson) ctx.print(JSON.stringify({ ids, effectiveTick }));
        else {
          ctx.print(
            `${ids.length} fault(s) clear at tick ${effectiveTick}${ids.length > 0 ? `: ${ids.join(', ')}` : ''}`,
          );
        }
      },
    },
  },
};

/** `f7-1  power_loss  active since tick 7  r/z/k  (reason; next change at tick 9)`. */
function printFault(ctx: Context, f: FaultRecord): void {
  if (ctx.isJson) {
    ctx.print(JSON.stringify(FaultRecord.toJSON(f)));
    return;
  }
  const kind = fromWire(enumTypes.faultKind, faultKindToJSON(f.kind)) ?? 'unspecified';
  const next = f.nextTick === 0 ? '' : `; next change at tick ${f.nextTick}`;
  ctx.print(
    `${f.id}  ${kind}  ${wordOf(faultStatusToJSON(f.status))} since tick ${f.sinceTick}  ${f.targets.join(', ')}  (${f.reason}${next})`,
  );
}

/** The `repair` area: the repair routes of the table, each answer printed in words. */
export const repairArea: AreaExtension = {
  summary: 'repairs of the simulated hardware',
  commands: {
    ls: {
      print: (ctx, body) => {
        const list = ((body as { repairs?: unknown[] }).repairs ?? []).map((r) =>
          RepairRecord.fromJSON(r),
        );
        if (list.length === 0 && !ctx.isJson) ctx.print('(no repairs)');
        for (const r of list) printRepair(ctx, r);
      },
    },
    get: {
      print: (ctx, body) => {
        const r = RepairRecord.fromJSON(body);
        printRepair(ctx, r);
        if (ctx.isJson) return;
        const steps = r.plan.map(
          (s, i) =>
            `${i === r.currentStep ? '▶ ' : ''}${action(s.action)}${s.maxAttempts > 1 ? ` ×${s.maxAttempts}` : ''}`,
        );
        ctx.print(`  plan: ${steps.join(', ')}`);
        for (const e of r.history) {
          ctx.print(
            `  tick ${e.tick}: ${e.outcome} ${action(e.action)}${e.commandId === '' ? '' : ` (${e.commandId})`} — ${e.reason}`,
          );
        }
      },
    },
  },
};

function action(a: StepAction): string {
  // A plan reads as one word per step: `power-cycle ×2, reimage`.
  return wordOf(StepAction[a]).replaceAll(' ', '-');
}

function printRepair(ctx: Context, r: RepairRecord): void {
  if (ctx.isJson) {
    ctx.print(JSON.stringify(RepairRecord.toJSON(r)));
    return;
  }
  ctx.print(
    `${r.id}  ${r.target}  ${wordOf(RepairStatus[r.status])}  (opened at tick ${r.openedTick}) ${r.reason}`,
  );
}
