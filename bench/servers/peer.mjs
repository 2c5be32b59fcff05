// The peer: better-auth 1.7.5 with its API-key plugin (@better-auth/api-key 1.7.5) on SQLite through
// better-sqlite3 in WAL mode (synchronous = NORMAL, as Keyward runs SQLite), with the plugin's default rate limit
// (10 verifications per key per day) and better-auth's own rate limit switched off, verifying keys through a
// node:http handler. Plain JavaScript run by plain node, like Keyward's built server, so neither side pays for a
// TypeScript loader.
//
//   node bench/servers/peer.mjs setup <sqlite file> <keys out file> <count>   creates the schema, a user and <count> keys
//   node bench/servers/peer.mjs serve <sqlite file>                           answers POST {"key": "..."} on a free port
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { apiKey } from '@better-auth/api-key';
import Database from 'better-sqlite3';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';

const [command, file, keysOut, countArg] = process.argv.slice(2);
if (!file || (command !== 'setup' && command !== 'serve')) {
  process.stderr.write('usage: peer.mjs setup <db> <keys out> <count> | serve <db>\n');
  process.exit(2);
}

const database = new Database(file);
database.pragma('journal_mode = WAL');
database.pragma('synchronous = NORMAL');
database.pragma('busy_timeout = 5000');

const options = {
  database,
  secret: 'keyward-bench-peer-secret-0123456789abcdef',
  baseURL: 'http://127.0.0.1',
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
  plugins: [apiKey({ rateLimit: { enabled: false } })],
};
const auth = betterAuth(options);

if (command === 'setup') {
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  const signedUp = await auth.api.signUpEmail({ body: { email: 'bench@example.com', password: 'bench-password-123', name: 'bench' } });
  const userId = signedUp.user.id;
  const count = Number(countArg ?? '1');
  const keys = [];
  for (let i = 0; i < count; i++) {
    const created = await auth.api.createApiKey({ body: { userId, name: `bench${i}` } });
    keys.push(created.key);
  }
  writeFileSync(keysOut, `${keys.join('\n')}\n`);
  database.close();
  process.exit(0);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    let status = 200;
    let answer;
    try {
      const { key } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const result = await auth.api.verifyApiKey({ body: { key } });
      answer = { valid: result.valid, code: result.valid ? 'VALID' : (result.error?.code ?? 'INVALID') };
    } catch (error) {
      status = 500;
      answer = { valid: false, error: String(error?.message ?? error) };
    }
    const body = JSON.stringify(answer);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
const stop = () => {
  server.close(() => {
    database.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
