import { Severity, SpanStatus } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { entryLimits, matches, runOf, severityOf, tickOf, toEntry } from './entries.js';
import { span } from './span-fixture.js';

describe('severityOf', () => {
  it('is ERROR for a span whose status is error, whatever its attribute says', () => {
    expect(
      severityOf(
        span({ status: SpanStatus.SPAN_STATUS_ERROR, attributes: { 'chamber.severity': 'debug' } }),
      ),
    ).toBe(Severity.SEVERITY_ERROR);
  });

  it('follows chamber.severity in any case, and is INFO without it or for a word it does not know', () => {
    const of = (word: string) => severityOf(span({ attributes: { 'chamber.severity': word } }));
    expect(of('warn')).toBe(Severity.SEVERITY_WARN);
    expect(of('WARNING')).toBe(Severity.SEVERITY_WARN);
    expect(of('Debug')).toBe(Severity.SEVERITY_DEBUG);
    expect(of('error')).toBe(Severity.SEVERITY_ERROR);
    expect(of('loud')).toBe(Severity.SEVERITY_INFO);
    expect(severityOf(span())).toBe(Severity.SEVERITY_INFO);
    expect(severityOf(span({ status: SpanStatus.SPAN_STATUS_OK }))).toBe(Severity.SEVERITY_INFO);
  });
});

describe('tickOf', () => {
  it('reads a whole non-negative chamber.tick and is -1 otherwise', () => {
    expect(tickOf({ 'chamber.tick': '42' })).toBe(42);
    expect(tickOf({ 'chamber.tick': '0' })).toBe(0);
    for (const bad of ['', '-3', '1.5', 'soon'])
      expect(tickOf({ 'chamber.tick': bad }), bad).toBe(-1);
    expect(tickOf({})).toBe(-1);
  });
});

describe('runOf', () => {
  it('reads a whole chamber.run from 1 and is 0 (no run) otherwise', () => {
    expect(runOf({ 'chamber.run': '2' })).toBe(2);
    for (const bad of ['', '0', '-1', '1.5', 'two'])
      expect(runOf({ 'chamber.run': bad }), bad).toBe(0);
    expect(runOf({})).toBe(0);
  });
});

describe('toEntry', () => {
  it('takes tick, run, target, reason and severity out of the attributes and keeps the rest', () => {
    const entry = toEntry(
      span({
        attributes: {
          'chamber.tick': '7',
          'chamber.run': '2',
          'chamber.target': '/r1/z1/rack1/blade/0/',
          'chamber.reason': 'no heartbeat since tick 4',
          'chamber.severity': 'warn',
          'chamber.state': 'failed',
        },
      }),
      3,
    );
    expect(entry).toMatchObject({
      seq: 3,
      tick: 7,
      run: 2,
      target: 'r1/z1/rack1/blade/0',
      reason: 'no heartbeat since tick 4',
      severity: Severity.SEVERITY_WARN,
      attributes: { 'chamber.state': 'failed' },
    });
  });

  it('cuts long texts and leaves out attributes and links past the limits', () => {
    const attributes = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`k${i}`, 'x'.repeat(5_000)]),
    );
    const links = Array.from({ length: 50 }, () => ({ traceId: 'c', spanId: 'd' }));
    const entry = toEntry(span({ name: 'n'.repeat(1_000), attributes, links }), 1);
    expect(entry.name).toHaveLength(entryLimits.name);
    expect(entry.name.endsWith('…')).toBe(true);
    expect(Object.keys(entry.attributes)).toHaveLength(entryLimits.attributes);
    expect(entry.attributes.k0).toHaveLength(entryLimits.attributeValue);
    expect(entry.links).toHaveLength(entryLimits.links);
  });
});

describe('matches', () => {
  const none = {
    service: '',
    target: '',
    minSeverity: Severity.SEVERITY_UNSPECIFIED,
    traceId: '',
    run: 0,
    servicePrefix: '',
    isDecisionsOnly: false,
  };
  const entry = toEntry(
    span({
      attributes: {
        'chamber.target': 'r1/z1/rack1/blade/0',
        'chamber.severity': 'warn',
        'chamber.run': '2',
      },
    }),
    1,
  );

  it('matches a target filter on the element itself and anything under it, not on a sibling with the same prefix', () => {
    expect(matches(entry, { ...none, target: 'r1/z1/rack1' })).toBe(true);
    expect(matches(entry, { ...none, target: 'r1/z1/rack1/blade/0' })).toBe(true);
    expect(matches(entry, { ...none, target: 'r1/z1/rack' })).toBe(false);
    expect(matches(entry, { ...none, target: 'r1/z1/rack1/blade/0/power-cable' })).toBe(false);
  });

  it('filters by service, trace, run and minimum severity', () => {
    expect(matches(entry, { ...none, run: 2 })).toBe(true);
    expect(matches(entry, { ...none, run: 1 })).toBe(false);
    expect(matches(entry, none)).toBe(true);
    expect(matches(entry, { ...none, service: 'monitor' })).toBe(true);
    expect(matches(entry, { ...none, service: 'faults' })).toBe(false);
    expect(matches(entry, { ...none, traceId: 'a'.repeat(32) })).toBe(true);
    expect(matches(entry, { ...none, traceId: 'f'.repeat(32) })).toBe(false);
    expect(matches(entry, { ...none, minSeverity: Severity.SEVERITY_WARN })).toBe(true);
    expect(matches(entry, { ...none, minSeverity: Severity.SEVERITY_ERROR })).toBe(false);
  });
});
