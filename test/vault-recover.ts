import { createDecipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

/**
 * An attacker's recovery script for the split-leak test: given any of {main database file, vault store
 * file, master keys}, it tries everything it has to turn recoverable-key ciphertexts back into keys. It
 * knows the formats (it has read the source) but nothing secret beyond what it is given.
 *
 * What it tries:
 *  - plaintext-looking keys anywhere in the files (raw bytes, WAL included, and every cell);
 *  - as AES keys: every master key; every 32-byte window of every value of the vault store, and of the
 *    encrypted-key rows besides the ciphertext itself (in case a data key sat there unwrapped); every
 *    32-byte value anywhere in the main database;
 *  - unwrapping every wrapped data key with every master key (with the row's associated data, with any
 *    master version, and with none);
 *  - decrypting every ciphertext (the encrypted-key rows, and any `kw<n>.` value elsewhere) with every
 *    candidate key (with the row's associated data, and with none).
 *
 * Usage: node --import tsx test/vault-recover.ts [--main FILE] [--vault FILE] [--master-keys LIST]
 * prints what it recovered, one per line.
 */

export interface Leak {
  mainDatabase?: string;
  vaultStore?: string;
  /** KEYWARD_MASTER_KEYS as configured. */
  masterKeys?: string;
}

type Row = Record<string, unknown>;

// Both key formats: checksummed (`kw0` and base62, README "Key format") and base58.
const KEYLIKE = /(?:[A-Za-z0-9]{1,16}_)?(?:kw0[0-9A-Za-z]{28,}|[1-9A-HJ-NP-Za-km-z]{16,})/g;
const BASE64 = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/** Every row of every table of a SQLite file, opened read-only. */
function dumpSqlite(file: string): { table: string; row: Row }[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables.flatMap(({ name }) =>
      (db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all() as Row[]).map((row) => ({ table: name, row })),
    );
  } finally {
    db.close();
  }
}

function rawFiles(file: string): Buffer[] {
  return [file, `${file}-wal`, `${file}-journal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
}

/** Bytes a cell value may stand for: itself (blobs), its base64 / base64url / hex decodings. */
function decodings(value: unknown): Buffer[] {
  if (Buffer.isBuffer(value)) return [value];
  if (typeof value !== 'string') return [];
  const out = new Map<string, Buffer>();
  const add = (bytes: Buffer) => out.set(bytes.toString('hex'), bytes);
  for (const part of value.split(/[.:,]/)) {
    if (!BASE64.test(part)) continue;
    add(/[-_]/.test(part) ? Buffer.from(part, 'base64url') : Buffer.from(part, 'base64'));
    if (/^[0-9a-f]+$/i.test(part) && part.length % 2 === 0) add(Buffer.from(part, 'hex'));
  }
  return [...out.values()];
}

function tryOpen(key: Buffer, sealed: Buffer, aad: Buffer | null): Buffer | undefined {
  if (key.length !== 32 || sealed.length < 28) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12), { authTagLength: 16 });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}

const aadOf = (parts: (string | number)[]) => Buffer.from(JSON.stringify(parts), 'utf8');

/** Everything the leak lets one recover that looks like an API key. */
export function recoverKeys(leak: Leak): Set<string> {
  const found = new Set<string>();
  const scan = (text: string) => {
    for (const match of text.matchAll(KEYLIKE)) found.add(match[0]);
  };

  const mainRows = leak.mainDatabase ? dumpSqlite(leak.mainDatabase) : [];
  const vaultRows = leak.vaultStore ? dumpSqlite(leak.vaultStore) : [];
  for (const file of [leak.mainDatabase, leak.vaultStore]) if (file) for (const bytes of rawFiles(file)) scan(bytes.toString('latin1'));
  for (const { row } of [...mainRows, ...vaultRows]) for (const value of Object.values(row)) if (typeof value === 'string') scan(value);

  // Candidate AES keys.
  const masters: { version: number | null; key: Buffer }[] = [];
  for (const entry of (leak.masterKeys ?? '').split(',')) {
    const [version, value] = entry.includes(':') ? entry.trim().split(':') : [null, entry.trim()];
    for (const key of decodings(value ?? ''))
      if (key.length === 32) masters.push({ version: version === null ? null : Number(version), key });
  }
  const candidates: Buffer[] = masters.map((m) => m.key);
  const isCiphertextRow = (table: string, row: Row) =>
    /encrypt/i.test(table) || Object.values(row).some((v) => typeof v === 'string' && /^kw\d+\./.test(v));
  // A stored key could hide anywhere in the vault store or beside a ciphertext: every window; elsewhere, 32-byte values.
  for (const { table, row } of [...vaultRows.map((r) => ({ ...r, table: `vault:${r.table}` })), ...mainRows]) {
    const windows = table.startsWith('vault:') || isCiphertextRow(table, row);
    for (const value of Object.values(row)) {
      const isCiphertext = typeof value === 'string' && /^kw\d+\./.test(value);
      for (const bytes of decodings(value)) {
        if (!windows || isCiphertext) {
          if (bytes.length === 32) candidates.push(bytes);
          continue;
        }
        for (let at = 0; at + 32 <= bytes.length && at < 64; at++) candidates.push(bytes.subarray(at, at + 32));
      }
    }
  }
  // Unwrap every wrapped data key with every master key, every way.
  const versions = [...new Set(masters.map((m) => m.version).filter((v): v is number => v !== null))];
  for (const { row } of vaultRows) {
    for (const value of Object.values(row)) {
      for (const sealed of decodings(value)) {
        for (const master of masters) {
          const aads: (Buffer | null)[] = [null];
          for (const version of [row.master_version as number, ...versions]) {
            aads.push(aadOf(['keyward.dek.v1', String(row.workspace_id), String(row.id), Number(version)]));
          }
          for (const aad of aads) {
            const dek = tryOpen(master.key, sealed, aad);
            if (dek) candidates.push(dek);
          }
        }
      }
    }
  }
  // Decrypt every ciphertext-looking value in the main database with every candidate key.
  const unique = [...new Map(candidates.map((key) => [key.toString('hex'), key])).values()];
  for (const { table, row } of mainRows) {
    if (!isCiphertextRow(table, row)) continue;
    for (const value of Object.values(row)) {
      if (typeof value !== 'string' && !Buffer.isBuffer(value)) continue;
      const parts = typeof value === 'string' ? value.split('.') : [];
      const dekId = parts.length === 3 ? parts[1]! : '';
      const aads: (Buffer | null)[] = [null];
      if (row.key_id !== undefined) aads.push(aadOf(['keyward.key.v1', String(row.workspace_id), String(row.key_id), dekId]));
      for (const sealed of decodings(value)) {
        for (const key of unique) {
          for (const aad of aads) {
            const plaintext = tryOpen(key, sealed, aad);
            if (plaintext) found.add(plaintext.toString('utf8'));
          }
        }
      }
    }
  }
  return found;
}

// As a script.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { main: { type: 'string' }, vault: { type: 'string' }, 'master-keys': { type: 'string' } } });
  const recovered = recoverKeys({
    ...(values.main ? { mainDatabase: values.main } : {}),
    ...(values.vault ? { vaultStore: values.vault } : {}),
    ...(values['master-keys'] ? { masterKeys: values['master-keys'] } : {}),
  });
  for (const key of recovered) process.stdout.write(`${key}\n`);
}
