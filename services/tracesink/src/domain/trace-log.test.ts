import { Severity, type TraceSpan } from '@chamber/protos';
import { describe, expect, it, vi } from 'vitest';
import { clockSpanNames, tickSpanName } from '@chamber/world';
import { span } from './span-fixture.js';
import { TraceLog, type Range } from './trace-log.js';

const none = {
  service: '',
  target: '',
  minSeverity: Severity.SEVERITY_UNSPECIFIED,
  traceId: '',
  run: 0,
  servicePrefix: '',
  isDecisionsOnly: false,
};
const all: Range = { afterSeq: 0, beforeSeq: 0, limit: 1_000, fromEnd: false };

/** Spans named s1, s2, … in traces t0/t1/t2 by turns, about blades 0-3 of rack1 by turns. */
function spans(n: number, from = 1): TraceSpan[] {
  return Array.from({ length: n }, (_, i) =>
    span({
      name: `s${from + i}`,
      traceId: `t${(from + i) % 3}`,
      attributes: { 'chamber.target': `r1/z1/rack1/blade/${(from + i) % 4}` },
    }),
  );
}

const names = (log: TraceLog, filter = none, range = all) =>
  log.select(filter, range).entries.map((e) => e.name);

describe('TraceLog', () => {
  it('numbers entries from 1 in arrival order', () => {
    const log = new TraceLog(10);
    expect([log.firstSeq, log.lastSeq]).toEqual([0, 0]);
    expect(log.append(spans(3)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(log.append(spans(2, 4)).map((e) => e.seq)).toEqual([4, 5]);
    expect([log.firstSeq, log.lastSeq]).toEqual([1, 5]);
    expect(log.get(4)?.name).toBe('s4');
  });

  it('keeps only the newest `capacity` entries, dropping the oldest', () => {
    const log = new TraceLog(4);
    log.append(spans(10));
    expect([log.firstSeq, log.lastSeq]).toEqual([7, 10]);
    expect(names(log)).toEqual(['s7', 's8', 's9', 's10']);
    expect(log.get(6)).toBeUndefined();
    expect(log.get(7)?.name).toBe('s7');
    // The trace index forgets dropped entries too.
    expect(names(log, { ...none, traceId: 't1' })).toEqual(['s7', 's10']);
  });

  it('pages after and before a seq, oldest first or from the end', () => {
    const log = new TraceLog(100);
    log.append(spans(10));
    expect(names(log, none, { ...all, afterSeq: 7 })).toEqual(['s8', 's9', 's10']);
    expect(names(log, none, { ...all, afterSeq: 2, limit: 3 })).toEqual(['s3', 's4', 's5']);
    expect(names(log, none, { ...all, limit: 3, fromEnd: true })).toEqual(['s8', 's9', 's10']);
    expect(names(log, none, { ...all, beforeSeq: 8, limit: 2, fromEnd: true })).toEqual([
      's6',
      's7',
    ]);
    expect(names(log, none, { ...all, afterSeq: 10 })).toEqual([]);
  });

  it('filters through the trace index, by target and by service, and reports how far it looked', () => {
    const log = new TraceLog(100);
    log.append(spans(12));
    expect(names(log, { ...none, traceId: 't0' })).toEqual(['s3', 's6', 's9', 's12']);
    expect(names(log, { ...none, traceId: 't0' }, { ...all, afterSeq: 3, beforeSeq: 12 })).toEqual([
      's6',
      's9',
    ]);
    expect(names(log, { ...none, traceId: 'nope' })).toEqual([]);
    expect(names(log, { ...none, target: 'r1/z1/rack1/blade/2' })).toEqual(['s2', 's6', 's10']);
    expect(names(log, { ...none, service: 'faults' })).toEqual([]);
    const first = log.select({ ...none, target: 'r1/z1/rack1/blade/2' }, { ...all, limit: 2 });
    expect(first.scannedTo).toBe(6);
    const rest = log.select(
      { ...none, target: 'r1/z1/rack1/blade/2' },
      { ...all, afterSeq: first.scannedTo },
    );
    expect(rest.entries.map((e) => e.name)).toEqual(['s10']);
    expect(rest.scannedTo).toBe(12);
  });

  it('looks only at the entries of the most selective filter, so a filter matching few costs little in a full log', () => {
    const log = new TraceLog(20_000);
    // A full log of one busy rack, with a few decisions about another and an
    // error of a third service, before and after the oldest are dropped.
    const busy = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        span({ name: `b${i}`, attributes: { 'chamber.target': `r1/z1/rack1/blade/${i % 8}` } }),
      );
    log.append(busy(5_000));
    log.append([
      span({ name: 'dropped', attributes: { 'chamber.target': 'r1/z1/rack2/blade/0' } }),
    ]);
    log.append(busy(16_000));
    log.append([
      span({ name: 'rack2', attributes: { 'chamber.target': 'r1/z1/rack2/blade/1' } }),
      span({
        name: 'failed',
        service: 'faults',
        attributes: { 'chamber.severity': 'error', 'chamber.run': '2' },
      }),
    ]);
    log.append(busy(4_000));
    expect(log.firstSeq).toBeGreaterThan(5_001);
    const looked = vi.spyOn(log, 'get');
    const tail = { ...all, limit: 200, fromEnd: true };
    expect(names(log, { ...none, target: 'r1/z1/rack2' }, tail)).toEqual(['rack2']);
    expect(names(log, { ...none, target: 'r1/z1/rack3' }, tail)).toEqual([]);
    expect(names(log, { ...none, service: 'faults' }, tail)).toEqual(['failed']);
    expect(names(log, { ...none, minSeverity: Severity.SEVERITY_WARN }, tail)).toEqual(['failed']);
    expect(names(log, { ...none, run: 2 }, tail)).toEqual(['failed']);
    expect(names(log, { ...none, run: 2, target: 'r1' }, tail)).toEqual([]);
    // Each answer looked only at the entries of its smallest index: one each,
    // none for the rack without decisions (a walk would look at 20,000 each).
    expect(looked.mock.calls.length).toBe(5);
    // The same answers as a walk over every entry would give.
    expect(names(log, { ...none, target: 'r1/z1/rack1/blade/3' }, { ...all, limit: 2 })).toEqual([
      'b3',
      'b11',
    ]);
    expect(names(log, { ...none, target: 'r1/z1/rack1/blad' })).toEqual([]);
    expect(names(log, { ...none, target: 'r1/z1/rack' })).toEqual([]);
  });

  it('leaves out the per-tick bookkeeping spans for decisions only, through their own index', () => {
    const log = new TraceLog(1_000);
    const tick = (n: number) => [
      span({ service: 'stepper', name: clockSpanNames.publish }),
      span({ service: 'stepper', name: clockSpanNames.settle }),
      span({ service: 'monitor', name: tickSpanName('monitor') }),
      span({ service: 'inventory-repair', name: tickSpanName('inventory-repair') }),
      ...(n % 100 === 0
        ? [span({ service: 'inventory-repair', name: `repair.decision${n}` })]
        : []),
    ];
    for (let n = 1; n <= 200; n++) log.append(tick(n));
    const looked = vi.spyOn(log, 'get');
    const decisions = { ...none, isDecisionsOnly: true };
    expect(names(log, decisions)).toEqual(['repair.decision100', 'repair.decision200']);
    // Only the decisions' index was walked, not the 802 entries.
    expect(looked.mock.calls.length).toBe(2);
    expect(names(log, none).length).toBe(802);
    // By the start of a service's name: `inventory` takes in `inventory-repair`.
    expect(names(log, { ...decisions, servicePrefix: 'inventory' })).toEqual([
      'repair.decision100',
      'repair.decision200',
    ]);
    expect(names(log, { ...decisions, servicePrefix: 'repair' })).toEqual([]);
    expect(names(log, { ...none, servicePrefix: 'mon' }).length).toBe(200);
  });

  it('tells its listeners once per append that adds something', () => {
    const log = new TraceLog(10);
    let heard = 0;
    const stop = log.subscribe(() => heard++);
    log.append(spans(3));
    log.append([]);
    expect(heard).toBe(1);
    stop();
    log.append(spans(1));
    expect(heard).toBe(1);
  });

  it('holds a large trace by index without moving it on every drop', () => {
    const log = new TraceLog(1_000);
    const same = Array.from({ length: 5_000 }, (_, i) => span({ name: `x${i}`, traceId: 'big' }));
    log.append(same);
    const page = log.select({ ...none, traceId: 'big' }, { ...all, limit: 2 });
    expect(page.entries.map((e) => e.seq)).toEqual([4_001, 4_002]);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new TraceLog(0)).toThrow(/at least 1/);
  });
});
