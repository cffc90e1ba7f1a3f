/**
 * When a closed repair record may be deleted: `retentionTicks` after it
 * closed (0: never). Repairs are world keys, so this is decided inside the
 * repair manager's tick from the record alone, the same in every replay; an
 * element's latest repair is kept whatever its age (the manager reads it to
 * decide how to bring the element back), and at most the tick's budget of
 * records change in one tick (the rest wait for the next).
 */
export function pruneTick(closedTick: number, retentionTicks: number): number | undefined {
  return retentionTicks === 0 ? undefined : closedTick + retentionTicks;
}
