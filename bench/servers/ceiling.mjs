// The ceiling: a bare node:http server that reads a small JSON POST and answers a fixed small JSON body.
// Nothing else runs in this process, so its requests per second are the most a Node process pinned to one
// core can answer under the same load generator; every other figure in bench/RESULTS.md is a ratio of it.
import http from 'node:http';

const body = Buffer.from(JSON.stringify({ meta: { requestId: 'req_ceiling' }, data: { valid: true, code: 'VALID' } }));
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) };

const server = http.createServer((req, res) => {
  // Consume the request body, as any real handler must, before answering.
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
