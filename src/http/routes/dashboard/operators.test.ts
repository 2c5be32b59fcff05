import { describe, expect, it } from 'vitest';
import { browse, newBrowser, PASSWORD, signedInOperator } from '../../../../test/dashboard-fixtures.js';
import { useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();

/** dashboard.listOperators, createOperator, updateOperatorRole, removeOperator: a workspace's admins manage its operators. */
describe('dashboard operator management', () => {
  it('200: an admin lists, creates, changes the role of and removes operators, each change audited with the admin as actor', async () => {
    const admin = await signedInOperator(t, 'admin');
    const email = `New.${Date.now()}@Example.com`;
    const created = await browse(t, admin.browser, 'dashboard.createOperator', { email, password: PASSWORD, role: 'member' });
    expect(created.status).toBe(200);
    const { operatorId } = created.body.data;
    expect(operatorId).toMatch(/^op_[0-9a-z]+$/);

    const listed = await browse(t, admin.browser, 'dashboard.listOperators');
    expect(listed.status).toBe(200);
    expect(listed.body.data.operators).toContainEqual({
      id: operatorId,
      email: email.toLowerCase(),
      role: 'member',
      mfaEnrolled: false,
      createdAt: t.clock.now(),
    });
    expect(listed.body.data.operators).toContainEqual(expect.objectContaining({ id: admin.operatorId, role: 'admin', mfaEnrolled: true }));

    expect((await browse(t, admin.browser, 'dashboard.updateOperatorRole', { operatorId, role: 'read_only' })).status).toBe(200);
    expect(await t.server.store.findMembership(operatorId, t.workspaceId)).toBe('read_only');
    expect((await browse(t, admin.browser, 'dashboard.removeOperator', { operatorId })).status).toBe(200);
    expect(await t.server.store.findMembership(operatorId, t.workspaceId)).toBeUndefined();

    const records = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: operatorId, limit: 10 });
    expect(records.map((r) => r.event).sort()).toEqual(['operator.create', 'operator.remove', 'operator.update_role']);
    for (const record of records) expect(record.actor).toEqual({ type: 'operator', id: admin.operatorId, name: admin.email });
    expect(JSON.stringify(records)).not.toContain(PASSWORD);

    // The new operator signs in and must enrol MFA first.
    const browser = newBrowser();
    await t.server.store.setMembership(operatorId, t.workspaceId, 'member', t.clock.now());
    expect((await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD })).body.data).toEqual({ next: 'enrol_mfa' });
  });

  it('400: a password shorter than 12 or longer than 256 characters, an unknown role, unknown fields', async () => {
    const admin = await signedInOperator(t, 'admin');
    for (const body of [
      { email: 'short@example.com', password: 'elevenchars', role: 'member' },
      { email: 'long@example.com', password: 'x'.repeat(257), role: 'member' },
      { email: 'role@example.com', password: PASSWORD, role: 'owner' },
      { email: 'extra@example.com', password: PASSWORD, role: 'member', extra: 1 },
      { email: 'not-an-email', password: PASSWORD, role: 'member' },
    ]) {
      const res = await browse(t, admin.browser, 'dashboard.createOperator', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    }
  });

  it('403: members and read_only operators cannot manage operators', async () => {
    for (const role of ['member', 'read_only'] as const) {
      const { browser } = await signedInOperator(t, role);
      expect((await browse(t, browser, 'dashboard.listOperators')).status).toBe(403);
      expect(
        (await browse(t, browser, 'dashboard.createOperator', { email: 'x@example.com', password: PASSWORD, role: 'admin' })).status,
      ).toBe(403);
    }
  });

  it('404: an operator not in this workspace; 409: a taken email, and the last admin cannot be demoted or removed', async () => {
    const other = await t.newWorkspace();
    const outsider = await signedInOperator(t, 'admin', other.workspaceId);
    const admin = await signedInOperator(t, 'admin');
    const notFound = await browse(t, admin.browser, 'dashboard.removeOperator', { operatorId: outsider.operatorId });
    expect(notFound.status).toBe(404);
    expect(notFound.body.error.type).toMatch(/operator_not_found$/);
    const taken = await browse(t, admin.browser, 'dashboard.createOperator', {
      email: outsider.email.toUpperCase(),
      password: PASSWORD,
      role: 'member',
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.type).toMatch(/operator_already_exists$/);

    // In the other workspace the outsider is the only admin.
    const demote = await browse(t, outsider.browser, 'dashboard.updateOperatorRole', { operatorId: outsider.operatorId, role: 'member' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.type).toMatch(/last_admin$/);
    expect((await browse(t, outsider.browser, 'dashboard.removeOperator', { operatorId: outsider.operatorId })).status).toBe(409);
    expect(await t.server.store.findMembership(outsider.operatorId, other.workspaceId)).toBe('admin');
  });

  it('two admins demoting or removing each other at once leave one admin (on PostgreSQL, concurrent transactions)', async () => {
    for (let round = 0; round < 8; round++) {
      const workspace = await t.newWorkspace();
      const a = await signedInOperator(t, 'admin', workspace.workspaceId);
      const b = await signedInOperator(t, 'admin', workspace.workspaceId);
      const [first, second] = await Promise.all([
        browse(t, a.browser, 'dashboard.updateOperatorRole', { operatorId: b.operatorId, role: 'member' }),
        round % 2 === 0
          ? browse(t, b.browser, 'dashboard.updateOperatorRole', { operatorId: a.operatorId, role: 'read_only' })
          : browse(t, b.browser, 'dashboard.removeOperator', { operatorId: a.operatorId }),
      ]);
      // One wins; the other finds itself no longer admin (403) or its target the last admin (409).
      const statuses = [first.status, second.status].sort();
      expect(statuses[0], `round ${round}`).toBe(200);
      expect([403, 409], `round ${round}`).toContain(statuses[1]);
      const roles = await Promise.all([a, b].map((o) => t.server.store.findMembership(o.operatorId, workspace.workspaceId)));
      expect(
        roles.filter((role) => role === 'admin'),
        `round ${round}`,
      ).toHaveLength(1);
    }
  });

  it('401: without a session; 403 without the CSRF header', async () => {
    const res = await browse(t, newBrowser(), 'dashboard.listOperators', {}, { workspaceId: t.workspaceId });
    expect(res.status).toBe(401);
    const admin = await signedInOperator(t, 'admin');
    expect((await browse(t, admin.browser, 'dashboard.listOperators', {}, { csrf: null })).status).toBe(403);
  });
});
