import { useEffect, useState } from 'react';
import { markColours } from './colours.js';
import { groupMarks, markWords, type Mark } from './marks.js';

/** The most marks drawn (the latest): past it they would be under a pixel apart anyway. */
const maxMarks = 400;

/**
 * The timeline: a scrubber over the ticks still kept (from the oldest tick
 * the stepper keeps to now), to see the inventory as it was at a past tick
 * (time travel), and a way back to live. A tick shown that falls out of the
 * history kept moves to the oldest one kept. Dragging
 * shows the tick under the thumb; the map reads it once the thumb rests.
 * Keyboard: arrows step a tick, Page Up/Down ten, Home and End the ends.
 * Under the scrubber, a mark at each tick a fault started, a repair opened
 * or one closed (one per kind and tick); clicking one selects its element.
 */
export function Timeline({
  now,
  oldest,
  at,
  onChange,
  marks,
  onSelect,
}: {
  /** The last settled tick. */
  now: number;
  /** The oldest tick still readable (older ones are compacted away); 0: all. */
  oldest: number;
  /** The tick shown; undefined: live. */
  at: number | undefined;
  onChange: (at: number | undefined) => void;
  /** The faults and repairs to mark, by tick. */
  marks: readonly Mark[];
  /** Selects an element (a mark's). */
  onSelect: (path: string) => void;
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
  const min = Math.min(oldest, now);
  const max = Math.max(now, 1);
  const groups = groupMarks(
    marks.filter((m) => m.tick >= min && m.tick <= max),
    maxMarks,
  );
  return (
    <div className="timeline" role="group" aria-label="Timeline">
      <span aria-hidden="true">Time travel</span>
      <div className="timeline-track">
        <input
          type="range"
          aria-label="Time travel"
          min={min}
          max={max}
          step={1}
          value={shown}
          aria-valuetext={shown >= now && at === undefined ? `tick ${now}, live` : `tick ${shown}`}
          disabled={now === 0}
          onChange={(e) => setPending(Number(e.target.value))}
        />
        <ol className="timeline-marks" aria-label="Faults and repairs on the timeline">
          {groups.map((g) => (
            <li
              key={`${g.kind}@${g.tick}`}
              // The range's thumb centre runs from half a thumb in to half a thumb before the end.
              style={{
                left: `calc(var(--thumb) / 2 + (100% - var(--thumb)) * ${(g.tick - min) / (max - min || 1)})`,
              }}
            >
              <button
                type="button"
                className={`mark ${g.kind}`}
                style={{ background: markColours[g.kind] }}
                aria-label={
                  g.marks.length === 1
                    ? g.marks[0]!.words
                    : `${g.marks.length} × ${markWords[g.kind]} at tick ${g.tick}: ${g.marks
                        .slice(0, 5)
                        .map((m) => m.target)
                        .join(', ')}${g.marks.length > 5 ? ', …' : ''}`
                }
                title={g.marks.map((m) => m.words).join('\n')}
                onClick={() => onSelect(g.marks[0]!.target)}
              />
            </li>
          ))}
        </ol>
      </div>
      <output aria-live="polite">
        {at === undefined && pending === undefined
          ? `live, tick ${now}`
          : `tick ${shown} of ${now}${pending === undefined ? '' : '…'}`}
        {oldest > 0 ? ` · history kept from tick ${oldest}` : ''}
      </output>
      <button type="button" disabled={at === undefined} onClick={() => onChange(undefined)}>
        Back to live
      </button>
      {groups.length > 0 && (
        <ul className="legend timeline-legend" aria-label="Legend, timeline marks">
          {(['fault', 'opened', 'closed'] as const).map((kind) => (
            <li key={kind}>
              <span className="mark-swatch" style={{ background: markColours[kind] }} />
              {markWords[kind]}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
