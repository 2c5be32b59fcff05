import type { ChildProcess } from 'node:child_process';
import { startProcess } from './module-runner.js';
import type { QueryReply, QueryRequest } from './sqlite-query-process.js';
import { AnalyticsLimitExceeded, type AnalyticsQueryLimits, type CompiledAnalyticsQuery } from './store.js';

/**
 * Query processes for the SQLite analytics file (src/analytics/sqlite-query-process.ts): at most `size` at once, each
 * running one query; idle ones are kept for the next query. A query still running when its time is up has its process
 * killed (there is no other way to stop a better-sqlite3 statement); the next query starts a new one. A query's time
 * counts from when a ready process takes it, so starting a process is not charged to it.
 */

interface Waiting {
  request: Omit<QueryRequest, 'id'>;
  timeoutMs: number;
  resolve(rows: Record<string, unknown>[]): void;
  reject(error: unknown): void;
}

class QueryProcess {
  readonly ready: Promise<void>;
  private current: { id: number; settle(reply: QueryReply | Error): void } | undefined;
  private ended = false;

  constructor(readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      child.once('message', () => {
        // Ready and idle: it keeps nothing alive until it runs a query.
        child.channel?.unref();
        resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`the analytics query process ended before it was ready (${signal ?? code})`)));
    });
    this.ready.catch(() => undefined);
    child.on('message', (reply: QueryReply | { ready: true }) => {
      if ('id' in reply && this.current?.id === reply.id) this.current.settle(reply);
    });
    child.on('exit', (code, signal) => {
      this.ended = true;
      this.current?.settle(new Error(`the analytics query process ended (${signal ?? code})`));
    });
    child.on('error', () => undefined); // 'exit' follows and says it
    // The channel is held until it is ready (so a caller waiting for it is not cut short), then only while it runs a query.
    child.unref();
  }

  get alive(): boolean {
    return !this.ended;
  }

  run(request: QueryRequest): Promise<QueryReply> {
    return new Promise((resolve, reject) => {
      this.current = {
        id: request.id,
        settle: (reply) => {
          this.current = undefined;
          this.child.channel?.unref();
          if (reply instanceof Error) reject(reply);
          else resolve(reply);
        },
      };
      // Held while it runs a query, so the process waits for the answer; idle, it keeps nothing alive.
      this.child.channel?.ref();
      this.child.send(request);
    });
  }

  kill(): void {
    this.ended = true;
    this.child.kill('SIGKILL');
  }
}

export class SqliteQueryPool {
  private readonly idle: QueryProcess[] = [];
  private readonly running = new Set<QueryProcess>();
  private readonly waiting: Waiting[] = [];
  private starting = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly size = 2,
  ) {}

  query(statement: CompiledAnalyticsQuery, limits: AnalyticsQueryLimits): Promise<Record<string, unknown>[]> {
    if (this.closed) return Promise.reject(new Error('the analytics store is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({
        request: { sql: statement.sql, parameters: [...statement.parameters], maxRows: limits.maxRows },
        timeoutMs: limits.timeoutMs,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.waiting.splice(0)) waiting.reject(new Error('the analytics store is closed'));
    for (const process of [...this.idle.splice(0), ...this.running]) process.kill();
    this.running.clear();
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const process = this.idle.pop();
      if (process && !process.alive) continue;
      if (!process) {
        if (this.running.size + this.starting < this.size) this.start();
        return;
      }
      this.execute(process, this.waiting.shift()!);
    }
  }

  private start(): void {
    this.starting++;
    const process = new QueryProcess(startProcess('sqlite-query-process', [this.file]));
    process.ready.then(
      () => {
        this.starting--;
        if (this.closed) return process.kill();
        this.idle.push(process);
        this.dispatch();
      },
      (error: unknown) => {
        this.starting--;
        // Nothing can start a process: every waiting query is told, rather than waiting forever.
        if (this.running.size + this.starting === 0) for (const waiting of this.waiting.splice(0)) waiting.reject(error);
      },
    );
  }

  private execute(process: QueryProcess, waiting: Waiting): void {
    this.running.add(process);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill();
      waiting.reject(new AnalyticsLimitExceeded('time'));
    }, waiting.timeoutMs);
    process.run({ id: this.nextId++, ...waiting.request }).then(
      (reply) => {
        clearTimeout(timer);
        if (reply.ok && reply.tooMany) waiting.reject(new AnalyticsLimitExceeded('rows'));
        else if (reply.ok) waiting.resolve(reply.rows);
        else waiting.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
        this.running.delete(process);
        if (process.alive && !this.closed) this.idle.push(process);
        this.dispatch();
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) waiting.reject(error);
        this.running.delete(process);
        this.dispatch();
      },
    );
  }
}
