import { ChamberError, Code } from '@chamber/errors';
import { checkAddress, reachable, unaryCaller, type BoundCall } from '@chamber/grpc';
import {
  InventoryClient as GrpcInventoryClient,
  View,
  type CommandAction,
  type CommandRecord,
  type CommandStatus,
  type Element,
  type DefinitionSource,
  type GetDefinitionSourceResponse,
  type LoadDefinitionRequest,
  type LoadDefinitionResponse,
  type PlanDefinitionResponse,
  type GetSummaryResponse,
  type ListElementsResponse,
  type GetElementResponse,
  type ListStatesResponse,
  type SetTargetResponse,
  type IssueCommandResponse,
  type IssueCommandsResponse,
  type GetCommandResponse,
  type ListCommandsResponse,
  type LoadProgress,
  type Summary,
  type TargetState,
} from '@chamber/protos';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { checkDefinitionSource } from './definition-limit.js';

/** A definition to load or plan: its text and file name, or a sample shipped with the inventory. */
export type DefinitionRequest =
  { readonly source: string; readonly fileName: string } | { readonly sample: string };

/** The request for `definition`; a source over the size limit is refused here, unsent. */
function loadRequest(definition: DefinitionRequest): LoadDefinitionRequest {
  if ('sample' in definition) return { source: '', fileName: '', sample: definition.sample };
  checkDefinitionSource(definition.source, definition.fileName);
  return { ...definition, sample: '' };
}

/** Where and when to read: a view (default `definition`) and a past tick (time travel). */
export interface ReadOptions {
  readonly view?: View;
  readonly asOfTick?: number;
}

/**
 * A typed client of `chamber.inventory.v1.Inventory`. Methods reject with a
 * ChamberError carrying the service's code and message; `Unavailable` when
 * the inventory cannot be reached.
 */
export class InventoryClient {
  readonly address: string;
  private readonly grpc: GrpcInventoryClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.call = unaryCaller('inventory', address, timeoutMs);
    this.grpc = new GrpcInventoryClient(address, credentials.createInsecure());
  }

  /** A client of the inventory at `host:port` (no I/O until the first call). */
  static connect(address: string, options: { timeoutMs?: number } = {}): InventoryClient {
    checkAddress('inventory', address, '127.0.0.1:50052');
    return new InventoryClient(address, options.timeoutMs ?? 30_000);
  }

  /**
   * Submits a definition for the next tick; `InvalidArgument` lists every
   * error as file:line:col. One over `definitionLimitBytes` is refused
   * here, without sending it.
   */
  async loadDefinition(source: string, fileName: string): Promise<LoadDefinitionResponse> {
    return this.load({ source, fileName });
  }

  /** Submits a sample shipped with the inventory (`small`, `standard`, `large`) for the next tick. */
  loadSample(sample: string): Promise<LoadDefinitionResponse> {
    return this.load({ sample });
  }

  /**
   * What loading `definition` now would change in the definition view,
   * refused as a load would be; nothing is written.
   */
  planDefinition(definition: DefinitionRequest): Promise<PlanDefinitionResponse> {
    return this.call((md, o, cb) => this.grpc.planDefinition(loadRequest(definition), md, o, cb));
  }

  private async load(definition: DefinitionRequest): Promise<LoadDefinitionResponse> {
    return this.call((md, o, cb) => this.grpc.loadDefinition(loadRequest(definition), md, o, cb));
  }

  /**
   * Resolves with a load's final progress once it is applied, reporting each
   * step to `onProgress`; rejects `Cancelled` when `signal` aborts first.
   */
  watchLoad(
    loadId: string,
    onProgress?: (p: LoadProgress) => void,
    options: { signal?: AbortSignal } = {},
  ): Promise<LoadProgress> {
    return new Promise((resolve, reject) => {
      let last: LoadProgress | undefined;
      const stream = this.grpc.watchLoad({ loadId });
      const { signal } = options;
      const stop = (): void => {
        stream.removeAllListeners();
        stream.on('error', () => undefined);
        stream.cancel();
        reject(new ChamberError(Code.Cancelled, `stopped following load ${loadId}`));
      };
      if (signal?.aborted === true) return stop();
      signal?.addEventListener('abort', stop, { once: true });
      stream.on('close', () => signal?.removeEventListener('abort', stop));
      stream.on('data', (res: { progress?: LoadProgress }) => {
        if (res.progress === undefined) return;
        last = res.progress;
        onProgress?.(res.progress);
      });
      stream.on('error', (error: ServiceError) =>
        reject(reachable('inventory', this.address, error)),
      );
      stream.on('end', () =>
        last === undefined
          ? reject(
              new ChamberError(Code.Unknown, `load ${loadId}: the stream ended without progress`),
            )
          : resolve(last),
      );
    });
  }

  async getSummary(options: ReadOptions = {}): Promise<Summary> {
    const res = await this.call<GetSummaryResponse>((md, o, cb) =>
      this.grpc.getSummary(
        { view: options.view ?? View.VIEW_DEFINITION, ...at(options) },
        md,
        o,
        cb,
      ),
    );
    return res.summary!;
  }

  /** The definition in force (file name and text), or undefined when none is loaded. */
  async getDefinitionSource(
    options: Pick<ReadOptions, 'asOfTick'> = {},
  ): Promise<DefinitionSource | undefined> {
    const res = await this.call<GetDefinitionSourceResponse>((md, o, cb) =>
      this.grpc.getDefinitionSource({ ...at(options) }, md, o, cb),
    );
    return res.source;
  }

  /** The children of `path` ("" for the regions). */
  async listElements(path: string, options: ReadOptions = {}): Promise<Element[]> {
    const res = await this.call<ListElementsResponse>((md, o, cb) =>
      this.grpc.listElements(
        { path, view: options.view ?? View.VIEW_DEFINITION, ...at(options) },
        md,
        o,
        cb,
      ),
    );
    return res.elements;
  }

  async getElement(path: string, options: ReadOptions = {}): Promise<Element> {
    const res = await this.call<GetElementResponse>((md, o, cb) =>
      this.grpc.getElement(
        { path, view: options.view ?? View.VIEW_DEFINITION, ...at(options) },
        md,
        o,
        cb,
      ),
    );
    return res.element!;
  }

  /**
   * The state of every PDU, TOR and blade under `path` ("" for all) in the
   * actual (default) or observed view, grouped by rack.
   */
  listStates(path: string, options: ReadOptions = {}): Promise<ListStatesResponse> {
    return this.call<ListStatesResponse>((md, o, cb) =>
      this.grpc.listStates(
        { path, view: options.view ?? View.VIEW_ACTUAL, ...at(options) },
        md,
        o,
        cb,
      ),
    );
  }

  /** Changes a target at the next tick; `FailedPrecondition` when `matchRevision` is stale. */
  async setTarget(
    path: string,
    target: {
      state: TargetState;
      powered: boolean;
      reason?: string;
      matchRevision?: number;
      drain?: boolean;
    },
  ): Promise<number> {
    const res = await this.call<SetTargetResponse>((md, o, cb) =>
      this.grpc.setTarget(
        {
          path,
          state: target.state,
          powered: target.powered,
          reason: target.reason ?? '',
          drain: target.drain ?? false,
          ...(target.matchRevision === undefined ? {} : { matchRevision: target.matchRevision }),
        },
        md,
        o,
        cb,
      ),
    );
    return res.effectiveTick;
  }

  async issueCommand(
    target: string,
    action: CommandAction,
    options: { requestedBy?: string; image?: string } = {},
  ): Promise<CommandRecord> {
    const res = await this.call<IssueCommandResponse>((md, o, cb) =>
      this.grpc.issueCommand(
        { target, action, requestedBy: options.requestedBy ?? '', image: options.image ?? '' },
        md,
        o,
        cb,
      ),
    );
    return res.command!;
  }

  /**
   * Issues many commands in one call: all are checked first (a bad one fails
   * the call naming it as `commands.<i>.target`, and nothing is written),
   * then written in one transaction where they fit. Resolves with the
   * commands in the order given.
   */
  async issueCommands(
    commands: readonly { target: string; action: CommandAction; image?: string }[],
    options: { requestedBy?: string } = {},
  ): Promise<CommandRecord[]> {
    const requestedBy = options.requestedBy ?? '';
    const res = await this.call<IssueCommandsResponse>((md, o, cb) =>
      this.grpc.issueCommands(
        {
          commands: commands.map((c) => ({
            target: c.target,
            action: c.action,
            image: c.image ?? '',
            requestedBy,
          })),
          requestedBy,
        },
        md,
        o,
        cb,
      ),
    );
    return res.commands;
  }

  async getCommand(id: string): Promise<CommandRecord> {
    const res = await this.call<GetCommandResponse>((md, o, cb) =>
      this.grpc.getCommand({ id }, md, o, cb),
    );
    return res.command!;
  }

  async listCommands(
    filter: { target?: string; statuses?: CommandStatus[] } = {},
  ): Promise<CommandRecord[]> {
    const res = await this.call<ListCommandsResponse>((md, o, cb) =>
      this.grpc.listCommands(
        { target: filter.target ?? '', statuses: filter.statuses ?? [] },
        md,
        o,
        cb,
      ),
    );
    return res.commands;
  }

  close(): void {
    this.grpc.close();
  }
}

function at(options: ReadOptions): { asOfTick?: number } {
  return options.asOfTick === undefined ? {} : { asOfTick: options.asOfTick };
}
