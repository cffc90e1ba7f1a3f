import { FaultsClient } from '@chamber/faults-client';
import {
  FaultRecord,
  type FaultStatus,
  faultKindFromJSON,
  faultKindToJSON,
  faultStatusFromJSON,
  faultStatusToJSON,
  type Schedule,
} from '@chamber/protos';
import { enumTypes, fromWire, wordOf } from '@chamber/world';
import type { AreaExtension } from './api-commands.js';
import { connectTimeoutMs } from './clock-commands.js';
import { addressOption, withClient, type GrpcEndpoint } from './connect.js';
import type { CommandContext } from './routes.js';

/** Where the faults service listens when neither `--faults` nor `CHAMBER_FAULTS` says otherwise. */
export const defaultFaultsAddress = '127.0.0.1:50053';

/** Where the CLI reaches the faults service over gRPC. */
const faultsEndpoint: GrpcEndpoint = {
  what: 'the faults service',
  option: 'faults',
  env: 'CHAMBER_FAULTS',
  defaultAddress: defaultFaultsAddress,
};

/**
 * The `fault` area: the fault routes of the table, over REST or straight to
 * the fault injector's gRPC Faults service (`--faults`).
 */
export const faultArea: AreaExtension = {
  summary: 'faults on the simulated hardware (REST, or the fault injector over gRPC)',
  options: {
    faults: addressOption(faultsEndpoint, "the faults service's gRPC address (with --via grpc)"),
  },
  commands: {
    inject: {
      validate: (input) => {
        const modes = ['every', 'probability', 'mtbf'].filter((m) => input.number(m) !== undefined);
        if (modes.length > 1)
          return `give at most one of --every, --probability and --mtbf (got ${modes.map((m) => `--${m}`).join(', ')})`;
        if ((input.number('mtbf') === undefined) !== (input.number('mttr') === undefined))
          return '--mtbf and --mttr go together';
        return undefined;
      },
      grpc: (ctx) =>
        withFaults(ctx, async (faults) => {
          const schedule: Schedule = {};
          const n = (name: string): number | undefined => ctx.input.number(name);
          if (n('at') !== undefined) schedule.at = n('at');
          if (n('for') !== undefined) schedule.duration = n('for');
          if (n('every') !== undefined) schedule.every = n('every');
          if (n('probability') !== undefined) schedule.probability = n('probability');
          if (n('mtbf') !== undefined) schedule.mtbf = n('mtbf');
          if (n('mttr') !== undefined) schedule.mttr = n('mttr');
          const targets = (ctx.input.string('target') ?? '').split(',');
          const fault = await faults.inject(
            faultKindFromJSON(`FAULT_KIND_${(ctx.input.string('kind') ?? '').toUpperCase()}`),
            targets,
            schedule,
            'cli',
          );
          printFault(ctx, fault);
        }),
      print: (ctx, body) => printFault(ctx, FaultRecord.fromJSON(body)),
    },
    ls: {
      grpc: (ctx) =>
        withFaults(ctx, async (faults) => {
          const status = ctx.input.string('status');
          const kind = ctx.input.string('kind');
          const target = ctx.input.string('target');
          const list = await faults.list({
            ...(status === undefined
              ? {}
              : { statuses: [faultStatusFromJSON(`FAULT_STATUS_${status.toUpperCase()}`)] }),
            ...(kind === undefined
              ? {}
              : { kinds: [faultKindFromJSON(`FAULT_KIND_${kind.toUpperCase()}`)] }),
            ...(target === undefined ? {} : { target }),
          });
          printFaults(ctx, list);
        }),
      print: (ctx, body) =>
        printFaults(
          ctx,
          ((body as { faults?: unknown[] }).faults ?? []).map((f) => FaultRecord.fromJSON(f)),
        ),
    },
    get: {
      grpc: (ctx) =>
        withFaults(ctx, async (faults) =>
          printFaultHistory(ctx, await faults.get(ctx.input.string('ID') ?? '')),
        ),
      print: (ctx, body) => printFaultHistory(ctx, FaultRecord.fromJSON(body)),
    },
    clear: {
      grpc: (ctx) =>
        withFaults(ctx, async (faults) =>
          printFault(ctx, await faults.clear(ctx.input.string('ID') ?? '', 'cli')),
        ),
      print: (ctx, body) => printFault(ctx, FaultRecord.fromJSON(body)),
    },
    'clear-all': {
      grpc: (ctx) =>
        withFaults(ctx, async (faults) => printCleared(ctx, await faults.clearAll('cli'))),
      print: (ctx, body) => {
        const res = body as { ids?: string[]; effectiveTick?: number };
        printCleared(ctx, { ids: res.ids ?? [], effectiveTick: res.effectiveTick ?? 0 });
      },
    },
  },
};

function printFaults(ctx: CommandContext, list: readonly FaultRecord[]): void {
  if (list.length === 0 && !ctx.input.flag('json')) ctx.print('(no faults)');
  for (const f of list) printFault(ctx, f);
}

function printFaultHistory(ctx: CommandContext, fault: FaultRecord): void {
  printFault(ctx, fault);
  if (ctx.input.flag('json')) return;
  for (const t of fault.history)
    ctx.print(`  tick ${t.tick}: ${statusWord(t.status)} — ${t.reason}`);
}

function printCleared(
  ctx: CommandContext,
  res: { readonly ids: readonly string[]; readonly effectiveTick: number },
): void {
  if (ctx.input.flag('json'))
    ctx.print(JSON.stringify({ ids: res.ids, effectiveTick: res.effectiveTick }));
  else
    ctx.print(
      `${res.ids.length} fault(s) clear at tick ${res.effectiveTick}${res.ids.length > 0 ? `: ${res.ids.join(', ')}` : ''}`,
    );
}

function statusWord(status: FaultStatus): string {
  return wordOf(faultStatusToJSON(status));
}

function printFault(ctx: CommandContext, f: FaultRecord): void {
  if (ctx.input.flag('json')) {
    ctx.print(JSON.stringify(FaultRecord.toJSON(f)));
    return;
  }
  const next = f.nextTick === 0 ? '' : `; next change at tick ${f.nextTick}`;
  ctx.print(
    `${f.id}  ${fromWire(enumTypes.faultKind, faultKindToJSON(f.kind))}  ${statusWord(f.status)} since tick ${f.sinceTick}  ${f.targets.join(', ')}  (${f.reason}${next})`,
  );
}

function withFaults(
  ctx: CommandContext,
  use: (client: FaultsClient) => Promise<void>,
): Promise<void> {
  return withClient(
    ctx,
    faultsEndpoint,
    (address) => FaultsClient.connect(address, { timeoutMs: connectTimeoutMs * 10 }),
    use,
  );
}
