import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { readServiceFailures, type Store } from '@chamber/store';

/**
 * `client` (a gRPC client of service `name`) whose failed calls say why the
 * service is down when they fail `Unavailable` and the service recorded its
 * last start failure in the store (see `recordServiceFailure`): "inventory
 * is down; its last start failed: bad.yaml:11:13: …" instead of only the
 * connection error, so the dashboard and REST callers see the cause rather
 * than a network complaint. Every other answer and error passes unchanged.
 */
export function reportingDown<C extends object>(client: C, name: string, store: Store): C {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(value, target, args);
        return result instanceof Promise
          ? result.catch((error: unknown) => explainDown(error, name, store))
          : result;
      };
    },
  });
}

async function explainDown(error: unknown, name: string, store: Store): Promise<never> {
  if (!isChamberError(error) || error.code !== Code.Unavailable) throw error;
  const failure = (await readServiceFailures(store).catch(() => undefined))?.get(name);
  if (failure === undefined) throw error;
  throw new ChamberError(
    Code.Unavailable,
    `${name} is down; its last start failed: ${failure.message}`,
    { cause: error },
  );
}
