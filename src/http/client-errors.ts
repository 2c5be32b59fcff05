import type { Socket } from 'node:net';
import type { ErrorCode } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { errorBody, errorContentType } from './errors.js';

/** What Node hands a `clientError` listener: parse errors also carry the raw request bytes (`rawPacket`). */
type ConnectionError = Error & { code?: string };

/** The answer to each kind of refusal; any other parse error is a 400. */
function refusal(code: string | undefined): { code: ErrorCode; detail: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      code: 'request_timeout',
      detail: 'The request was not received in time (KEYWARD_REQUEST_TIMEOUT_MS, KEYWARD_HEADERS_TIMEOUT_MS).',
    };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { code: 'request_headers_too_large', detail: 'The request headers are larger than the server accepts (16 KiB).' };
  }
  return { code: 'invalid_input', detail: `The request is not valid HTTP/1.1 (${code ?? 'unknown error'}).` };
}

/** The Accept header of the refused request, read (never logged) from its raw bytes when Node parsed none. */
function acceptOf(socket: Socket, error: ConnectionError): string | undefined {
  const inFlight = (socket as { _httpMessage?: { req?: { headers?: { accept?: string } } } })._httpMessage;
  if (inFlight?.req?.headers) return inFlight.req.headers.accept;
  const raw = (error as { rawPacket?: unknown }).rawPacket;
  if (!Buffer.isBuffer(raw)) return undefined;
  return /\r\naccept[ \t]*:([^\r\n]*)/i.exec(raw.toString('latin1'))?.[1]?.trim();
}

/**
 * Fastify's `clientErrorHandler`: what the server does with a connection whose request Node's HTTP parser refused
 * (malformed, headers too large) or that timed out before its request was read.
 *
 * Fastify's default logged the whole error at trace level, and a parse error carries `rawPacket`, the raw request
 * bytes: root key and customer key included (issue 11, finding 6). Here only the error's code is logged. The answer
 * is the API's error envelope (docs/errors.md) rather than Fastify's own body, written straight to the socket, as Node
 * does, when no answer to this connection has begun; then the connection is closed.
 */
export function clientErrorHandler(deps: {
  log(fields: { code: string; requestId: string }, message: string): void;
  /** Sent with every answer as well (HSTS over HTTPS, http/hsts.ts). */
  headers: Readonly<Record<string, string>>;
}): (error: ConnectionError, socket: Socket) => void {
  return (error, socket) => {
    // A reset peer has gone: there is no one to answer, and nothing worth a log line.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const requestId = newRequestId();
    const { code, detail } = refusal(error.code);
    deps.log({ code: error.code ?? 'unknown', requestId }, 'refused a malformed or timed-out request');
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const envelope = errorBody(requestId, code, detail);
      const body = JSON.stringify(envelope);
      const headers = {
        'Content-Type': errorContentType(acceptOf(socket, error)),
        'Content-Length': String(Buffer.byteLength(body)),
        Connection: 'close',
        ...deps.headers,
      };
      const head = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`HTTP/1.1 ${envelope.error.status} ${envelope.error.title}\r\n${head}\r\n${body}`);
    }
    // Not destroy(error): the error carries the raw bytes, and would reach every 'error' listener of the socket again.
    socket.destroy();
  };
}
