/**
 * The ranks of a data-parallel job meet at rank 0 over TCP (MASTER_ADDR:MASTER_PORT, as torchrun's
 * rendezvous): every rank connects at the start and says which run it is (a hash of the model and
 * tasks, so ranks started with different arguments are refused before any work), and at the end sends
 * its results to rank 0, which gathers them. A rank that fails sends its error, and one that dies
 * closes its connection: rank 0 then fails with that rank's reason instead of waiting forever.
 * Why TCP and not a shared folder: hosts of an evaluation job need not share a file system, and
 * a lost rank is seen at once.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { GlmError } from '../../errors.js';
import type { DataParallelLaunch } from './launcher-env.js';
import { MessageSocket, type Message } from './message-socket.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expect(m: Message, type: string, peer: string): Message {
  if (m.type === 'error') throw new GlmError('backend', `${peer} failed: ${String(m['message'])}`);
  if (m.type === 'refused') throw new GlmError('usage', `rank 0 refused this rank: ${String(m['reason'])}`);
  if (m.type !== type) throw new GlmError('backend', `data-parallel rendezvous: ${peer} sent "${m.type}", expected "${type}"`);
  return m;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new GlmError('resource', `data-parallel rendezvous: ${what} within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class Rendezvous {
  private constructor(
    private readonly launch: DataParallelLaunch,
    /** Rank 0: one connection per other rank (index = rank); other ranks: the connection to rank 0. */
    private readonly peers: (MessageSocket | undefined)[],
    private readonly server: Server | undefined,
  ) {}

  /** Meet every rank of `launch` (rank 0 listens, the others connect, retrying until it does). */
  static async join(launch: DataParallelLaunch, runId: string, timeoutMs = 300_000): Promise<Rendezvous> {
    if (launch.worldSize === 1) return new Rendezvous(launch, [], undefined);
    return launch.rank === 0 ? Rendezvous.host(launch, runId, timeoutMs) : Rendezvous.visit(launch, runId, timeoutMs);
  }

  private static async host(launch: DataParallelLaunch, runId: string, timeoutMs: number): Promise<Rendezvous> {
    const peers: (MessageSocket | undefined)[] = new Array(launch.worldSize).fill(undefined);
    let joined = 0;
    let allJoined!: () => void;
    let broken!: (e: GlmError) => void;
    const done = new Promise<void>((resolve, reject) => ((allJoined = resolve), (broken = reject)));
    const server = createServer((socket) => {
      const link = new MessageSocket(socket, 'a joining rank');
      void link.next().then((hello) => {
        const rank = hello['rank'];
        // A rank of another run (or a confused launcher) means this job cannot give one result: stop it.
        const refuse = (reason: string) => {
          link.send({ type: 'refused', reason });
          link.close();
          broken(new GlmError('usage', `data-parallel rendezvous: refused a joining rank: ${reason}`));
        };
        if (hello.type !== 'hello' || typeof rank !== 'number' || rank < 1 || rank >= launch.worldSize) return refuse(`not a rank of this job of ${launch.worldSize}`);
        if (hello['worldSize'] !== launch.worldSize) return refuse(`world size ${String(hello['worldSize'])}, rank 0 has ${launch.worldSize}`);
        if (hello['runId'] !== runId) return refuse('it was started with different model, tasks or options than rank 0');
        if (peers[rank]) return refuse(`rank ${rank} joined twice`);
        link.peer = `rank ${rank}`;
        peers[rank] = link;
        if (++joined === launch.worldSize - 1) allJoined();
      }, () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new GlmError('resource', `data-parallel rendezvous: rank 0 cannot listen on port ${launch.masterPort}: ${e.code ?? e.message}`)));
      server.listen(launch.masterPort, resolve);
    });
    try {
      await withTimeout(done, timeoutMs, `only ${joined + 1} of ${launch.worldSize} ranks joined`);
    } catch (e) {
      server.close();
      for (const p of peers) p?.socket.destroy();
      throw e;
    }
    for (const p of peers) p?.send({ type: 'welcome' });
    return new Rendezvous(launch, peers, server);
  }

  private static async visit(launch: DataParallelLaunch, runId: string, timeoutMs: number): Promise<Rendezvous> {
    const deadline = Date.now() + timeoutMs;
    let socket: Socket | undefined;
    while (!socket) {
      try {
        socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(launch.masterPort, launch.masterAddr, () => resolve(s));
          s.once('error', reject);
        });
      } catch (e) {
        if (Date.now() > deadline) throw new GlmError('resource', `data-parallel rendezvous: cannot reach rank 0 at ${launch.masterAddr}:${launch.masterPort}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        await sleep(200);
      }
    }
    const root = new MessageSocket(socket, 'rank 0');
    root.send({ type: 'hello', rank: launch.rank, worldSize: launch.worldSize, runId });
    expect(await withTimeout(root.next(), Math.max(1, deadline - Date.now()), 'rank 0 did not see every rank join'), 'welcome', 'rank 0');
    return new Rendezvous(launch, [root], undefined);
  }

  /** Rank 0: every rank's payload, by rank. Other ranks: send theirs, wait until rank 0 has it; undefined. */
  async gather<T>(payload: T): Promise<T[] | undefined> {
    if (this.launch.worldSize === 1) return [payload];
    if (this.launch.rank !== 0) {
      const root = this.peers[0]!;
      root.send({ type: 'result', payload });
      expect(await root.next(), 'done', 'rank 0');
      return undefined;
    }
    const all: T[] = [payload];
    for (let rank = 1; rank < this.launch.worldSize; rank++) {
      const m = expect(await this.peers[rank]!.next(), 'result', `rank ${rank}`);
      all.push(m['payload'] as T);
    }
    for (const p of this.peers) p?.send({ type: 'done' });
    return all;
  }

  /** This rank failed: tell rank 0 (best effort), so it reports the reason rather than a lost connection. */
  reportFailure(e: unknown): void {
    if (this.launch.rank !== 0) this.peers[0]?.send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }

  close(): void {
    for (const p of this.peers) p?.close();
    this.server?.close();
  }
}
