import http from 'node:http';
import net from 'node:net';

/** What came back on a raw connection before the server closed it. */
export interface RawAnswer {
  /** The status of the first response line; 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The first HTTP response in `text` (enough for the single answers these tests read). */
export function parseRawAnswer(text: string): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || split < 0) return { status: 0, headers: {}, body: text };
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? Number.NaN);
  const rest = text.slice(split + 4);
  return { status: Number(statusLine.split(' ')[1]), headers, body: Number.isNaN(length) ? rest : rest.slice(0, length) };
}

/** Sends `bytes` on a fresh connection and reads until the server closes it (or `timeoutMs` passes). */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; read so far: ${Buffer.concat(chunks).toString('latin1')}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer is a normal end here: the server destroys the socket of a malformed request.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseRawAnswer(Buffer.concat(chunks).toString('latin1')));
    });
    socket.write(bytes);
  });
}

/**
 * A JSON POST over a real socket (`agent` keeps them alive), as clients send it: through the verify lane, not
 * Fastify's inject. Its status and raw body, for tests that compare answers byte for byte.
 */
export function postOverSocket(
  agent: http.Agent,
  url: string,
  path: string,
  bearer: string,
  payload: string,
): Promise<{ status: number; body: string }> {
  const base = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
