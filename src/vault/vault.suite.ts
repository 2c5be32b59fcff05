import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../core/ids.js';
import { VaultDecryptError } from './errors.js';
import { parseCiphertext, type Vault } from './vault.js';

/**
 * The one conformance suite every Vault passes (local over SQLite and PostgreSQL stores, remote over
 * HTTP and HTTPS). `open` must give a vault whose data keys retire after SUITE_DEK_MAX encryptions.
 */
export const SUITE_DEK_MAX = 3;

export interface OpenedVault {
  vault: Vault;
  close(): Promise<void>;
}

const workspace = () => newId('workspace');
const keyId = () => newId('key');

async function rejectsGenerically(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultDecryptError);
  expect((error as Error).message).toBe('decryption failed');
}

export function vaultConformance(name: string, open: () => Promise<OpenedVault>): void {
  describe(`Vault conformance: ${name}`, () => {
    let opened: OpenedVault;
    let vault: Vault;
    beforeAll(async () => {
      opened = await open();
      vault = opened.vault;
    });
    afterAll(async () => {
      await opened.close();
    });

    it('round-trips a plaintext bound to its workspace and key; the ciphertext names its data key', async () => {
      const ws = workspace();
      const id = keyId();
      const encrypted = await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: 'sk_3ZbGAfkmQx1pUq9Wv7cR' });
      expect(encrypted.ciphertext).toMatch(/^kw1\.dek_[0-9a-z]+\.[A-Za-z0-9_-]+$/);
      expect(parseCiphertext(encrypted.ciphertext).dekId).toBe(encrypted.dekId);
      expect(encrypted.ciphertext).not.toContain('3ZbGAfkmQx1pUq9Wv7cR');
      expect(await vault.decrypt({ workspaceId: ws, keyId: id, ciphertext: encrypted.ciphertext })).toBe('sk_3ZbGAfkmQx1pUq9Wv7cR');
    });

    it('reports its master key versions (configured and wrapping data keys), numbers only', async () => {
      await vault.encrypt({ workspaceId: workspace(), keyId: keyId(), plaintext: 'status' });
      const status = await vault.status();
      // Every suite vault is opened with master key version 1 only.
      expect(status).toEqual({ masterKeyVersions: { configured: [1], inUse: [1] } });
    });

    it('uses a fresh nonce every time: the same plaintext never gives the same ciphertext', async () => {
      const ws = workspace();
      const id = keyId();
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) seen.add((await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: 'same' })).ciphertext);
      expect(seen.size).toBe(10);
    });

    it('round-trips any UTF-8 up to the largest accepted key', async () => {
      const ws = workspace();
      for (const plaintext of ['a', 'ключ_🔑_鍵', 'x'.repeat(4096)]) {
        const id = keyId();
        const { ciphertext } = await vault.encrypt({ workspaceId: ws, keyId: id, plaintext });
        expect(await vault.decrypt({ workspaceId: ws, keyId: id, ciphertext })).toBe(plaintext);
      }
    });

    it('refuses a ciphertext moved to another key or another workspace, with the one generic error', async () => {
      const ws = workspace();
      const id = keyId();
      const { ciphertext } = await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: 'moved' });
      await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: keyId(), ciphertext }));
      await rejectsGenerically(vault.decrypt({ workspaceId: workspace(), keyId: id, ciphertext }));
      // Another workspace that has a data key of its own fails alike.
      const other = workspace();
      await vault.encrypt({ workspaceId: other, keyId: keyId(), plaintext: 'other' });
      await rejectsGenerically(vault.decrypt({ workspaceId: other, keyId: id, ciphertext }));
    });

    it('refuses malformed and forged ciphertexts with the one generic error', async () => {
      const ws = workspace();
      const id = keyId();
      const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: 'forged' });
      const body = ciphertext.split('.')[2]!;
      const forgeries = [
        'x',
        'kw1',
        `kw1.${dekId}`,
        `kw2.${dekId}.${body}`,
        `kw1.dek_unknown0000000.${body}`,
        `kw1.${dekId}.${body}.extra`,
        `kw1.${dekId}.${body.slice(0, -2)}`,
        `kw1.${dekId}.${body}==`,
        `kw1.${dekId}.${body.replace(/./, (c) => (c === 'A' ? 'B' : 'A'))}`,
        `kw1.${dekId}.AAAA`,
        `kw1.${dekId}.${'A'.repeat(200)}`,
        `kw1.${dekId}.${body}`.replace('kw1.', 'KW1.'),
      ];
      for (const forged of forgeries) await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: id, ciphertext: forged }));
    });

    it('gives each workspace its own data key', async () => {
      const a = await vault.encrypt({ workspaceId: workspace(), keyId: keyId(), plaintext: 'a' });
      const b = await vault.encrypt({ workspaceId: workspace(), keyId: keyId(), plaintext: 'b' });
      expect(a.dekId).not.toBe(b.dekId);
    });

    it(`retires a data key after ${SUITE_DEK_MAX} encryptions; what it encrypted still decrypts`, async () => {
      const ws = workspace();
      const made = [];
      for (let i = 0; i < SUITE_DEK_MAX * 3 + 1; i++) {
        const id = keyId();
        made.push({
          id,
          plaintext: `key number ${i}`,
          ...(await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: `key number ${i}` })),
        });
      }
      const uses = new Map<string, number>();
      for (const m of made) uses.set(m.dekId, (uses.get(m.dekId) ?? 0) + 1);
      expect(uses.size).toBe(4);
      expect([...uses.values()].every((n) => n <= SUITE_DEK_MAX)).toBe(true);
      for (const m of made) expect(await vault.decrypt({ workspaceId: ws, keyId: m.id, ciphertext: m.ciphertext })).toBe(m.plaintext);
    });

    it('under concurrency: every encryption decrypts and no data key exceeds its share', async () => {
      const ws = workspace();
      const made = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const id = keyId();
          return { id, plaintext: `parallel ${i}`, ...(await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: `parallel ${i}` })) };
        }),
      );
      const uses = new Map<string, number>();
      for (const m of made) uses.set(m.dekId, (uses.get(m.dekId) ?? 0) + 1);
      expect([...uses.values()].every((n) => n <= SUITE_DEK_MAX)).toBe(true);
      const back = await Promise.all(made.map((m) => vault.decrypt({ workspaceId: ws, keyId: m.id, ciphertext: m.ciphertext })));
      expect(back).toEqual(made.map((m) => m.plaintext));
    });
  });
}
