import { useEffect, useState } from 'react';

/**
 * The timeline: a scrubber over the ticks still kept (from the oldest tick
 * the stepper keeps to now), to see the inventory as it was at a past tick
 * (time travel), and a way back to live. A tick shown that falls out of the
 * history kept moves to the oldest one kept. Dragging
 * shows the tick under the thumb; the map reads it once the thumb rests.
 * Keyboard: arrows step a tick, Page Up/Down ten, Home and End the ends.
 */
export function Timeline({
  now,
  oldest,
  at,
  onChange,
}: {
  /** The last settled tick. */
  now: number;
  /** The oldest tick still readable (older ones are compacted away); 0: all. */
  oldest: number;
  /** The tick shown; undefined: live. */
  at: number | undefined;
  onChange: (at: number | undefined) => void;
}) {
  const [pending, setPending] = useState<number | undefined>();
  useEffect(() => {
    if (pending === undefined) return;
    const timer = setTimeout(() => {
      setPending(undefined);
      // The right end is now: back to live.
      onChange(pending >= now ? undefined : pending);
    }, 250);
    return () => clearTimeout(timer);
  }, [pending, now, onChange]);
  useEffect(() => {
    if (at !== undefined && at < oldest) onChange(Math.min(oldest, now));
  }, [at, oldest, now, onChange]);
  const shown = Math.max(oldest, pending ?? at ?? now);
  return (
    <div className="timeline" role="group" aria-label="Timeline">
      <label>
        Time travel
        <input
          type="range"
          min={Math.min(oldest, now)}
          max={Math.max(now, 1)}
          step={1}
          value={shown}
          aria-valuetext={shown >= now && at === undefined ? `tick ${now}, live` : `tick ${shown}`}
          disabled={now === 0}
          onChange={(e) => setPending(Number(e.target.value))}
        />
      </label>
      <output aria-live="polite">
        {at === undefined && pending === undefined
          ? `live, tick ${now}`
          : `tick ${shown} of ${now}${pending === undefined ? '' : '…'}`}
        {oldest > 0 ? ` · history kept from tick ${oldest}` : ''}
      </output>
      <button type="button" disabled={at === undefined} onClick={() => onChange(undefined)}>
        Back to live
      </button>
    </div>
  );
}
