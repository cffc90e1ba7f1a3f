import { checkDefinitionSize } from '@chamber/inventory-client';
import { ChamberError, Code } from '@chamber/errors';
import {
  bladeStateToJSON,
  Element,
  elementKindToJSON,
  LoadProgress,
  LoadProgress_State,
  observedStateToJSON,
  pduStateToJSON,
  targetStateToJSON,
  torStateToJSON,
} from '@chamber/protos';
import { elementRoute, type ElementRoute } from '@chamber/api';
import { elementPathGrammar, wordOf } from '@chamber/world';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatElement } from './format.js';
import {
  parserOf,
  printJson,
  type AreaExtension,
  type Context,
  type ExtraOption,
  type RestCall,
} from './program.js';
import { usageError } from './usage.js';
import { callRest, restClient } from './rest.js';

/** What an answer holds: one element (`{element}`) or a list (`{elements}`). */
function printByShape(ctx: Context, body: unknown): void {
  const answer = body as { element?: unknown; elements?: unknown[] };
  if (answer.element !== undefined) printElement(ctx, Element.fromJSON(answer.element));
  else if (Array.isArray(answer.elements))
    printElementList(
      ctx,
      answer.elements.map((e) => Element.fromJSON(e)),
    );
  else printJson(ctx, body);
}

/** The options of the `ls` and `get` shorthands: the table's read query. */
const readOptions: readonly ExtraOption[] = [
  {
    flags: '--view <V>',
    description: 'the view: definition | target | actual | observed (default definition)',
    parse: parserOf({ type: 'string', enum: ['definition', 'target', 'actual', 'observed'] })!,
  },
  {
    flags: '--at <TICK>',
    description: 'show it as it was at this past tick (time travel)',
    parse: parserOf({ type: 'integer', minimum: 0 })!,
  },
];

/** The read query of a shorthand. */
function readQuery(ctx: Context): Record<string, string | number> {
  const at = ctx.options['at'] as number | undefined;
  return {
    view: (ctx.options['view'] as string | undefined) ?? 'definition',
    ...(at === undefined ? {} : { at }),
  };
}

/**
 * The `inventory` area: the inventory routes of the table, each read
 * printed in words; `command` with several targets uses the route's bulk
 * form; `load` reads the file (`--wait` follows it). Two shorthands by
 * element path, each a table read chosen by what the path names: `ls [PATH]`
 * lists the regions or what a region, zone or rack holds, `get PATH` shows
 * any element.
 */
export const inventoryArea: AreaExtension = {
  summary: 'the simulated hardware',
  commands: {
    command: {
      args: {
        target: {
          name: 'TARGET',
          description: 'an element path, or several separated by commas: one command to each',
        },
      },
      run: async (ctx, route) => {
        const input = await route.input(ctx);
        const { target, ...rest } = (input.body ?? {}) as { target?: string };
        const targets = (target ?? '').split(',').filter((t) => t !== '');
        // Several targets: the route's bulk form, one call, every command checked first.
        const body = targets.length > 1 ? { ...rest, targets } : input.body;
        printJson(ctx, await route.call(ctx, { ...input, body }));
      },
    },
    load: {
      args: { fileName: { name: 'FILE', description: 'the YAML definition', isRequired: true } },
      filled: ['source'],
      options: [
        {
          flags: '--wait',
          description: 'wait until it is applied, showing progress (the clock must reach its tick)',
        },
      ],
      run: load,
    },
    target: { print: printByShape },
  },
  composites: {
    ls: {
      summary: 'list the regions, or what a region, zone or rack holds (shorthand)',
      args: [
        {
          name: 'PATH',
          description: 'region[/zone[/rack]]; default: the regions',
          isOptional: true,
        },
      ],
      options: readOptions,
      run: async (ctx) => {
        const text = (ctx.values['path'] as string | undefined) ?? '';
        const route = shorthandRoute(text, 'list');
        const client = await restClient(ctx);
        const body = (
          await callRest(ctx, client, route.operationId, {
            query: { ...route.query, ...readQuery(ctx) },
          })
        ).body as { elements?: unknown[] };
        printElementList(
          ctx,
          (body.elements ?? []).map((e) => Element.fromJSON(e)),
        );
      },
    },
    get: {
      summary:
        'show one element (a region, zone, rack, PDU, TOR, blade or cable) in one view (shorthand)',
      args: [
        { name: 'PATH', description: `e.g. standard/z1/rack3/blade/7; ${elementPathGrammar}` },
      ],
      options: readOptions,
      run: async (ctx) => {
        const route = shorthandRoute(String(ctx.values['path']), 'get');
        const client = await restClient(ctx);
        const body = (
          await callRest(ctx, client, route.operationId, {
            query: { ...route.query, ...readQuery(ctx) },
          })
        ).body;
        printByShape(ctx, body);
      },
    },
  },
};

/** The table's read of a shorthand's PATH (the contract's one converter); a usage error for a bad one. */
function shorthandRoute(text: string, what: 'get' | 'list'): ElementRoute {
  try {
    return elementRoute(text, what);
  } catch (error) {
    throw usageError(
      what === 'list' ? `ls takes region[/zone[/rack]], got "${text}"` : (error as Error).message,
    );
  }
}

function printElementList(ctx: Context, elements: readonly Element[]): void {
  if (ctx.isJson) {
    for (const e of elements) ctx.print(JSON.stringify(Element.toJSON(e)));
    return;
  }
  if (elements.length === 0) ctx.print('(nothing)');
  const width = Math.max(...elements.map((e) => e.path.length));
  for (const e of elements) ctx.print(`${e.path.padEnd(width)}  ${describe(e)}`);
}

function printElement(ctx: Context, element: Element): void {
  if (ctx.isJson) ctx.print(JSON.stringify(Element.toJSON(element)));
  else for (const line of formatElement(element)) ctx.print(line);
}

/** What the element's record says, in one line. */
function describe(e: Element): string {
  const kind = wordOf(elementKindToJSON(e.kind));
  const record = e.bladeActual ?? e.pduActual ?? e.torActual ?? e.observed;
  const state = e.bladeActual
    ? bladeStateToJSON(e.bladeActual.state)
    : e.pduActual
      ? pduStateToJSON(e.pduActual.state)
      : e.torActual
        ? torStateToJSON(e.torActual.state)
        : e.observed && observedStateToJSON(e.observed.state);
  if (record !== undefined && state !== undefined) {
    return `${kind.padEnd(6)} ${wordOf(state).padEnd(9)} since ${record.sinceTick}  ${record.reason}`;
  }
  if (e.target) {
    return `${kind.padEnd(6)} ${wordOf(targetStateToJSON(e.target.state))}, ${e.target.powered ? 'powered' : 'unpowered'}`;
  }
  if (e.region) return `region ${e.region.zones.length} zone(s)`;
  if (e.zone) return `zone   ${e.zone.racks.length} rack(s)`;
  if (e.rack)
    return `rack   ${e.rack.pdus} pdu(s), ${e.rack.tors} tor(s), ${e.rack.blades.length} blade(s)`;
  if (e.device) return `${kind.padEnd(6)} ${e.device.ports} ports`;
  if (e.blade) {
    const c = e.blade.capacity;
    return `blade  ${c?.cores ?? 0} cores, ${c?.memoryGib ?? 0} GiB, ${c?.arch ?? ''}; pdu ${e.blade.power?.device ?? 0} port ${e.blade.power?.port ?? 0}, tor ${e.blade.network?.device ?? 0} port ${e.blade.network?.port ?? 0}`;
  }
  return `${kind.padEnd(6)} (no record in this view)`;
}

/**
 * The definition file named by FILE: its base name and text. One over the
 * definition size limit is refused before it is read, naming both sizes.
 */
async function readDefinition(ctx: Context): Promise<{ name: string; source: string }> {
  const file = (ctx.values['fileName'] as string | undefined) ?? '';
  const name = path.basename(file);
  const fail = (cause: unknown): never => {
    throw new ChamberError(Code.NotFound, `cannot read ${file}: ${(cause as Error).message}`, {
      cause,
    });
  };
  checkDefinitionSize((await stat(file).catch(fail)).size, name);
  return { name, source: await readFile(file, 'utf8').catch(fail) };
}

/** Prints an accepted load, the same over both transports. */
function printLoadStarted(
  ctx: Context,
  name: string,
  res: { loadId: string; effectiveTick: number; blades: number },
): void {
  if (ctx.isJson) {
    ctx.print(
      JSON.stringify({ loadId: res.loadId, effectiveTick: res.effectiveTick, blades: res.blades }),
    );
    return;
  }
  ctx.print(
    `${name}: ${res.blades} blade(s), valid; loads at tick ${res.effectiveTick} (load ${res.loadId})`,
  );
  if (!ctx.options['wait'] === true)
    ctx.print('It takes effect when the clock reaches that tick; add --wait to follow it.');
}

/** A line of a load's progress while it is applied (one JSON object with --json). */
function printProgress(ctx: Context, p: LoadProgress): void {
  if (p.state !== LoadProgress_State.STATE_APPLYING || p.total === 0) return;
  if (ctx.isJson) ctx.print(JSON.stringify({ written: p.written, total: p.total }));
  else
    ctx.print(
      `  applying: ${p.written.toLocaleString('en')} of ${p.total.toLocaleString('en')} writes (${Math.floor((100 * p.written) / p.total)}%)`,
    );
}

/** What a finished load changed. */
function printLoadDone(ctx: Context, done: LoadProgress): void {
  const { effectiveTick, added, updated, removed, unchanged } = done;
  if (ctx.isJson) ctx.print(JSON.stringify({ effectiveTick, added, updated, removed, unchanged }));
  else {
    ctx.print(
      `loaded at tick ${effectiveTick}: ${added} added, ${updated} updated, ${removed} removed, ${unchanged} unchanged`,
    );
  }
}

async function load(ctx: Context, route: RestCall): Promise<void> {
  const { name, source } = await readDefinition(ctx);
  const body = (await route.call(ctx, { body: { fileName: name, source } })) as {
    loadId?: string;
    effectiveTick?: number;
    blades?: number;
  };
  const loadId = body.loadId ?? '';
  printLoadStarted(ctx, name, {
    loadId,
    effectiveTick: Number(body.effectiveTick ?? 0),
    blades: Number(body.blades ?? 0),
  });
  if (ctx.options['wait'] !== true) return;
  // Each call waits on the server until the load is done or 30 s pass.
  const client = await restClient(ctx);
  for (;;) {
    const res = await callRest(ctx, client, 'getLoad', {
      params: { id: loadId },
      query: { timeoutMs: 30_000 },
    });
    const progress = LoadProgress.fromJSON(res.body);
    if (progress.state === LoadProgress_State.STATE_DONE) {
      printLoadDone(ctx, progress);
      return;
    }
    printProgress(ctx, progress);
  }
}
