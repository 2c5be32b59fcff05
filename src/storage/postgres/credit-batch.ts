import { type Kysely, sql } from 'kysely';
import { standingFrom, type StandingRow } from '../sql/credits.js';
import type { SqlDialect } from '../sql/dialect.js';
import type { Tables } from '../sql/tables.js';
import type { KeyStanding, Spend, SpendCondition } from '../store.js';

interface PendingSpend {
  cost: number;
  condition: SpendCondition;
  resolve(spend: Spend): void;
  reject(error: unknown): void;
}

/** The key's row as the charge's condition reads it (sql/credits.ts), locked until the group commits. */
const lockedStandingSql = (keyId: string) =>
  sql<StandingRow>`SELECT k.remaining, k.enabled, k.expires, k.updated_at, k.deleted_at, a.deleted_at AS api_deleted_at
    FROM keys k JOIN apis a ON a.id = k.api_id WHERE k.id = ${keyId} FOR UPDATE OF k`;

/** Whether a spend may be charged against `key` as it stands: the same condition as the single statement (sql/credits.ts). */
function chargeable(key: KeyStanding | undefined, cost: number, condition: SpendCondition): key is KeyStanding & { remaining: number } {
  return (
    key?.live === true &&
    key.enabled &&
    (key.expires === null || key.expires >= condition.now) &&
    (key.updatedAt ?? -1) === (condition.updatedAt ?? -1) &&
    key.remaining !== null &&
    key.remaining >= cost
  );
}

/**
 * Credit spends on PostgreSQL, grouped per key (docs/decisions/0024). A spend on its own is one conditional UPDATE
 * committed on its own; concurrent spends of one key then queue on that row's lock and each waits for the previous
 * commit, so a hot key did about 2,700 verifications a second (bench/RESULTS.md). Here a key has at most one write in
 * flight: a spend that finds none runs the single statement at once; spends that arrive meanwhile wait for it and
 * then go together, in one transaction that locks the row (SELECT ... FOR UPDATE), decides each spend in arrival
 * order against the balance the ones before it left, with the single statement's condition, writes the balance
 * once and commits once. Each caller is answered only after that commit; if it fails, every spend in the group fails
 * and nothing is charged. The row lock keeps it exact beside every other writer (other nodes, changeCredits).
 */
export class PostgresCreditBatch {
  /** Spends waiting for their key's write in flight, by key; a key is here exactly while a write of it is in flight. */
  private readonly waiting = new Map<string, PendingSpend[]>();

  constructor(
    private readonly kysely: Kysely<Tables>,
    private readonly dialect: SqlDialect,
    private readonly single: (keyId: string, cost: number, condition: SpendCondition) => Promise<Spend>,
  ) {}

  charge(keyId: string, cost: number, condition: SpendCondition): Promise<Spend> {
    const queue = this.waiting.get(keyId);
    if (queue !== undefined) return new Promise((resolve, reject) => queue.push({ cost, condition, resolve, reject }));
    this.waiting.set(keyId, []);
    const spend = this.single(keyId, cost, condition);
    spend.then(
      () => this.next(keyId),
      () => this.next(keyId),
    );
    return spend;
  }

  /** The write in flight for `keyId` is done: the spends that waited for it go as one group, or the key is idle. */
  private next(keyId: string): void {
    const group = this.waiting.get(keyId) ?? [];
    if (group.length === 0) {
      this.waiting.delete(keyId);
      return;
    }
    this.waiting.set(keyId, []);
    this.commitGroup(keyId, group).then(
      (outcomes) => {
        group.forEach((spend, i) => {
          spend.resolve(outcomes[i]!);
        });
        this.next(keyId);
      },
      (error: unknown) => {
        for (const spend of group) spend.reject(error);
        this.next(keyId);
      },
    );
  }

  private commitGroup(keyId: string, group: PendingSpend[]): Promise<Spend[]> {
    return this.kysely.transaction().execute(async (trx) => {
      const locked = lockedStandingSql(keyId).compile(trx);
      this.dialect.keepPrepared(locked.sql);
      const key = standingFrom((await trx.executeQuery(locked)).rows[0]);
      const outcomes: Spend[] = [];
      let remaining = key?.remaining ?? null;
      for (const { cost, condition } of group) {
        const standing = key && { ...key, remaining };
        if (chargeable(standing, cost, condition)) {
          remaining = standing.remaining - cost;
          outcomes.push({ charged: true, remaining });
        } else {
          outcomes.push({ charged: false, key: standing });
        }
      }
      if (key !== undefined && remaining !== key.remaining) {
        const write = sql`UPDATE keys SET remaining = ${remaining} WHERE id = ${keyId}`.compile(trx);
        this.dialect.keepPrepared(write.sql);
        await trx.executeQuery(write);
      }
      return outcomes;
    });
  }
}
