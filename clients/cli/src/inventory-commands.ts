import { ChamberError, Code } from '@chamber/errors';
import { checkDefinitionSize, InventoryClient } from '@chamber/inventory-client';
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
  View,
} from '@chamber/protos';
import { wordOf } from '@chamber/world';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ApiClient } from '@chamber/api';
import { printJson, type AreaExtension, type RestCall } from './api-commands.js';
import { connectTimeoutMs } from './clock-commands.js';
import { addressOption, withClient, type GrpcEndpoint } from './connect.js';
import { formatElement } from './format.js';
import { usageError, type CommandContext, type OptionSpecs } from './routes.js';
import { callRest, restClient, viaOf } from './transport.js';
import { oneOf, wholeNumber } from './values.js';

/** Where the inventory listens when neither `--inventory` nor `CHAMBER_INVENTORY` says otherwise. */
export const defaultInventoryAddress = '127.0.0.1:50052';

/** Where the CLI reaches the inventory over gRPC. */
const inventoryEndpoint: GrpcEndpoint = {
  what: 'the inventory',
  option: 'inventory',
  env: 'CHAMBER_INVENTORY',
  defaultAddress: defaultInventoryAddress,
};

const views: Readonly<Record<string, View>> = {
  definition: View.VIEW_DEFINITION,
  target: View.VIEW_TARGET,
  actual: View.VIEW_ACTUAL,
  observed: View.VIEW_OBSERVED,
};

const readOptions: OptionSpecs = {
  view: {
    type: 'string',
    valueName: 'V',
    parse: oneOf(Object.keys(views)),
    defaultValue: 'definition',
    description: `the view: ${Object.keys(views).join(' | ')}`,
  },
  at: {
    type: 'string',
    valueName: 'TICK',
    parse: wholeNumber(0),
    description: 'show it as it was at this past tick (time travel)',
  },
};

const pathArg = {
  name: 'PATH',
  description: 'region[/zone[/rack]]; default: the regions',
  isOptional: true,
} as const;

/**
 * The `inventory` area: the inventory routes of the table over REST; `load`
 * also straight to the inventory's gRPC service (`--inventory`). Besides the
 * table's commands, two shorthands by element path (see
 * {@link restRouteOfPath}): `ls [PATH]` lists what a region, zone or rack
 * holds, `get PATH` shows any element; over gRPC they call the service's
 * ListElements and GetElement, over REST the matching table route.
 */
export const inventoryArea: AreaExtension = {
  summary: 'the simulated hardware (REST, or the inventory service over gRPC)',
  options: {
    inventory: addressOption(inventoryEndpoint, "the inventory's gRPC address (with --via grpc)"),
  },
  commands: {
    command: {
      args: {
        target: {
          name: 'TARGET',
          description: 'an element path, or several separated by commas: one command to each',
        },
      },
      rest: async (ctx, route) => {
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
      options: {
        wait: {
          type: 'boolean',
          description: 'wait until it is applied, showing progress (the clock must reach its tick)',
        },
      },
      grpc: (ctx) => withInventory(ctx, (inventory) => load(ctx, inventory)),
      rest: loadOverRest,
    },
    ...Object.fromEntries(
      ['regions', 'zones', 'racks', 'pdus', 'tors', 'blades'].map((c) => [
        c,
        { print: printElements },
      ]),
    ),
    ...Object.fromEntries(
      ['region', 'zone', 'rack', 'pdu', 'tor', 'blade', 'cable', 'target'].map((c) => [
        c,
        { print: printElementAt },
      ]),
    ),
  },
  composites: {
    ls: {
      summary: 'list the regions, or what a region, zone or rack holds (shorthand)',
      args: [pathArg],
      options: readOptions,
      run: (ctx) =>
        byTransport(
          ctx,
          (inventory) =>
            inventory
              .listElements(ctx.input.string('PATH') ?? '', readFrom(ctx))
              .then((list) => printElementList(ctx, list)),
          async (client) => {
            const routes = restRouteOfPath(ctx.input.string('PATH') ?? '', 'list');
            const list: Element[] = [];
            for (const { operationId, params } of routes) {
              const body = (await callRest(ctx, client, operationId, { params, query: query(ctx) }))
                .body as { elements?: unknown[] };
              list.push(...(body.elements ?? []).map((e) => Element.fromJSON(e)));
            }
            printElementList(ctx, list);
          },
        ),
    },
    get: {
      summary:
        'show one element (a region, zone, rack, PDU, TOR, blade or cable) in one view (shorthand)',
      args: [{ name: 'PATH', description: 'e.g. standard/z1/rack3/blade/7' }],
      options: readOptions,
      run: (ctx) =>
        byTransport(
          ctx,
          async (inventory) =>
            printElement(
              ctx,
              await inventory.getElement(ctx.input.string('PATH') ?? '', readFrom(ctx)),
            ),
          async (client) => {
            const [route] = restRouteOfPath(ctx.input.string('PATH') ?? '', 'get');
            const body = (
              await callRest(ctx, client, route!.operationId, {
                params: route!.params,
                query: query(ctx),
              })
            ).body as { element?: unknown };
            printElement(ctx, Element.fromJSON(body.element));
          },
        ),
    },
  },
};

/** One table route and its path parameters. */
export interface PathRoute {
  readonly operationId: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * The table routes an element path maps onto, for the `ls` and `get`
 * shorthands. `list`: `''` → listRegions, `r` → listZones, `r/z` →
 * listRacks, `r/z/k` → listPdus, listTors and listBlades (a rack holds all
 * three). `get`: `r` → getRegion, `r/z` → getZone, `r/z/k` → getRack,
 * `r/z/k/pdu|tor|blade/N` → getPdu|getTor|getBlade, `r/z/k/blade/N/power|network`
 * → getCable. Throws a usage error for any other shape.
 */
export function restRouteOfPath(path: string, what: 'list' | 'get'): PathRoute[] {
  const parts = path.split('/').filter((p) => p !== '');
  const [region = '', zone = '', rack = '', device = '', index = '', cable = ''] = parts;
  const names = { region, zone, rack };
  const levels = ['region', 'zone', 'rack'] as const;
  const upTo = (n: number): Record<string, string> =>
    Object.fromEntries(levels.slice(0, n).map((l) => [l, names[l]]));
  if (what === 'list') {
    if (parts.length === 0) return [{ operationId: 'listRegions', params: {} }];
    if (parts.length === 1) return [{ operationId: 'listZones', params: upTo(1) }];
    if (parts.length === 2) return [{ operationId: 'listRacks', params: upTo(2) }];
    if (parts.length === 3) {
      return ['listPdus', 'listTors', 'listBlades'].map((operationId) => ({
        operationId,
        params: upTo(3),
      }));
    }
    throw usageError(`ls takes region[/zone[/rack]], got "${path}"`);
  }
  if (parts.length >= 1 && parts.length <= 3) {
    const id = ['getRegion', 'getZone', 'getRack'][parts.length - 1]!;
    return [{ operationId: id, params: upTo(parts.length) }];
  }
  const getDevice: Readonly<Record<string, string>> = {
    pdu: 'getPdu',
    tor: 'getTor',
    blade: 'getBlade',
  };
  const isIndex = /^\d+$/.test(index);
  if (parts.length === 5 && getDevice[device] !== undefined && isIndex) {
    return [{ operationId: getDevice[device], params: { ...upTo(3), index } }];
  }
  if (parts.length === 6 && device === 'blade' && isIndex && ['power', 'network'].includes(cable)) {
    return [{ operationId: 'getCable', params: { ...upTo(3), index, cable } }];
  }
  throw usageError(
    `"${path}" is not an element path: region[/zone[/rack[/pdu|tor|blade/N[/power|network]]]]`,
  );
}

/** The view and tick query of a REST inventory read. */
function query(ctx: CommandContext): Record<string, string | number> {
  const at = ctx.input.number('at');
  return { view: ctx.input.string('view') ?? 'definition', ...(at === undefined ? {} : { at }) };
}

/** Runs the gRPC or the REST half of a shorthand, as the transport says. */
async function byTransport(
  ctx: CommandContext,
  grpc: (inventory: InventoryClient) => Promise<void>,
  rest: (client: ApiClient) => Promise<void>,
): Promise<void> {
  if ((await viaOf(ctx, true)) === 'grpc') return withInventory(ctx, grpc);
  return rest(await restClient(ctx));
}

function printElementList(ctx: CommandContext, elements: readonly Element[]): void {
  if (ctx.input.flag('json')) {
    for (const e of elements) ctx.print(JSON.stringify(Element.toJSON(e)));
    return;
  }
  if (elements.length === 0) ctx.print('(nothing)');
  const width = Math.max(...elements.map((e) => e.path.length));
  for (const e of elements) ctx.print(`${e.path.padEnd(width)}  ${describe(e)}`);
}

function printElement(ctx: CommandContext, element: Element): void {
  if (ctx.input.flag('json')) ctx.print(JSON.stringify(Element.toJSON(element)));
  else for (const line of formatElement(element)) ctx.print(line);
}

function printElements(ctx: CommandContext, body: unknown): void {
  const list = (body as { elements?: unknown[] }).elements ?? [];
  printElementList(
    ctx,
    list.map((e) => Element.fromJSON(e)),
  );
}

function printElementAt(ctx: CommandContext, body: unknown): void {
  printElement(ctx, Element.fromJSON((body as { element?: unknown }).element));
}

function readFrom(ctx: CommandContext): { view: View; asOfTick?: number } {
  const at = ctx.input.number('at');
  return {
    view: views[ctx.input.string('view') ?? 'definition']!,
    ...(at === undefined ? {} : { asOfTick: at }),
  };
}

/** What the element's record says, in one line. */
function describe(e: Element): string {
  const kind = wordOf(elementKindToJSON(e.kind));
  const state = (s: string, since: number, reason: string): string =>
    `${kind.padEnd(6)} ${s.padEnd(9)} since ${since}  ${reason}`;
  if (e.bladeActual) {
    const a = e.bladeActual;
    return state(wordOf(bladeStateToJSON(a.state)), a.sinceTick, a.reason);
  }
  if (e.pduActual)
    return state(
      wordOf(pduStateToJSON(e.pduActual.state)),
      e.pduActual.sinceTick,
      e.pduActual.reason,
    );
  if (e.torActual)
    return state(
      wordOf(torStateToJSON(e.torActual.state)),
      e.torActual.sinceTick,
      e.torActual.reason,
    );
  if (e.observed) {
    return state(
      wordOf(observedStateToJSON(e.observed.state)),
      e.observed.sinceTick,
      e.observed.reason,
    );
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
async function readDefinition(ctx: CommandContext): Promise<{ name: string; source: string }> {
  const file = ctx.input.string('FILE') ?? '';
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
  ctx: CommandContext,
  name: string,
  res: { loadId: string; effectiveTick: number; blades: number },
): void {
  if (ctx.input.flag('json')) {
    ctx.print(
      JSON.stringify({ loadId: res.loadId, effectiveTick: res.effectiveTick, blades: res.blades }),
    );
    return;
  }
  ctx.print(
    `${name}: ${res.blades} blade(s), valid; loads at tick ${res.effectiveTick} (load ${res.loadId})`,
  );
  if (!ctx.input.flag('wait'))
    ctx.print('It takes effect when the clock reaches that tick; add --wait to follow it.');
}

async function loadOverRest(ctx: CommandContext, route: RestCall): Promise<void> {
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
  if (!ctx.input.flag('wait')) return;
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

async function load(ctx: CommandContext, inventory: InventoryClient): Promise<void> {
  const { name, source } = await readDefinition(ctx);
  const res = await inventory.loadDefinition(source, name);
  printLoadStarted(ctx, name, res);
  if (!ctx.input.flag('wait')) return;
  const done = await inventory.watchLoad(res.loadId, (p) => printProgress(ctx, p));
  printLoadDone(ctx, done);
}

/** A line of a load's progress while it is applied (one JSON object with --json). */
function printProgress(ctx: CommandContext, p: LoadProgress): void {
  if (p.state !== LoadProgress_State.STATE_APPLYING || p.total === 0) return;
  if (ctx.input.flag('json')) ctx.print(JSON.stringify({ written: p.written, total: p.total }));
  else
    ctx.print(
      `  applying: ${p.written.toLocaleString('en')} of ${p.total.toLocaleString('en')} writes (${Math.floor((100 * p.written) / p.total)}%)`,
    );
}

/** What a finished load changed. */
function printLoadDone(ctx: CommandContext, done: LoadProgress): void {
  if (ctx.input.flag('json')) ctx.print(JSON.stringify(progressJson(done)));
  else
    ctx.print(
      `loaded at tick ${done.effectiveTick}: ${done.added} added, ${done.updated} updated, ${done.removed} removed, ${done.unchanged} unchanged`,
    );
}

function progressJson(p: LoadProgress): object {
  return {
    effectiveTick: p.effectiveTick,
    added: p.added,
    updated: p.updated,
    removed: p.removed,
    unchanged: p.unchanged,
  };
}

function withInventory(
  ctx: CommandContext,
  use: (client: InventoryClient) => Promise<void>,
): Promise<void> {
  return withClient(
    ctx,
    inventoryEndpoint,
    (address) => InventoryClient.connect(address, { timeoutMs: connectTimeoutMs * 10 }),
    use,
  );
}
