import { capMessage, ChamberError, Code } from '@chamber/errors';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { fromGrpcError, toGrpcError } from './grpc-wire.js';

describe('gRPC wire conversion', () => {
  it('round-trips code, message and details', () => {
    const wire = toGrpcError(
      new ChamberError(Code.Aborted, 'epoch is 4, not 3', { details: { epoch: 4 } }),
    );
    const back = fromGrpcError(wire);
    expect(back.code).toBe(Code.Aborted);
    expect(back.message).toBe('epoch is 4, not 3');
    expect(back.details).toEqual({ epoch: 4 });
  });

  it('sends a REST-only code as invalid input', () => {
    const wire = toGrpcError(new ChamberError(Code.UnsupportedMediaType, 'not JSON'));
    expect(wire.code).toBe(Code.InvalidArgument);
    expect(fromGrpcError(wire).code).toBe(Code.InvalidArgument);
  });

  it('treats anything without a status code as unknown', () => {
    expect(fromGrpcError(new Error('boom')).code).toBe(Code.Unknown);
    expect(fromGrpcError({ code: 14, details: 'down', metadata: new Metadata() }).code).toBe(
      Code.Unavailable,
    );
  });
});

describe('the cap at the gRPC wire', () => {
  it('sends a huge error capped as its REST body is', () => {
    const huge = new ChamberError(Code.InvalidArgument, 'x'.repeat(100_000), {
      details: { field: 'source', value: 'y'.repeat(100_000) },
    });
    const back = fromGrpcError(toGrpcError(huge));
    expect(back.message).toBe(capMessage(huge.message));
    expect(back.details).toEqual({ field: 'source', truncated: ['value'] });
  });
});
