import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { SessionRecord, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

let counter = 0;
/** Emails are unique store-wide; the shared store gets a fresh one per call. */
const email = (name = 'ops') => `${name}.${Date.now().toString(36)}.${++counter}@Example.com`;

export function operatorCases(suite: StoreSuite): void {
  describe('operators', () => {
    const { withOwnStore, newWorkspace } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    const newOperator = async (address = email()) => {
      const id = newId('operator', NOW);
      expect(await store.insertOperator({ id, email: address, passwordHash: '$argon2id$x', createdAt: NOW })).toBe(true);
      return id;
    };

    const session = (operatorId: string, fields: Partial<SessionRecord> = {}): SessionRecord => ({
      tokenHash: newId('session', NOW),
      operatorId,
      state: 'pending_mfa',
      csrfToken: 'csrf',
      enrolmentSecret: null,
      createdAt: NOW,
      lastSeenAt: NOW,
      expiresAt: NOW + 1000,
      ...fields,
    });

    it('counts operators; an email is unique whatever its case, stored and found lower-cased', async () => {
      await withOwnStore(async (own) => {
        expect(await own.countOperators()).toBe(0);
        const id = newId('operator', NOW);
        expect(await own.insertOperator({ id, email: 'Ada@Example.COM', passwordHash: 'h', createdAt: NOW })).toBe(true);
        expect(await own.insertOperator({ id: newId('operator', NOW), email: 'ada@example.com', passwordHash: 'h', createdAt: NOW })).toBe(
          false,
        );
        expect(await own.countOperators()).toBe(1);
        expect(await own.findOperatorByEmail('ADA@example.com')).toEqual({
          id,
          email: 'ada@example.com',
          passwordHash: 'h',
          totpSecret: null,
          totpLastStep: null,
          createdAt: NOW,
        });
        expect(await own.findOperator(id)).toMatchObject({ email: 'ada@example.com' });
        expect(await own.findOperator(newId('operator', NOW))).toBeUndefined();
      });
    });

    it('MFA: enrolment stores the secret, step and recovery codes; steps move forward only; codes work once; reset clears', async () => {
      const id = await newOperator();
      await store.enrolOperatorMfa(id, 'sealed', 100, ['h1', 'h2', 'h3'], NOW);
      expect(await store.findOperator(id)).toMatchObject({ totpSecret: 'sealed', totpLastStep: 100 });
      expect(await store.claimTotpStep(id, 100)).toBe(false);
      expect(await store.claimTotpStep(id, 99)).toBe(false);
      const raced = await Promise.all([store.claimTotpStep(id, 101), store.claimTotpStep(id, 101)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect(await store.countRecoveryCodes(id)).toBe(3);
      expect(await store.useRecoveryCode(id, 'h2', NOW)).toBe(true);
      expect(await store.useRecoveryCode(id, 'h2', NOW)).toBe(false);
      expect(await store.useRecoveryCode(id, 'unknown', NOW)).toBe(false);
      const other = await newOperator();
      expect(await store.useRecoveryCode(other, 'h1', NOW)).toBe(false);
      expect(await store.countRecoveryCodes(id)).toBe(2);
      // Enrolling again replaces every code.
      await store.enrolOperatorMfa(id, 'sealed2', 200, ['h4'], NOW);
      expect(await store.useRecoveryCode(id, 'h1', NOW)).toBe(false);
      expect(await store.countRecoveryCodes(id)).toBe(1);
      expect(await store.resetOperatorMfa(id)).toBe(true);
      expect(await store.findOperator(id)).toMatchObject({ totpSecret: null, totpLastStep: null });
      expect(await store.countRecoveryCodes(id)).toBe(0);
      expect(await store.claimTotpStep(id, 1)).toBe(true);
    });

    it('memberships: set, read, list per operator and per workspace, change role, remove, count admins', async () => {
      const ws = await newWorkspace();
      const other = await newWorkspace();
      const a = await newOperator(email('a'));
      const b = await newOperator(email('b'));
      await store.setMembership(a, ws, 'admin', NOW);
      await store.setMembership(b, ws, 'read_only', NOW);
      await store.setMembership(a, other, 'member', NOW);
      expect(await store.findMembership(a, ws)).toBe('admin');
      expect(await store.findMembership(b, other)).toBeUndefined();
      expect((await store.listMemberships(a)).map((m) => [m.workspaceId, m.role])).toEqual([
        [ws, 'admin'],
        [other, 'member'],
      ]);
      const listed = await store.listWorkspaceOperators(ws);
      expect(listed.map((o) => [o.id, o.role, o.mfaEnrolled])).toEqual([
        [a, 'admin', false],
        [b, 'read_only', false],
      ]);
      expect(JSON.stringify(listed)).not.toContain('argon2');
      expect(await store.lockWorkspaceAdmins(ws)).toBe(1);
      expect(await store.updateMembershipRole(ws, b, 'admin')).toBe(true);
      expect(await store.lockWorkspaceAdmins(ws)).toBe(2);
      expect(await store.updateMembershipRole(other, b, 'admin')).toBe(false);
      expect(await store.removeMembership(ws, b)).toBe(true);
      expect(await store.removeMembership(ws, b)).toBe(false);
      expect(await store.findMembership(b, ws)).toBeUndefined();
      // setMembership on an existing member changes its role.
      await store.setMembership(a, other, 'read_only', NOW);
      expect(await store.findMembership(a, other)).toBe('read_only');
    });

    it('sessions: insert, find, touch, enrolment secret, activate under a new hash once, delete one or all', async () => {
      const id = await newOperator();
      const first = session(id);
      const second = session(id, { state: 'active' });
      await store.insertSession(first);
      await store.insertSession(second);
      expect(await store.findSession(first.tokenHash)).toEqual(first);
      await store.touchSession(first.tokenHash, NOW + 5);
      expect((await store.findSession(first.tokenHash))?.lastSeenAt).toBe(NOW + 5);
      expect(await store.setSessionEnrolmentSecret(first.tokenHash, 'sealed')).toBe(true);
      expect((await store.findSession(first.tokenHash))?.enrolmentSecret).toBe('sealed');
      const renewed = newId('session', NOW);
      expect(await store.activateSession(first.tokenHash, 'pending_enrolment', renewed, NOW + 6)).toBe(false);
      expect(await store.activateSession(first.tokenHash, 'pending_mfa', renewed, NOW + 6)).toBe(true);
      expect(await store.activateSession(first.tokenHash, 'pending_mfa', newId('session', NOW), NOW + 6)).toBe(false);
      expect(await store.findSession(first.tokenHash)).toBeUndefined();
      expect(await store.findSession(renewed)).toMatchObject({ state: 'active', enrolmentSecret: null, lastSeenAt: NOW + 6 });
      await store.deleteSession(renewed);
      expect(await store.findSession(renewed)).toBeUndefined();
      await store.insertSession(session(id));
      expect(await store.deleteOperatorSessions(id)).toBe(2);
      expect(await store.findSession(second.tokenHash)).toBeUndefined();
    });

    it('the setup token: replaced by the next, consumed once before it expires, never after', async () => {
      await withOwnStore(async (own) => {
        await own.replaceSetupToken('old', NOW, NOW + 100);
        await own.replaceSetupToken('new', NOW, NOW + 100);
        expect(await own.consumeSetupToken('old', NOW)).toBe(false);
        const raced = await Promise.all([own.consumeSetupToken('new', NOW), own.consumeSetupToken('new', NOW)]);
        expect(raced.filter(Boolean)).toHaveLength(1);
        await own.replaceSetupToken('late', NOW, NOW + 100);
        expect(await own.consumeSetupToken('late', NOW + 100)).toBe(false);
      });
    });
  });
}
