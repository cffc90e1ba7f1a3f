import { toChamberError } from '@chamber/errors';
import { usageError, type CommandContext } from './routes.js';

/**
 * Connects a client to the address given by the `--<flag>` option (or its
 * env var, or `fallback`), runs `use`, and closes the client whatever
 * happens. A malformed address is a usage error naming the flag.
 */
export async function withClient<C extends { close(): void }, R>(
  ctx: CommandContext,
  flag: string,
  fallback: string,
  connect: (address: string) => C,
  use: (client: C) => Promise<R>,
): Promise<R> {
  let client: C;
  try {
    client = connect(ctx.input.string(flag) ?? fallback);
  } catch (error) {
    // Only the address can be wrong here, and the person typed it.
    throw usageError(`--${flag}: ${toChamberError(error).message}`);
  }
  try {
    return await use(client);
  } finally {
    client.close();
  }
}
