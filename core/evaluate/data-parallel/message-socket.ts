/** Newline-delimited JSON messages over one TCP socket, read one at a time (the rendezvous' wire format). */
import type { Socket } from 'node:net';
import { GlmError } from '../../errors.js';

export type Message = { readonly type: string } & Record<string, unknown>;

export class MessageSocket {
  private buffered = '';
  private readonly queue: Message[] = [];
  private waiting: { resolve(m: Message): void; reject(e: unknown): void } | undefined;
  private ended: Error | undefined;

  constructor(
    readonly socket: Socket,
    /** Who is at the other end, for errors ("rank 3"); named once it has said. */
    public peer: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (e) => this.end(e));
    socket.on('close', () => this.end(new Error('connection closed')));
  }

  send(message: Message): void {
    this.socket.write(JSON.stringify(message) + '\n');
  }

  /** The next message; rejects when the connection ends first. */
  next(): Promise<Message> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.ended) return Promise.reject(this.lost());
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  close(): void {
    this.socket.end();
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    for (let at = this.buffered.indexOf('\n'); at >= 0; at = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, at);
      this.buffered = this.buffered.slice(at + 1);
      let message: Message;
      try {
        message = JSON.parse(line) as Message;
      } catch {
        this.end(new Error('sent a line that is not JSON'));
        this.socket.destroy();
        return;
      }
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w.resolve(message);
      else this.queue.push(message);
    }
  }

  private end(e: Error): void {
    if (this.ended) return;
    this.ended = e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(this.lost());
  }

  private lost(): GlmError {
    return new GlmError('backend', `data-parallel rendezvous: ${this.peer}: ${this.ended!.message}`);
  }
}
