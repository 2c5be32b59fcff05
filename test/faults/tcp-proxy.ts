import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between one Keyward node and a server (PostgreSQL, Redis), so a test can cut that node alone off
 * (every connection reset, new ones refused) or stall it (connections stay open, nothing is forwarded), while
 * other nodes keep their own path to the same server.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private mode: 'open' | 'cut' | 'stalled' = 'open';
  port = 0;

  constructor(private readonly targetPort: number) {}

  /** The URL to give the node: `template` with the target's port replaced by the proxy's. */
  url(template: string): string {
    return template.replace(`:${this.targetPort}`, `:${this.port}`);
  }

  async listen(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  private accept(client: Socket): void {
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new (client.constructor as typeof Socket)();
    upstream.connect(this.targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  /** Data read while stalled is held and sent on `restore`, as TCP delivers late what a stalled network held up. */
  private readonly held = new Map<Socket, Buffer[]>();

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.mode === 'stalled') {
        const queue = this.held.get(to) ?? [];
        queue.push(chunk);
        this.held.set(to, queue);
      } else if (!to.destroyed) to.write(chunk);
    });
  }

  /** Resets every connection and refuses new ones until `restore`. */
  cut(): void {
    this.mode = 'cut';
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
    this.held.clear();
  }

  /** Keeps every connection open but forwards nothing either way, as a network that silently drops packets. */
  stall(): void {
    this.mode = 'stalled';
  }

  restore(): void {
    this.mode = 'open';
    for (const [to, queue] of this.held) if (!to.destroyed) for (const chunk of queue) to.write(chunk);
    this.held.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
