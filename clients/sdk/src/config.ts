/**
 * The environment a private Chamber's launcher inherits from the process
 * that starts it (its `CHAMBER_*` settings are set on top by `start`): the
 * SDK reads no setting of its own from it.
 */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return process.env;
}
