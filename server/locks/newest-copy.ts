import type { FileSignature } from './locks-file.js';

/** The change time (ns, the file system's clock) in a signature `ino:size:mtimeNs:ctimeNs`; null for none. */
export function changedAtNs(sig: FileSignature | null | undefined): bigint | null {
  const ns = sig?.split(':')[3];
  if (!ns) return null;
  try {
    return BigInt(ns);
  } catch {
    return null;
  }
}

/**
 * CONTRACT §20: a node never acts on an older copy of locks.json than one it has seen. Copies are
 * ordered by their change time (ctime): the file system stamps it at every rename that publishes
 * a commit, on the share's one clock, and nobody can set it back (a `cp -p` restore keeps an old
 * mtime, never an old ctime). A copy read older than the newest seen (a share's attribute cache
 * lagging behind another node's notice) is left for a later read, unless it stays the only one
 * for `patienceMs` (the file server's clock stepped back): then it is taken after all.
 */
export class NewestCopy {
  private newest = 0n;
  private olderSince: number | null = null;

  constructor(private readonly patienceMs: number) {}

  /** A copy this node wrote or read, or that another node says it wrote. */
  saw(ns: bigint | null): void {
    if (ns !== null && ns > this.newest) this.newest = ns;
  }

  /** The newest change time seen (what a notice to other nodes carries). */
  get newestNs(): bigint {
    return this.newest;
  }

  /** Whether a copy whose signature is `sig` may be taken now (false: read again shortly). */
  mayTake(sig: FileSignature | null, now = Date.now()): boolean {
    const ns = changedAtNs(sig);
    if (ns === null || ns >= this.newest) {
      this.olderSince = null;
      this.saw(ns);
      return true;
    }
    this.olderSince ??= now;
    if (now - this.olderSince < this.patienceMs) return false;
    this.olderSince = null;
    this.newest = ns;
    return true;
  }
}
