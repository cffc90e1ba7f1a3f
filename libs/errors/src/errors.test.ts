import { ElementPathError } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import {
  capDetails,
  capMessage,
  ChamberError,
  Code,
  errorMessageLimitBytes,
  codeFromName,
  httpStatusOf,
  isChamberError,
  toChamberError,
} from './index.js';

describe('ChamberError', () => {
  it('is recognised by brand, including a copy from another realm', () => {
    const e = new ChamberError(Code.NotFound, 'rack "r9" not found in zone "z1"');
    expect(isChamberError(e)).toBe(true);
    const foreign = { ...e, [Symbol.for('chamber.error')]: true };
    expect(isChamberError(foreign)).toBe(true);
    expect(isChamberError(new Error('x'))).toBe(false);
  });

  it('renders the REST body with the code name, hiding internals', () => {
    expect(new ChamberError(Code.NotFound, 'rack "r9" not found').toBody()).toEqual({
      error: { code: 'not_found', message: 'rack "r9" not found' },
    });
    const internal = toChamberError(new Error('ECONNRESET at 10.0.0.3'));
    expect(internal.code).toBe(Code.Internal);
    expect(internal.toBody()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });

  it('turns a path the element-path grammar refused into InvalidArgument, saying why', () => {
    const refused = toChamberError(new ElementPathError('r/z1/rack1/disk/3'));
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(refused.toBody().error.message).toMatch(
      /^"r\/z1\/rack1\/disk\/3" is not an element path/,
    );
  });

  it('maps codes to HTTP statuses once, with 412 for a failed precondition header', () => {
    expect(httpStatusOf(Code.InvalidArgument)).toBe(400);
    expect(httpStatusOf(Code.NotFound)).toBe(404);
    expect(httpStatusOf(Code.AlreadyExists)).toBe(409);
    expect(httpStatusOf(Code.PermissionDenied)).toBe(403);
    expect(httpStatusOf(Code.Aborted)).toBe(409);
    expect(httpStatusOf(Code.Aborted, true)).toBe(412);
    expect(httpStatusOf(Code.FailedPrecondition)).toBe(400);
    expect(httpStatusOf(Code.FailedPrecondition, true)).toBe(412);
    expect(httpStatusOf(Code.Unavailable)).toBe(503);
    expect(httpStatusOf(Code.Unauthenticated)).toBe(401);
    expect(codeFromName('failed_precondition')).toBe(Code.FailedPrecondition);
    expect(codeFromName('nope')).toBeUndefined();
    // REST-only answers have codes of their own in the same table.
    expect(httpStatusOf(Code.UnsupportedMediaType)).toBe(415);
    expect(codeFromName('unsupported_media_type')).toBe(Code.UnsupportedMediaType);
    expect(httpStatusOf(Code.MethodNotAllowed)).toBe(405);
  });
});

describe('the cap on what leaves a process', () => {
  // UTF-8 bytes without Node's Buffer: each %XX of the URI encoding is one byte.
  const bytes = (s: string): number => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, 'x').length;

  it('keeps a message that fits, and cuts a longer one with a mark saying how long it was', () => {
    expect(capMessage('rack "r9" not found')).toBe('rack "r9" not found');
    const long = `${'é'.repeat(60_000)}the end`;
    const cut = capMessage(long);
    expect(bytes(cut)).toBeLessThanOrEqual(errorMessageLimitBytes);
    expect(cut.startsWith('éééé')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(cut.endsWith('… (cut: the message is 120,007 bytes)')).toBe(true);
  });

  it('keeps short details, and leaves out long entries, naming them', () => {
    expect(capDetails({ field: 'source' })).toEqual({ field: 'source' });
    expect(capDetails({ field: 'source', excerpt: 'x'.repeat(100_000) })).toEqual({
      field: 'source',
      truncated: ['excerpt'],
    });
  });

  it('caps the REST body of a huge error', () => {
    const huge = new ChamberError(Code.InvalidArgument, 'x'.repeat(100_000), {
      details: { field: 'source', value: 'y'.repeat(100_000) },
    });
    const body = huge.toBody().error;
    expect(bytes(body.message)).toBeLessThanOrEqual(errorMessageLimitBytes);
    expect(body.message.endsWith('… (cut: the message is 100,000 bytes)')).toBe(true);
    expect(body.details).toEqual({ field: 'source', truncated: ['value'] });
  });
});
