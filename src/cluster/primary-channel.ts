import { type FromPrimary, isKeywardMessage, type PrimaryNotice, type WorkerNotice, type WorkerRequest } from './messages.js';

/** What a worker process offers to talk to its primary: node:cluster's IPC (`process`), or a test's stand-in. */
export interface IpcPort {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * A worker's side of the channel to its primary: requests answered by id, notices handed to their listener. A request
 * whose message cannot be sent (the primary is gone) rejects at once.
 */
export class PrimaryChannel {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (answer: unknown) => void; reject: (error: Error) => void }>();
  /** Notices that came before their listener (a stop while the worker still starts): handed to it when it comes. */
  private readonly early: PrimaryNotice[] = [];
  private readonly listeners: { [K in PrimaryNotice['kw']]?: (notice: Extract<PrimaryNotice, { kw: K }>) => void } = {};

  constructor(private readonly port: IpcPort) {
    port.on('message', (message) => {
      if (!isKeywardMessage<FromPrimary>(message)) return;
      if (message.kw === 'answer' || message.kw === 'failed') {
        const waiting = this.pending.get(message.id);
        if (waiting === undefined) return;
        this.pending.delete(message.id);
        if (message.kw === 'failed') waiting.reject(new Error(message.error));
        else waiting.resolve(message);
        return;
      }
      const listener = this.listeners[message.kw] as ((notice: PrimaryNotice) => void) | undefined;
      if (listener) listener(message);
      else this.early.push(message);
    });
  }

  request<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (answer) => resolve(answer as T), reject });
      this.send({ ...request, id } as WorkerRequest, (error) => {
        this.pending.delete(id);
        reject(error);
      });
    });
  }

  notify(notice: WorkerNotice): void {
    this.send(notice, () => undefined);
  }

  /** One listener per kind of notice: the worker's bus takes `invalidate`, its start command `stop`. */
  on<K extends PrimaryNotice['kw']>(kind: K, listener: (notice: Extract<PrimaryNotice, { kw: K }>) => void): void {
    this.listeners[kind] = listener as never;
    for (const notice of this.early.filter((n) => n.kw === kind)) {
      this.early.splice(this.early.indexOf(notice), 1);
      listener(notice as Extract<PrimaryNotice, { kw: K }>);
    }
  }

  private send(message: WorkerRequest | WorkerNotice, failed: (error: Error) => void): void {
    if (this.port.send === undefined) {
      failed(new Error('not a cluster worker: no channel to the primary'));
      return;
    }
    try {
      this.port.send(message, (error) => {
        if (error) failed(error);
      });
    } catch (error) {
      failed(error as Error);
    }
  }
}
