import { sql } from 'kysely';
import { newId } from '../../core/ids.js';
import type { NewPermission, NewRole, PermissionRecord, RbacOps, RoleRecord, SearchPageQuery } from '../store.js';
import { anyContains, pageAfter, type Executor } from './shared.js';
import type { Tables } from './tables.js';

type PermissionRow = Pick<Tables['permissions'], 'id' | 'name' | 'slug' | 'description'>;
type RoleRow = Pick<Tables['roles'], 'id' | 'name' | 'description'>;

const permissionFromRow = (row: PermissionRow): PermissionRecord => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  description: row.description,
});

/** Ordered in JS, not SQL: PostgreSQL may collate by locale, and both engines must answer in the same order. */
const byText =
  <T>(text: (item: T) => string) =>
  (a: T, b: T): number =>
    text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0;
const bySlug = byText<PermissionRecord>((p) => p.slug);

async function permissionsBySlug(db: Executor, workspaceId: string, slugs: readonly string[]): Promise<PermissionRecord[]> {
  if (slugs.length === 0) return [];
  const rows = await db
    .selectFrom('permissions')
    .select(['id', 'name', 'slug', 'description'])
    .where('workspace_id', '=', workspaceId)
    .where('slug', 'in', [...new Set(slugs)])
    .execute();
  return rows.map(permissionFromRow).sort(bySlug);
}

/** The workspace's permissions with these slugs, creating missing ones (named after their slug; race-safe). */
export async function ensurePermissions(db: Executor, workspaceId: string, slugs: string[], now: number): Promise<PermissionRecord[]> {
  const unique = [...new Set(slugs)];
  if (unique.length === 0) return [];
  await db
    .insertInto('permissions')
    .values(
      unique.map((slug) => ({
        id: newId('permission', now),
        workspace_id: workspaceId,
        name: slug,
        slug,
        description: null,
        created_at: now,
        updated_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(['workspace_id', 'slug']).doNothing())
    .execute();
  return permissionsBySlug(db, workspaceId, unique);
}

/** The roles (in the given order) with their permissions, loaded for all of them in one query. */
async function withPermissions(db: Executor, rows: RoleRow[]): Promise<RoleRecord[]> {
  if (rows.length === 0) return [];
  const links = await db
    .selectFrom('role_permissions as rp')
    .innerJoin('permissions as p', 'p.id', 'rp.permission_id')
    .select(['rp.role_id', 'p.id', 'p.name', 'p.slug', 'p.description'])
    .where(
      'rp.role_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  const byRole = new Map<string, PermissionRecord[]>(rows.map((r) => [r.id, []]));
  for (const link of links) byRole.get(link.role_id)!.push(permissionFromRow(link));
  return rows.map((r) => ({ id: r.id, name: r.name, description: r.description, permissions: byRole.get(r.id)!.sort(bySlug) }));
}

export function rbacSql(db: Executor): RbacOps {
  return {
    async insertPermission(row: NewPermission): Promise<boolean> {
      // DO NOTHING rather than catching the violation: a failed statement would abort a PostgreSQL transaction.
      const result = await db
        .insertInto('permissions')
        .values({
          id: row.id,
          workspace_id: row.workspaceId,
          name: row.name,
          slug: row.slug,
          description: row.description,
          created_at: row.createdAt,
          updated_at: null,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'slug']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async findPermission(workspaceId: string, idOrSlug: string): Promise<PermissionRecord | undefined> {
      // A slug may spell another permission's id; the id wins, so an id always reaches its own permission.
      const row = await db
        .selectFrom('permissions')
        .select(['id', 'name', 'slug', 'description'])
        .where('workspace_id', '=', workspaceId)
        .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
        .orderBy(sql`CASE WHEN id = ${idOrSlug} THEN 0 ELSE 1 END`)
        .limit(1)
        .executeTakeFirst();
      return row ? permissionFromRow(row) : undefined;
    },

    findPermissionsBySlug: (workspaceId: string, slugs: readonly string[]): Promise<PermissionRecord[]> =>
      permissionsBySlug(db, workspaceId, slugs),

    async listPermissions(q: SearchPageQuery): Promise<PermissionRecord[]> {
      const rows = await db
        .selectFrom('permissions')
        .select(['id', 'name', 'slug', 'description'])
        .where('workspace_id', '=', q.workspaceId)
        .$if(q.search !== undefined, (qb) => qb.where(anyContains(['id', 'name', 'slug', 'description'], q.search!)))
        .$call(pageAfter(q))
        .execute();
      return rows.map(permissionFromRow);
    },

    async deletePermission(workspaceId: string, permissionId: string): Promise<boolean> {
      const result = await db
        .deleteFrom('permissions')
        .where('id', '=', permissionId)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await db.deleteFrom('key_permissions').where('permission_id', '=', permissionId).execute();
      await db.deleteFrom('role_permissions').where('permission_id', '=', permissionId).execute();
      return true;
    },

    async insertRole(row: NewRole): Promise<boolean> {
      // DO NOTHING rather than catching the violation: a failed statement would abort a PostgreSQL transaction.
      const result = await db
        .insertInto('roles')
        .values({
          id: row.id,
          workspace_id: row.workspaceId,
          name: row.name,
          description: row.description,
          created_at: row.createdAt,
          updated_at: null,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async findRole(workspaceId: string, idOrName: string): Promise<RoleRecord | undefined> {
      // A name may spell another role's id; the id wins, so an id always reaches its own role.
      const row = await db
        .selectFrom('roles')
        .select(['id', 'name', 'description'])
        .where('workspace_id', '=', workspaceId)
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
        .orderBy(sql`CASE WHEN id = ${idOrName} THEN 0 ELSE 1 END`)
        .limit(1)
        .executeTakeFirst();
      return row ? (await withPermissions(db, [row]))[0] : undefined;
    },

    async findRolesByName(workspaceId: string, names: readonly string[]): Promise<RoleRecord[]> {
      if (names.length === 0) return [];
      const rows = await db
        .selectFrom('roles')
        .select(['id', 'name', 'description'])
        .where('workspace_id', '=', workspaceId)
        .where('name', 'in', [...new Set(names)])
        .execute();
      return (await withPermissions(db, rows)).sort(byText((r) => r.name));
    },

    async listRoles(q: SearchPageQuery): Promise<RoleRecord[]> {
      const rows = await db
        .selectFrom('roles')
        .select(['id', 'name', 'description'])
        .where('workspace_id', '=', q.workspaceId)
        .$if(q.search !== undefined, (qb) => qb.where(anyContains(['id', 'name', 'description'], q.search!)))
        .$call(pageAfter(q))
        .execute();
      return withPermissions(db, rows);
    },

    async deleteRole(workspaceId: string, roleId: string): Promise<boolean> {
      const result = await db.deleteFrom('roles').where('id', '=', roleId).where('workspace_id', '=', workspaceId).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await db.deleteFrom('key_roles').where('role_id', '=', roleId).execute();
      await db.deleteFrom('role_permissions').where('role_id', '=', roleId).execute();
      return true;
    },

    async setRolePermissions(workspaceId: string, roleId: string, slugs: string[], now: number): Promise<PermissionRecord[]> {
      // Writing the role first holds its row lock (PostgreSQL) until the transaction ends, so concurrent replacements
      // of one role's permissions apply one after another instead of mixing their sets.
      await db.updateTable('roles').set({ updated_at: now }).where('id', '=', roleId).where('workspace_id', '=', workspaceId).execute();
      await db.deleteFrom('role_permissions').where('role_id', '=', roleId).execute();
      const permissions = await ensurePermissions(db, workspaceId, slugs, now);
      if (permissions.length === 0) return [];
      await db
        .insertInto('role_permissions')
        .values(permissions.map((p) => ({ role_id: roleId, permission_id: p.id, workspace_id: workspaceId, created_at: now })))
        .execute();
      return permissions;
    },
  };
}
