import { parentPort } from 'node:worker_threads';
import { parseInChunks, type ParseRequest } from './domain/definition/parsed.js';

// The worker thread of `DefinitionParser`: parses definitions off the
// service's event loop and posts each one's records back in chunks.
parentPort?.on('message', (request: ParseRequest & { readonly id: number }) => {
  for (const chunk of parseInChunks(request)) parentPort?.postMessage({ id: request.id, chunk });
});
