import {
  FaultRecord,
  RepairRecord,
  RepairStatus,
  StepAction,
  faultKindToJSON,
  faultStatusToJSON,
} from '@chamber/protos';
import { enumTypes, fromWire, wordOf } from '@chamber/world';
import { show, type AreaExtension, type Context } from './program.js';

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
    ls: { print: printList('faults', (ctx, f) => printFault(ctx, FaultRecord.fromJSON(f))) },
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
        const which = ids.length > 0 ? `: ${ids.join(', ')}` : '';
        show(
          ctx,
          { ids, effectiveTick },
          `${ids.length} fault(s) clear at tick ${effectiveTick}${which}`,
        );
      },
    },
  },
};

/** `f7-1  power_loss  active since tick 7  r/z/k  (reason; next change at tick 9)`. */
function printFault(ctx: Context, f: FaultRecord): void {
  const kind = fromWire(enumTypes.faultKind, faultKindToJSON(f.kind)) ?? 'unspecified';
  const next = f.nextTick === 0 ? '' : `; next change at tick ${f.nextTick}`;
  show(
    ctx,
    FaultRecord.toJSON(f),
    `${f.id}  ${kind}  ${wordOf(faultStatusToJSON(f.status))} since tick ${f.sinceTick}  ${f.targets.join(', ')}  (${f.reason}${next})`,
  );
}

/** Prints the list under `key` of an answer (`faults`), each with `printOne`; `(no faults)` for none. */
function printList(key: string, printOne: (ctx: Context, item: unknown) => void) {
  return (ctx: Context, body: unknown): void => {
    const list = (body as Record<string, unknown[] | undefined>)[key] ?? [];
    if (list.length === 0 && !ctx.isJson) ctx.print(`(no ${key})`);
    for (const item of list) printOne(ctx, item);
  };
}

/** The `repair` area: the repair routes of the table, each answer printed in words. */
export const repairArea: AreaExtension = {
  summary: 'repairs of the simulated hardware',
  commands: {
    ls: { print: printList('repairs', (ctx, r) => printRepair(ctx, RepairRecord.fromJSON(r))) },
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
  show(
    ctx,
    RepairRecord.toJSON(r),
    `${r.id}  ${r.target}  ${wordOf(RepairStatus[r.status])}  (opened at tick ${r.openedTick}) ${r.reason}`,
  );
}
