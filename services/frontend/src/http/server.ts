import {
  apiFieldOf,
  apiPrefix,
  inApiWords,
  type AnswerOf,
  type BodyOf,
  type Operation,
  type OperationId,
  type ParamsOf,
  type QueryOf,
} from '@chamber/api';
import { ChamberError, Code, errorBody, httpStatusOf, toChamberError } from '@chamber/errors';
import type { Logger } from '@chamber/telemetry';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { send } from '@koa/send';
import Koa from 'koa';
import helmet from 'koa-helmet';
import fs from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Accounts, Caller } from '../auth/accounts.js';
import { RequestValidator } from './validation.js';

/** The session cookie's name. */
export const sessionCookie = 'chamber_session';

/** A cookie without a secret, readable by the dashboard: a session may exist. */
export const signedInCookie = 'chamber_signed_in';

/** The checked input of a request to `Id`, typed by its route's schemas. */
export interface ValidInput<Id extends OperationId> {
  readonly params: ParamsOf<Id>;
  readonly query: QueryOf<Id>;
  readonly body: BodyOf<Id>;
}

/** What the handler of `Id` is given. */
export interface RequestContext<Id extends OperationId> {
  readonly op: Operation;
  /** Checked against the route's schemas: of their types, converted (`?at=5` is 5). */
  readonly input: ValidInput<Id>;
  /** Undefined only on public routes called without credentials. */
  readonly caller: Caller | undefined;
  /** The `If-Match` value without quotes (`*` for any), when given. */
  readonly ifMatch: string | undefined;
  /** The client's address. */
  readonly address: string;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** The Koa context, for cookies and streams. */
  readonly koa: Koa.Context;
}

/**
 * What a handler answers: a status (default the route's), its JSON answer
 * `A` (the route's {@link AnswerOf}), an ETag.
 */
export interface Reply<A> {
  readonly status?: number;
  readonly body?: A;
  readonly etag?: string | number | bigint;
  /** A JSON body already encoded (instead of `body`). */
  readonly json?: string;
  /** Set when the handler wrote the answer itself (a stream). */
  readonly isStreamed?: boolean;
}

/** The implementation of route `Id`. */
export type Handler<Id extends OperationId> = (
  request: RequestContext<Id>,
) => Promise<Reply<AnswerOf<Id>>> | Reply<AnswerOf<Id>>;

/**
 * A handler for every route of the table, each typed by its route: a route
 * without a handler, or a handler answering another type, fails to compile.
 */
export type Handlers = { readonly [Id in OperationId]: Handler<Id> };

/** An answer's timing, for the metrics. */
export interface RequestTiming {
  readonly route: string;
  readonly method: string;
  readonly status: number;
  readonly seconds: number;
}

/** What {@link createHttpApp} assembles. */
export interface HttpAppOptions {
  readonly operations: readonly Operation[];
  readonly handlers: Handlers;
  readonly accounts: Accounts;
  readonly logger: Logger;
  readonly bodyLimitKb: number;
  /**
   * Other body limits, by operation id: in KiB, and what a refusal adds
   * (`a definition may be at most …`).
   */
  readonly bodyLimitFor?: Readonly<
    Record<string, { readonly kb: number; readonly explanation: string }>
  >;
  /** The built dashboard; `/` answers 404 when it does not exist. */
  readonly webRoot: string;
  /** Extra routes outside `/api/v1` (`/metrics`). */
  readonly extraRoutes?: (router: Router) => void;
  readonly onTiming?: (timing: RequestTiming) => void;
  /**
   * A GET's answer kept from an earlier identical request (same URL), with
   * the operation id that answered it: {@link HttpApp.listener} sends it
   * without going through Koa when the caller may call that operation.
   */
  readonly keptAnswer?: (
    url: string,
  ) => { readonly bytes: Buffer; readonly tag: string } | undefined;
}

/** The Koa application, and the request listener to serve it with. */
export type HttpApp = Koa & {
  /**
   * Serves a request: a GET whose answer is kept ({@link HttpAppOptions.keptAnswer})
   * from a caller whose credentials are valid and who holds the route's
   * right is answered at once, with the headers Koa would send; everything
   * else (errors included) goes through Koa.
   */
  readonly listener: RequestListener;
};

/**
 * The frontend's HTTP application: security headers, JSON errors, the REST
 * router built from the route table (authentication, rights, validation,
 * ETags), and the dashboard's static files. Every route has its handler
 * ({@link Handlers}: the compiler checks it).
 */
export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { operations, handlers, accounts, logger } = options;
  const validator = new RequestValidator(operations);
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.on('error', (error: unknown) => logger.debug({ err: error }, 'connection error'));

  app.use(errorsAndTiming(logger, options.onTiming, options.bodyLimitFor));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'] },
      },
      // Served over plain HTTP on a loopback address by default.
      strictTransportSecurity: false,
    }),
  );
  // The security headers are the same on every answer: kept from the first
  // for the answers sent without Koa.
  let securityHeaders: Record<string, string> | undefined;
  app.use(async (ctx, next) => {
    securityHeaders ??= Object.fromEntries(
      Object.entries(ctx.response.headers).map(([k, v]) => [k, String(v)]),
    );
    await next();
  });

  const router = new Router({ prefix: apiPrefix });
  // Fixed paths before parameterised ones: /sessions/current before /sessions/{id}.
  const ordered = [...operations].sort(
    (a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0),
  );
  for (const op of ordered) {
    // The validator checked the input against this route's schemas, which
    // are the ones its handler's types come from.
    const handler = handlers[op.id as OperationId] as unknown as Handler<OperationId>;
    const koaPath = op.path.replace(/\{([A-Za-z]+)\}/g, ':$1');
    const limit = `${options.bodyLimitFor?.[op.id]?.kb ?? options.bodyLimitKb}kb`;
    const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limit, encoding: 'utf-8' });
    router.register(koaPath, [op.method], async (ctx) => {
      ctx.state['route'] = op.id;
      ctx.state['op'] = op;
      const caller = authenticate(ctx, accounts);
      if (op.access !== 'public') {
        if (caller === undefined) {
          throw new ChamberError(
            Code.Unauthenticated,
            'log in first: a session cookie or a bearer token is required',
            { details: { field: 'authorization' } },
          );
        }
        if (op.access !== 'user' && !caller.user.rights.includes(op.access)) {
          throw new ChamberError(
            Code.PermissionDenied,
            `${op.method} ${apiPrefix}${op.path} needs the right "${op.access}", which user "${caller.user.name}" does not hold`,
            { details: { field: 'authorization' } },
          );
        }
      }
      if (op.body !== undefined) {
        requireJson(ctx);
        await parse(ctx, () => Promise.resolve());
      } else if (hasBody(ctx)) {
        throw new ChamberError(
          Code.InvalidArgument,
          `${op.method} ${apiPrefix}${op.path} takes no body`,
          {
            details: { field: 'body' },
          },
        );
      }
      const input = validator.check(op, {
        params: ctx.params,
        query: ctx.query,
        body: ctx.request.body,
      });
      const ifMatch = parseIfMatch(ctx.get('if-match'));
      if (ifMatch !== undefined && op.ifMatch !== true) {
        throw new ChamberError(
          Code.InvalidArgument,
          `${op.method} ${apiPrefix}${op.path} does not take If-Match`,
          {
            details: { field: 'if-match' },
          },
        );
      }
      const aborted = new AbortController();
      // Only a client that leaves before its answer is complete aborts: an
      // abort makes a DOMException, too dear for every finished request.
      ctx.req.once('close', () => {
        if (!ctx.res.writableFinished) aborted.abort();
      });
      const reply = await handler({
        op,
        input,
        caller,
        ifMatch,
        address: ctx.ip,
        signal: aborted.signal,
        koa: ctx,
      });
      if (reply.isStreamed === true) return;
      ctx.status = reply.status ?? op.response.status;
      if (reply.etag !== undefined) ctx.set('ETag', `"${String(reply.etag)}"`);
      if (reply.json !== undefined) {
        ctx.type = 'application/json';
        ctx.body = reply.json;
      } else if (reply.body !== undefined) ctx.body = reply.body;
      else if (ctx.status !== 204) ctx.body = {};
    });
  }
  app.use(router.routes());
  const byId = new Map(operations.map((o) => [o.id, o]));
  if (options.extraRoutes !== undefined) {
    const extra = new Router();
    options.extraRoutes(extra);
    app.use(extra.routes());
  }

  app.use(async (ctx) => {
    if (ctx.path === apiPrefix || ctx.path.startsWith(`${apiPrefix}/`)) {
      const known = operations.some((o) => matches(o.path, ctx.path.slice(apiPrefix.length)));
      if (known) {
        const allowed = methodsFor(operations, ctx.path.slice(apiPrefix.length));
        ctx.set('Allow', allowed.join(', '));
        throw new ChamberError(
          Code.MethodNotAllowed,
          `method ${ctx.method} is not allowed on ${ctx.path}; it takes ${allowed.join(', ')}`,
          { details: { field: 'method' } },
        );
      }
      throw new ChamberError(Code.NotFound, `no route ${ctx.method} ${ctx.path}`, {
        details: { field: 'url' },
      });
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new ChamberError(Code.NotFound, `no route ${ctx.method} ${ctx.path}`, {
        details: { field: 'url' },
      });
    }
    if (!fs.existsSync(options.webRoot)) {
      throw new ChamberError(
        Code.NotFound,
        'the dashboard is not built here; the REST API is under /api/v1',
        { details: { field: 'url' } },
      );
    }
    // @koa/send resolves inside the root and refuses anything that leaves it;
    // a path that climbs (`/assets/x/%2e%2e/`) names no file, even one inside.
    if (/(^|\/)\.\.?(\/|$)/.test(safeDecode(ctx.path))) {
      throw new ChamberError(Code.NotFound, `no file ${ctx.path}`, { details: { field: 'url' } });
    }
    const served = await send(ctx, ctx.path, {
      root: options.webRoot,
      index: 'index.html',
      hidden: false,
    });
    if (served === undefined || served === '') {
      throw new ChamberError(Code.NotFound, `no file ${ctx.path}`, { details: { field: 'url' } });
    }
  });
  const viaKoa = app.callback();
  const keptAnswer = options.keptAnswer;
  const listener: RequestListener = (req, res) => {
    const start = process.hrtime.bigint();
    const kept =
      keptAnswer === undefined || securityHeaders === undefined || !isPlainGet(req)
        ? undefined
        : keptAnswer(req.url ?? '');
    const op = kept === undefined ? undefined : byId.get(kept.tag);
    if (kept === undefined || op === undefined || !mayCall(op, callerOf(req, accounts))) {
      void viaKoa(req, res);
      return;
    }
    sendKept(res, securityHeaders!, kept.bytes);
    options.onTiming?.({
      route: op.id,
      method: 'GET',
      status: 200,
      seconds: Number(process.hrtime.bigint() - start) / 1e9,
    });
  };
  return Object.assign(app, { listener });
}

/** A GET without a body or If-Match: one whose answer depends on its URL and caller alone. */
function isPlainGet(req: IncomingMessage): boolean {
  const h = req.headers;
  return (
    req.method === 'GET' &&
    h['if-match'] === undefined &&
    h['transfer-encoding'] === undefined &&
    (h['content-length'] === undefined || h['content-length'] === '0')
  );
}

/**
 * The caller a request's credentials name, when they are valid; undefined
 * for none, bad or malformed ones (Koa then answers the request, with the
 * error it calls for).
 */
function callerOf(req: IncomingMessage, accounts: Accounts): Caller | undefined {
  const authorization = req.headers.authorization;
  if (authorization !== undefined && authorization !== '') {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    return m === null ? undefined : accounts.authenticate({ bearer: m[1]! });
  }
  const cookie = cookieOf(req.headers.cookie, sessionCookie);
  return cookie === undefined ? undefined : accounts.authenticate({ cookie });
}

/** The value of cookie `name` in a Cookie header, read as Koa's cookies read it (first one, quotes dropped). */
function cookieOf(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header === '') return undefined;
  const m = new RegExp(`(?:^|;) *${name}=([^;]*)`).exec(header);
  if (m === null) return undefined;
  const value = m[1]!;
  return value.startsWith('"') ? value.slice(1, -1) : value;
}

/** Whether `caller` may call `op`: what the router checks before a handler runs. */
function mayCall(op: Operation, caller: Caller | undefined): boolean {
  if (op.access === 'public') return true;
  if (caller === undefined) return false;
  return op.access === 'user' || caller.user.rights.includes(op.access);
}

function sendKept(res: ServerResponse, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  res.end(body);
}

function authenticate(ctx: Koa.Context, accounts: Accounts): Caller | undefined {
  const authorization = ctx.get('authorization');
  if (authorization !== '') {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (m === null) {
      throw new ChamberError(Code.Unauthenticated, 'Authorization must be "Bearer <token>"', {
        details: { field: 'authorization' },
      });
    }
    const caller = accounts.authenticate({ bearer: m[1]! });
    if (caller === undefined) {
      throw new ChamberError(
        Code.Unauthenticated,
        'the bearer token is unknown, revoked or expired',
        { details: { field: 'authorization' } },
      );
    }
    return caller;
  }
  const cookie = ctx.cookies.get(sessionCookie);
  return cookie === undefined ? undefined : accounts.authenticate({ cookie });
}

/** `path` percent-decoded; as it is when it does not decode. */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function hasBody(ctx: Koa.Context): boolean {
  const length = ctx.get('content-length');
  return (length !== '' && length !== '0') || ctx.get('transfer-encoding') !== '';
}

function requireJson(ctx: Koa.Context): void {
  if (hasBody(ctx) && ctx.request.is('application/json') === false) {
    const given = ctx.get('content-type');
    throw new ChamberError(
      Code.UnsupportedMediaType,
      given === ''
        ? 'content-type is missing: the body must be JSON (Content-Type: application/json)'
        : `content-type ${given} is not JSON: send Content-Type: application/json`,
      { details: { field: 'content-type' } },
    );
  }
}

function parseIfMatch(header: string): string | undefined {
  if (header === '') return undefined;
  const m = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(header);
  if (header.trim() === '*') return '*';
  if (m === null) {
    throw new ChamberError(Code.InvalidArgument, 'If-Match must be an ETag in quotes ("12") or *', {
      details: { field: 'if-match' },
    });
  }
  return m[1];
}

function matches(template: string, path: string): boolean {
  const pattern = template.replace(/[.]/g, '\\.').replace(/\{[A-Za-z]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}$`).test(path);
}

function methodsFor(operations: readonly Operation[], path: string): string[] {
  return [...new Set(operations.filter((o) => matches(o.path, path)).map((o) => o.method))];
}

/** Resolves once `req` has been read to its end (its bytes dropped), or has failed or closed. */
function drained(req: Koa.Context['req']): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', resolve).once('close', resolve).once('error', resolve);
    req.resume();
  });
}

/**
 * A 413's message: the body's size when it was announced, the limit, and
 * what the route adds (`the body is 52,428,812 bytes, over this route's
 * limit of 12,065,792 bytes: a definition may be at most 4 MB …`).
 */
function tooLarge(raw: { limit?: unknown; length?: unknown }, explanation?: string): string {
  const bytes = (n: unknown): string | undefined =>
    typeof n === 'number' ? `${n.toLocaleString('en')} bytes` : undefined;
  const size = bytes(raw.length);
  const limit = bytes(raw.limit);
  return [
    `the body is ${size ?? 'too large'}`,
    limit === undefined ? '' : `, over this route's limit of ${limit}`,
    explanation === undefined ? '' : `: ${explanation}`,
  ].join('');
}

/**
 * Answers every error as `{"error":{"code","message","field"}}` with the
 * status mapped once from its code (412 for a conflict when If-Match was
 * sent); every 4xx names its field in the API's words (`apiFieldOf`), and
 * times every request. 5xx answers never carry internals: they are logged
 * with an id the answer quotes.
 */
function errorsAndTiming(
  logger: Logger,
  onTiming: HttpAppOptions['onTiming'],
  bodyLimitFor: HttpAppOptions['bodyLimitFor'],
): Koa.Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } catch (thrown) {
      const { status, body } = errorAnswer(ctx, thrown, logger, bodyLimitFor);
      ctx.status = status;
      ctx.body = body;
      // The body parser refused it unread: read the rest and drop it before
      // answering. A client still sending when the answer came would often
      // see its connection reset instead of the answer.
      if (status === 413) await drained(ctx.req);
      if (status === 429) {
        const retry = (thrown as { details?: { retryAfter?: unknown } }).details?.retryAfter;
        if (typeof retry === 'number') ctx.set('Retry-After', String(retry));
      }
    } finally {
      const route = typeof ctx.state['route'] === 'string' ? ctx.state['route'] : 'other';
      onTiming?.({
        route,
        method: ctx.method,
        status: ctx.status,
        seconds: Number(process.hrtime.bigint() - start) / 1e9,
      });
    }
  };
}

/**
 * A thrown value as a ChamberError: Koa's and the body parser's errors (which
 * carry an HTTP status of their own) become the code that status stands for,
 * so every answer's status comes from the one code → HTTP table.
 */
function asChamberError(
  ctx: Koa.Context,
  thrown: unknown,
  bodyLimitFor: HttpAppOptions['bodyLimitFor'],
): ChamberError {
  if (thrown instanceof URIError) {
    return new ChamberError(Code.InvalidArgument, 'the path is not valid percent-encoding', {
      details: { field: 'url' },
    });
  }
  const httpStatus = (thrown as { status?: unknown } | undefined)?.status;
  if (typeof httpStatus !== 'number' || httpStatus < 400 || httpStatus >= 500) {
    return toChamberError(thrown);
  }
  const raw = thrown as { message?: unknown; type?: unknown; limit?: unknown; length?: unknown };
  if (httpStatus === 415) {
    return new ChamberError(
      Code.UnsupportedMediaType,
      'the body must be JSON (Content-Type: application/json)',
      { details: { field: 'content-type' }, cause: thrown },
    );
  }
  if (httpStatus === 413) {
    return new ChamberError(
      Code.PayloadTooLarge,
      tooLarge(raw, bodyLimitFor?.[String(ctx.state['route'])]?.explanation),
      { details: { field: 'body' }, cause: thrown },
    );
  }
  const message =
    raw.type === 'entity.parse.failed' || httpStatus === 400
      ? `the body is not valid JSON (an object): ${typeof raw.message === 'string' ? raw.message : ''}`.trim()
      : typeof raw.message === 'string'
        ? raw.message
        : 'bad request';
  return new ChamberError(Code.InvalidArgument, message, {
    details: { field: 'body' },
    cause: thrown,
  });
}

function errorAnswer(
  ctx: Koa.Context,
  thrown: unknown,
  logger: Logger,
  bodyLimitFor: HttpAppOptions['bodyLimitFor'],
): { status: number; body: unknown } {
  const error = asChamberError(ctx, thrown, bodyLimitFor);
  const hasIfMatch = ctx.get('if-match') !== '';
  const status = httpStatusOf(error.code, hasIfMatch);
  if (status >= 500 && status !== 503 && status !== 504) {
    const incident = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    logger.error({ err: thrown, incident, route: ctx.state['route'] }, 'request failed');
    return { status, body: errorBody(error.code, `internal error (incident ${incident})`) };
  }
  if (status >= 500) return { status, body: errorBody(error.code, error.message) };
  // Every 4xx names its field in the API's words, whatever service refused it.
  const op = ctx.state['op'] as Operation | undefined;
  const named = error.details?.['field'];
  return {
    status,
    body: errorBody(error.code, inApiWords(op, error.message), {
      field: apiFieldOf(op, typeof named === 'string' ? named : undefined, error.code, hasIfMatch),
    }),
  };
}
