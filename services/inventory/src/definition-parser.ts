import { Worker } from 'node:worker_threads';
import {
  assembleChunks,
  type ParsedChunk,
  type ParsedRecords,
  type ParseRequest,
} from './domain/definition/parsed.js';

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
      entry.resolve(assembleChunks(entry.chunks));
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
