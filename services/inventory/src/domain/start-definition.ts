/** What the inventory knows at start about its configured definition, all read before it joins. */
export interface StartDefinitionInput {
  /** `inventory.definition`: a sample name or a file; empty for none. */
  readonly setting: string;
  /** The setting's default: the definition an empty simulation gets unless told otherwise. */
  readonly defaultSetting: string;
  /** The environment variable that sets it. */
  readonly env: string;
  /** The file the setting names, as people should type it (relative to where they run commands). */
  readonly shownFile: string;
  /** That file's text; `undefined` when it cannot be read. */
  readonly source: string | undefined;
  /** The definition in force (`sources/inventory`), if the simulation has one. */
  readonly inForce: { readonly fileName: string; readonly source: string } | undefined;
  /** Whether a definition load is pending (submitted, not applied yet). */
  readonly hasPendingLoad: boolean;
  /** Whether the clock has published a tick (tick 0 of run 1 included). */
  readonly hasTick: boolean;
  readonly simulation: string;
}

/**
 * What to do with the configured definition:
 *
 * - `install`: make it the definition in force before the clock's first
 *   tick, so it is built at tick 0 exactly as after a reset;
 * - `load`: the clock already runs without a definition: load it at the
 *   next tick, as an input;
 * - `keep`: nothing to do (none configured, one on its way, or the one in
 *   force is the configured one, or the setting is the default);
 * - `not-loaded`: another definition is in force, so the one the
 *   environment asks for is not loaded: `notice` says so, and the command
 *   that loads it.
 */
export type StartDefinition =
  | { readonly kind: 'install' | 'load' | 'keep' }
  | { readonly kind: 'not-loaded'; readonly notice: string };

/** Decides what the inventory does with its configured definition at start. */
export function startDefinition(input: StartDefinitionInput): StartDefinition {
  if (input.setting === '' || input.hasPendingLoad) return { kind: 'keep' };
  if (input.inForce === undefined) return { kind: input.hasTick ? 'load' : 'install' };
  if (input.setting === input.defaultSetting || input.source === input.inForce.source)
    return { kind: 'keep' };
  return {
    kind: 'not-loaded',
    notice:
      `${input.env}=${input.setting} was not loaded: simulation "${input.simulation}" already has ` +
      `a definition (${input.inForce.fileName}), and the setting only applies to a simulation ` +
      `without one. To load it: ${loadCommand(input.shownFile)}`,
  };
}

/** The CLI command that loads the definition in `file` at the next tick and follows it. */
export function loadCommand(file: string): string {
  const quoted = /^[\w./@%+=:,-]+$/.test(file) ? file : `'${file.replaceAll("'", "'\\''")}'`;
  return `npx chamber inventory load ${quoted} --wait --yes`;
}
