import { describe, expect, it } from 'vitest';
import { PERMISSION_KINDS, permissionsOfRole } from './operator-roles.js';
import { ALL_WILDCARD_PERMISSIONS } from './permissions.js';

describe('operator roles', () => {
  it('classifies every permission of the catalogue, and nothing else', () => {
    expect(Object.keys(PERMISSION_KINDS).sort()).toEqual([...ALL_WILDCARD_PERMISSIONS].sort());
  });

  it('admin holds exactly what the bootstrap root key holds', () => {
    expect([...permissionsOfRole('admin')].sort()).toEqual([...ALL_WILDCARD_PERMISSIONS].sort());
  });

  it('member holds everything but root-key management and changing webhook endpoints (reading them is allowed)', () => {
    const member = permissionsOfRole('member');
    const adminOnly = (p: string) => p.startsWith('rootkey.') || (p.startsWith('webhook.') && p !== 'webhook.*.read_webhook');
    expect([...member].filter(adminOnly)).toEqual([]);
    expect(member.has('webhook.*.read_webhook')).toBe(true);
    expect([...member].sort()).toEqual(ALL_WILDCARD_PERMISSIONS.filter((p) => !adminOnly(p)).sort());
  });

  it('read_only holds every read and nothing that changes state or reveals a key', () => {
    const readOnly = [...permissionsOfRole('read_only')];
    expect(readOnly.every((p) => /\.read_/.test(p))).toBe(true);
    expect(readOnly).toContain('api.*.read_key');
    expect(readOnly).toContain('audit.*.read_audit_log');
    expect(readOnly).not.toContain('api.*.decrypt_key');
    expect(readOnly).not.toContain('api.*.verify_key');
    expect(readOnly).not.toContain('rootkey.*.read_root_key');
  });
});
