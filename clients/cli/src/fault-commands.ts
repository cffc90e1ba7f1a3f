import { FaultsClient, kindName } from '@chamber/faults-client';
import { FaultKind, FaultRecord, FaultStatus, type Schedule } from '@chamber/protos';
import { connectTimeoutMs } from './clock-commands.js';
import { withClient } from './connect.js';
import { usageError, type AreaSpec, type CommandContext } from './routes.js';
import { oneOf, positiveNumber, wholeNumber } from './values.js';

/** Where the faults service listens when neither `--faults` nor `CHAMBER_FAULTS` says otherwise. */
export const defaultFaultsAddress = '127.0.0.1:50053';

const kinds: Readonly<Record<string, FaultKind>> = Object.fromEntries(
  [
    FaultKind.FAULT_KIND_POWER_LOSS,
    FaultKind.FAULT_KIND_NETWORK_LOSS,
    FaultKind.FAULT_KIND_CRASH,
    FaultKind.FAULT_KIND_HANG,
    FaultKind.FAULT_KIND_STUCK_CABLE,
    FaultKind.FAULT_KIND_HARDWARE_FAILURE,
  ].map((k) => [kindName(k), k]),
);

const statuses: Readonly<Record<string, FaultStatus>> = {
  scheduled: FaultStatus.FAULT_STATUS_SCHEDULED,
  active: FaultStatus.FAULT_STATUS_ACTIVE,
  cleared: FaultStatus.FAULT_STATUS_CLEARED,
};

const probability = (text: string, label: string): number => {
  const value = positiveNumber(text, label) as number;
  if (value > 1) throw usageError(`${label} must be above 0 and at most 1, got "${text}"`);
  return value;
};

/** The `fault` area: injects, lists and clears faults through the Faults gRPC service. */
export const faultArea: AreaSpec = {
  summary: 'faults on the simulated hardware (the fault injector, over gRPC)',
  options: {
    faults: {
      type: 'string',
      valueName: 'HOST:PORT',
      env: 'CHAMBER_FAULTS',
      defaultValue: defaultFaultsAddress,
      description: "the faults service's gRPC address",
    },
  },
  commands: {
    inject: {
      summary: 'inject a fault; it takes effect at the next tick at the earliest',
      options: {
        target: {
          type: 'string',
          valueName: 'PATH[,PATH…]',
          description: 'what it hits: a PDU, TOR, blade or cable, or a whole rack, zone or region',
          requiredBecause: 'a fault needs a target: --target PATH',
        },
        kind: {
          type: 'string',
          valueName: 'K',
          parse: oneOf(Object.keys(kinds)),
          description: Object.keys(kinds).join(' | '),
          requiredBecause: `a fault needs a kind: --kind ${Object.keys(kinds).join('|')}`,
        },
        at: {
          type: 'string',
          valueName: 'T',
          parse: wholeNumber(0),
          description: 'first tick (default: the next)',
        },
        for: {
          type: 'string',
          valueName: 'N',
          parse: wholeNumber(1),
          description: 'each occurrence lasts N ticks',
        },
        every: {
          type: 'string',
          valueName: 'N',
          parse: wholeNumber(1),
          description: 'recur every N ticks',
        },
        probability: {
          type: 'string',
          valueName: 'P',
          parse: probability,
          description: 'occur at each tick with probability P (seeded)',
        },
        mtbf: {
          type: 'string',
          valueName: 'M',
          parse: positiveNumber,
          description: 'each target fails after a mean of M ticks up (seeded; needs --mttr)',
        },
        mttr: {
          type: 'string',
          valueName: 'R',
          parse: positiveNumber,
          description: 'and recovers after a mean of R ticks down',
        },
      },
      validate: (input) => {
        const modes = ['every', 'probability', 'mtbf'].filter((m) => input.number(m) !== undefined);
        if (modes.length > 1)
          return `give at most one of --every, --probability and --mtbf (got ${modes.map((m) => `--${m}`).join(', ')})`;
        if ((input.number('mtbf') === undefined) !== (input.number('mttr') === undefined))
          return '--mtbf and --mttr go together';
        return undefined;
      },
      run: (ctx) =>
        withFaults(ctx, async (faults) => {
          const schedule: Schedule = {};
          const n = (name: string): number | undefined => ctx.input.number(name);
          if (n('at') !== undefined) schedule.at = n('at');
          if (n('for') !== undefined) schedule.duration = n('for');
          if (n('every') !== undefined) schedule.every = n('every');
          if (n('probability') !== undefined) schedule.probability = n('probability');
          if (n('mtbf') !== undefined) schedule.mtbf = n('mtbf');
          if (n('mttr') !== undefined) schedule.mttr = n('mttr');
          const targets = (ctx.input.string('target') ?? '')
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== '');
          const fault = await faults.inject(
            kinds[ctx.input.string('kind') ?? '']!,
            targets,
            schedule,
            'cli',
          );
          printFault(ctx, fault);
        }),
    },
    ls: {
      summary: 'list faults, oldest first',
      options: {
        status: {
          type: 'string',
          valueName: 'S',
          parse: oneOf(Object.keys(statuses)),
          description: Object.keys(statuses).join(' | '),
        },
        kind: {
          type: 'string',
          valueName: 'K',
          parse: oneOf(Object.keys(kinds)),
          description: 'only this kind',
        },
        target: {
          type: 'string',
          valueName: 'PATH',
          description: 'only faults on, under or above PATH',
        },
      },
      run: (ctx) =>
        withFaults(ctx, async (faults) => {
          const status = ctx.input.string('status');
          const kind = ctx.input.string('kind');
          const target = ctx.input.string('target');
          const list = await faults.list({
            ...(status === undefined ? {} : { statuses: [statuses[status]!] }),
            ...(kind === undefined ? {} : { kinds: [kinds[kind]!] }),
            ...(target === undefined ? {} : { target }),
          });
          if (list.length === 0 && !ctx.input.flag('json')) ctx.print('(no faults)');
          for (const f of list) printFault(ctx, f);
        }),
    },
    get: {
      summary: 'show a fault and its history',
      args: [{ name: 'ID', description: 'e.g. f12-1' }],
      run: (ctx) =>
        withFaults(ctx, async (faults) => {
          const fault = await faults.get(ctx.input.string('ID') ?? '');
          printFault(ctx, fault);
          if (ctx.input.flag('json')) return;
          for (const t of fault.history)
            ctx.print(`  tick ${t.tick}: ${statusWord(t.status)} — ${t.reason}`);
        }),
    },
    clear: {
      summary: 'clear a fault at the next tick',
      args: [{ name: 'ID', description: 'e.g. f12-1' }],
      run: (ctx) =>
        withFaults(ctx, async (faults) =>
          printFault(ctx, await faults.clear(ctx.input.string('ID') ?? '', 'cli')),
        ),
    },
    'clear-all': {
      summary: 'clear every fault not cleared yet, at the next tick',
      run: (ctx) =>
        withFaults(ctx, async (faults) => {
          const res = await faults.clearAll('cli');
          if (ctx.input.flag('json')) ctx.print(JSON.stringify(res));
          else
            ctx.print(
              `${res.ids.length} fault(s) clear at tick ${res.effectiveTick}${res.ids.length > 0 ? `: ${res.ids.join(', ')}` : ''}`,
            );
        }),
    },
  },
};

function statusWord(status: FaultStatus): string {
  return (FaultStatus[status] ?? String(status)).replace('FAULT_STATUS_', '').toLowerCase();
}

function printFault(ctx: CommandContext, f: FaultRecord): void {
  if (ctx.input.flag('json')) {
    ctx.print(JSON.stringify(FaultRecord.toJSON(f)));
    return;
  }
  const next = f.nextTick === 0 ? '' : `; next change at tick ${f.nextTick}`;
  ctx.print(
    `${f.id}  ${kindName(f.kind)}  ${statusWord(f.status)} since tick ${f.sinceTick}  ${f.targets.join(', ')}  (${f.reason}${next})`,
  );
}

function withFaults(
  ctx: CommandContext,
  use: (client: FaultsClient) => Promise<void>,
): Promise<void> {
  return withClient(
    ctx,
    'faults',
    defaultFaultsAddress,
    (address) => FaultsClient.connect(address, { timeoutMs: connectTimeoutMs * 10 }),
    use,
  );
}
