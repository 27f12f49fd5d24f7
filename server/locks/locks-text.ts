import type { LockInfo, LocksMap } from '../../shared/protocol.js';
import type { LockChange } from './lock-diff.js';

const OPEN = Buffer.from('{\n');
const CLOSE = Buffer.from('\n}\n');
const EMPTY = Buffer.from('{}\n');

/** `,\n  "name": {…}` exactly as JSON.stringify(map, null, 2) writes that entry, separator first. */
function entry(name: string, lock: LockInfo): Buffer {
  const one = JSON.stringify({ [name]: lock }, null, 2);
  return Buffer.from(`,\n${one.slice(2, -2)}`);
}

interface Chunk {
  parts: Map<string, Buffer>;
  /** The chunk's fragments joined; null after a change inside it. */
  joined: Buffer | null;
}

/**
 * locks.json's bytes, kept as one encoded fragment per lock, so a batch re-encodes only the locks
 * it changed: 10,000 locks in 0.9 ms instead of 5 ms for JSON.stringify plus encoding, measured.
 * Fragments are grouped in chunks (in file order) whose joined bytes are kept too: joining 10,000
 * fragments per batch was ~4% of the server's CPU at 10,000 locks, so a batch joins again only
 * the chunks it changed. The bytes equal `JSON.stringify(locks, null, 2) + '\n'` for the map it
 * mirrors.
 */
export class LocksText {
  private chunks: Chunk[] = [];
  private readonly where = new Map<string, Chunk>();

  constructor(
    locks: LocksMap,
    private readonly chunkSize = 128,
  ) {
    for (const [name, lock] of Object.entries(locks)) this.append(name, entry(name, lock));
  }

  /** Applies changes in order (a lock released and taken again in one batch moves to the end, as in the map). */
  apply(changes: readonly LockChange[]): void {
    for (const c of changes) {
      const chunk = this.where.get(c.filename);
      if (c.after && c.before && chunk) {
        chunk.parts.set(c.filename, entry(c.filename, c.after));
        chunk.joined = null;
      } else {
        if (chunk) this.remove(c.filename, chunk);
        if (c.after) this.append(c.filename, entry(c.filename, c.after));
      }
    }
  }

  bytes(): Buffer {
    return Buffer.concat(this.pieces());
  }

  /**
   * The bytes as a list of pieces, for a gathered write: joining them (1.2 MB at 10,000 locks)
   * took ~1 ms per batch, most of it touching freshly allocated memory.
   */
  pieces(): Buffer[] {
    if (this.where.size === 0) return [EMPTY];
    // Many removals leave many small chunks; regroup them before they cost more than they save.
    if (this.chunks.length > 4 + (2 * this.where.size) / this.chunkSize) this.regroup();
    const list: Buffer[] = [OPEN];
    this.chunks.forEach((chunk, i) => {
      chunk.joined ??= Buffer.concat([...chunk.parts.values()]);
      list.push(i === 0 ? chunk.joined.subarray(2) : chunk.joined);
    });
    list.push(CLOSE);
    return list;
  }

  private append(name: string, fragment: Buffer): void {
    let last = this.chunks.at(-1);
    if (!last || last.parts.size >= this.chunkSize) this.chunks.push((last = { parts: new Map(), joined: null }));
    last.parts.set(name, fragment);
    last.joined = null;
    this.where.set(name, last);
  }

  private remove(name: string, chunk: Chunk): void {
    chunk.parts.delete(name);
    chunk.joined = null;
    this.where.delete(name);
    if (chunk.parts.size === 0) this.chunks.splice(this.chunks.indexOf(chunk), 1);
  }

  private regroup(): void {
    const all = this.chunks.flatMap((c) => [...c.parts]);
    this.chunks = [];
    this.where.clear();
    for (const [name, fragment] of all) this.append(name, fragment);
  }
}
