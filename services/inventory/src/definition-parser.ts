import { Worker } from 'node:worker_threads';
import { DefinitionError, parseDefinition } from './domain/definition/parse.js';
import { definitionRecords } from './domain/definition/records.js';

/** A definition to parse. */
export interface ParseRequest {
  readonly source: string;
  readonly fileName: string;
}

/**
 * A parsed definition as the inventory uses it: its `definition` records
 * (keys and texts in key order, as `definitionRecords` makes them), and
 * each record's blade image (`''` for other records), so installing a blade
 * needs no decoding of its record.
 */
export type ParsedRecords =
  | {
      readonly ok: true;
      readonly bladeCount: number;
      readonly keys: readonly string[];
      readonly texts: readonly string[];
      readonly images: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly DefinitionError[] };

/** One message from the worker: part of the records, or the errors; `isLast` on the last. */
export interface ParsedChunk {
  readonly isLast: boolean;
  readonly bladeCount?: number;
  readonly keys?: string[];
  readonly texts?: string[];
  readonly images?: string[];
  readonly errors?: Array<Pick<DefinitionError, 'file' | 'line' | 'col' | 'rule' | 'message'>>;
}

/** Records per message from the worker: each arrives in its own turn of the event loop. */
const chunkRecords = 8_192;

/** Parses `request` and builds its records, posted as chunks (plain data). */
export function* parseInChunks(request: ParseRequest): Generator<ParsedChunk> {
  const parsed = parseDefinition(request.source, request.fileName);
  if (!parsed.ok) {
    yield {
      isLast: true,
      errors: parsed.errors.map(({ file, line, col, rule, message }) => ({
        file,
        line,
        col,
        rule,
        message,
      })),
    };
    return;
  }
  const images = new Map<string, string>();
  for (const region of parsed.definition.regions)
    for (const zone of region.zones)
      for (const rack of zone.racks)
        for (const blade of rack.blades) images.set(`definition/${blade.path}`, blade.boot.image);
  let chunk = { keys: [] as string[], texts: [] as string[], images: [] as string[] };
  for (const [key, text] of definitionRecords(parsed.definition)) {
    chunk.keys.push(key);
    chunk.texts.push(text);
    chunk.images.push(images.get(key) ?? '');
    if (chunk.keys.length === chunkRecords) {
      yield { isLast: false, ...chunk };
      chunk = { keys: [], texts: [], images: [] };
    }
  }
  yield { isLast: true, bladeCount: parsed.definition.bladeCount, ...chunk };
}

/** How many parses {@link DefinitionParser} keeps (the one validated, the one in force). */
const kept = 2;

/**
 * Parses definitions once, off the event loop: a load is parsed when it is
 * validated (`LoadDefinition`, or at start) and the tick that applies it
 * reuses that parse. Parsing (a YAML parse cannot be cut into slices: a
 * spelled-out definition at the size limit takes seconds) and building the
 * records (seconds for 100,000 blades) run in a worker thread, started by
 * a parse and ended when no parse waits; the records come back in
 * chunks, so the service keeps answering calls and renewing its leases
 * meanwhile. The result depends only on the source and its file name.
 */
export class DefinitionParser {
  private readonly results = new Map<string, Promise<ParsedRecords>>();
  private worker: Worker | undefined;
  private readonly waiting = new Map<
    number,
    { chunks: ParsedChunk[]; resolve: (r: ParsedRecords) => void; reject: (e: unknown) => void }
  >();
  private nextId = 0;

  /** `request` parsed; the same promise for the same source and file name while it is kept. */
  parse(request: ParseRequest): Promise<ParsedRecords> {
    const key = `${request.fileName}\0${request.source}`;
    let result = this.results.get(key);
    if (result !== undefined) this.results.delete(key);
    else {
      result = this.inWorker(request);
      // A failed parse (the worker died) is not kept: the next call tries again.
      result.catch(() => this.results.delete(key));
    }
    // Most recently used last.
    this.results.set(key, result);
    while (this.results.size > kept) this.results.delete(this.results.keys().next().value!);
    return result;
  }

  /** Ends the worker thread; parses still waiting fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private inWorker(request: ParseRequest): Promise<ParsedRecords> {
    const worker = (this.worker ??= this.startWorker());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { chunks: [], resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }

  private startWorker(): Worker {
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url));
    let retired = false;
    // It must not keep the process alive: only a parse in progress matters.
    worker.unref();
    worker.on('message', ({ id, chunk }: { id: number; chunk: ParsedChunk }) => {
      const entry = this.waiting.get(id);
      if (entry === undefined) return;
      entry.chunks.push(chunk);
      if (!chunk.isLast) return;
      this.waiting.delete(id);
      entry.resolve(assemble(entry.chunks));
      // An idle worker thread holds ~27 MiB: it ends once no parse waits,
      // and the next parse starts another.
      if (this.waiting.size === 0 && this.worker === worker) {
        retired = true;
        this.worker = undefined;
        void worker.terminate();
      }
    });
    const fail = (error: unknown): void => {
      if (retired) return;
      if (this.worker === worker) this.worker = undefined;
      for (const entry of this.waiting.values()) entry.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) =>
      fail(new Error(`the definition parser's worker thread exited (code ${code})`)),
    );
    return worker;
  }
}

function assemble(chunks: readonly ParsedChunk[]): ParsedRecords {
  const last = chunks[chunks.length - 1]!;
  if (last.errors !== undefined) {
    return {
      ok: false,
      errors: last.errors.map((e) => new DefinitionError(e.file, e.line, e.col, e.rule, e.message)),
    };
  }
  const keys: string[] = [];
  const texts: string[] = [];
  const images: string[] = [];
  for (const c of chunks) {
    for (const k of c.keys ?? []) keys.push(k);
    for (const t of c.texts ?? []) texts.push(t);
    for (const i of c.images ?? []) images.push(i);
  }
  return { ok: true, bladeCount: last.bladeCount ?? 0, keys, texts, images };
}
