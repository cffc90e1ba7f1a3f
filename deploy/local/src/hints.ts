import type { LauncherConfig } from './config.js';
import type { ServiceSpec } from './services.js';

/**
 * Where the `chamber` CLI looks when it is told nothing: its REST default
 * (`defaultApiUrl` of `@chamber/api`) and, for gRPC, each service's default
 * port (the `port` of its {@link ServiceSpec}) on this host. The launcher
 * cannot import the CLI (deploy/local depends on no client), so the CLI's
 * default host is repeated here; the launcher test runs a printed hint
 * through the real CLI, which fails if they part.
 */
const cliDefaultHost = '127.0.0.1';

/** The frontend's URL as the CLI's `--api` and `CHAMBER_API` take it: no path. */
export function apiUrlOf(config: LauncherConfig): string {
  return `http://${config.local.host}:${config.local.httpPort}`;
}

/** The port the launcher runs `spec` on: moved by the port offset (HTTP: its own port). */
export function portOf(config: LauncherConfig, spec: ServiceSpec): number {
  return spec.isHttp === true ? config.local.httpPort : spec.port + config.local.portOffset;
}

/** Where the launcher runs `spec`: `host:port` (see {@link portOf}). */
export function addressOf(config: LauncherConfig, spec: ServiceSpec): string {
  return `${config.local.host}:${portOf(config, spec)}`;
}

/** Whether the CLI, told nothing, would reach `spec` where the launcher runs it. */
function isCliDefault(config: LauncherConfig, spec: ServiceSpec): boolean {
  return addressOf(config, spec) === `${cliDefaultHost}:${spec.port}`;
}

/**
 * The options that point a CLI command at the frontend as the launcher runs
 * it: none on the CLI's default address, else `--api URL`.
 */
export function addressOptions(config: LauncherConfig, spec: ServiceSpec): string {
  if (isCliDefault(config, spec) || spec.isHttp !== true) return '';
  return ` --api ${apiUrlOf(config)}`;
}

/**
 * The command to try each service with, as it works for the ports in use:
 * the service's `hint` plus the address options of the frontend, which
 * every CLI command talks to (see {@link addressOptions}); none for a
 * service without one.
 */
export function hintOf(
  config: LauncherConfig,
  spec: ServiceSpec,
  all: readonly ServiceSpec[],
): string | undefined {
  if (spec.hint === undefined) return undefined;
  const frontend = all.find((s) => s.isHttp === true) ?? spec;
  return `${spec.hint}${addressOptions(config, frontend)}`;
}

/**
 * The `export` line that points every later CLI command in a shell at this
 * Chamber (`CHAMBER_API=http://…`); none when the frontend is where the CLI
 * looks by default.
 */
export function exportLines(config: LauncherConfig, all: readonly ServiceSpec[]): string[] {
  const lines: string[] = [];
  const http = all.find((s) => s.isHttp === true);
  if (http !== undefined && !isCliDefault(config, http)) {
    lines.push(`export CHAMBER_API=${apiUrlOf(config)}`);
  }
  return lines;
}
