import process from 'node:process';

/**
 * The environment the CLI reads, taken once at start and handed to the
 * commands (tests hand their own): `CHAMBER_API` (the frontend's URL),
 * `CHAMBER_TOKEN` (a bearer token), `CHAMBER_PASSWORD` (for `login`),
 * `XDG_CONFIG_HOME` and `HOME` (where credentials are kept).
 */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  const { CHAMBER_API, CHAMBER_TOKEN, CHAMBER_PASSWORD, XDG_CONFIG_HOME, HOME } = process.env;
  return { CHAMBER_API, CHAMBER_TOKEN, CHAMBER_PASSWORD, XDG_CONFIG_HOME, HOME };
}
