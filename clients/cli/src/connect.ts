import { ChamberError, Code, toChamberError } from '@chamber/errors';
import { usageError, type CommandContext, type OptionSpec } from './routes.js';

/** A service the CLI reaches over gRPC, and how a person points it there. */
export interface GrpcEndpoint {
  /** For people: `the stepper`. */
  readonly what: string;
  /** The option that takes its address (`stepper` for `--stepper HOST:PORT`). */
  readonly option: string;
  /** The environment variable that does, when the option is not given. */
  readonly env: string;
  /** Where it is looked for when neither says. */
  readonly defaultAddress: string;
}

/** The address option of `endpoint`, with its env var and default. */
export function addressOption(endpoint: GrpcEndpoint, description: string): OptionSpec {
  return {
    type: 'string',
    valueName: 'HOST:PORT',
    env: endpoint.env,
    defaultValue: endpoint.defaultAddress,
    description,
  };
}

/** How to point the CLI at another `endpoint`: for the end of a message. */
function elsewhere(endpoint: GrpcEndpoint): string {
  return `--${endpoint.option} HOST:PORT or ${endpoint.env} points the CLI elsewhere`;
}

/**
 * Connects a client to `endpoint` at the address given by its option (or
 * its env var, or its default), runs `use`, and closes the client whatever
 * happens. When the person named no address, it says on stderr which one it
 * talks to (one line); when nothing answers there, the `Unavailable` error
 * also says how to point the CLI elsewhere. A malformed address is a usage
 * error naming the option.
 */
export async function withClient<C extends { close(): void }, R>(
  ctx: CommandContext,
  endpoint: GrpcEndpoint,
  connect: (address: string) => C,
  use: (client: C) => Promise<R>,
): Promise<R> {
  const address = ctx.input.string(endpoint.option) ?? endpoint.defaultAddress;
  if (!ctx.input.isGiven(endpoint.option)) {
    // `--via grpc` chose gRPC; otherwise it was chosen for want of a login.
    const why = ctx.input.isGiven('via') ? '' : 'not logged in; ';
    ctx.note(
      `${why}talking gRPC to ${endpoint.what} at ${address}, the default (${elsewhere(endpoint)})`,
    );
  }
  let client: C;
  try {
    client = connect(address);
  } catch (error) {
    // Only the address can be wrong here, and the person typed it.
    throw usageError(`--${endpoint.option}: ${toChamberError(error).message}`);
  }
  try {
    return await use(client);
  } catch (error) {
    const failure = toChamberError(error);
    if (failure.code !== Code.Unavailable) throw error;
    throw new ChamberError(Code.Unavailable, `${failure.message} (${elsewhere(endpoint)})`, {
      cause: error,
    });
  } finally {
    client.close();
  }
}
