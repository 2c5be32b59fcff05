import type { NodeDependencyState, NodeOps, NodeRecord } from '../store.js';
import type { Executor } from './shared.js';
import type { Tables } from './tables.js';

const toRow = (node: NodeRecord): Tables['nodes'] => ({
  id: node.id,
  name: node.name,
  hostname: node.hostname,
  version: node.version,
  engine: node.engine,
  database_state: node.database,
  redis_state: node.redis,
  started_at: node.startedAt,
  last_seen_at: node.lastSeenAt,
  capabilities: node.capabilities.join(' '),
});

// PostgreSQL answers a BIGINT as a string.
const fromRow = (row: Tables['nodes']): NodeRecord => ({
  id: row.id,
  name: row.name,
  hostname: row.hostname,
  version: row.version,
  engine: row.engine as NodeRecord['engine'],
  database: row.database_state as NodeDependencyState,
  redis: row.redis_state as NodeDependencyState,
  startedAt: Number(row.started_at),
  lastSeenAt: Number(row.last_seen_at),
  capabilities: row.capabilities === '' ? [] : row.capabilities.split(' '),
});

export function nodeSql(db: Executor): NodeOps {
  return {
    async upsertNode(node: NodeRecord): Promise<void> {
      const { id, ...fields } = toRow(node);
      await db
        .insertInto('nodes')
        .values({ id, ...fields })
        .onConflict((oc) => oc.column('id').doUpdateSet(fields))
        .execute();
    },

    async deleteNode(nodeId: string): Promise<boolean> {
      const result = await db.deleteFrom('nodes').where('id', '=', nodeId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async listNodes(): Promise<NodeRecord[]> {
      const rows = await db.selectFrom('nodes').selectAll().orderBy('name').orderBy('id').execute();
      return rows.map(fromRow);
    },

    async pruneNodes(before: number): Promise<number> {
      const result = await db.deleteFrom('nodes').where('last_seen_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
