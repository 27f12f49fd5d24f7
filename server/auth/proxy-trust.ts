import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * `--trust-proxy`: which peers are reverse proxies whose `X-Forwarded-For` and
 * `X-Forwarded-Proto` are believed, as Express takes it: a hop count (`1`), or addresses, CIDR
 * ranges and the names `loopback`, `linklocal`, `uniquelocal`, comma-separated. Absent: none.
 */
export type TrustProxy = number | string[];

/** The setting's text as Express and proxy-addr take it; throws a sentence when it is not one. */
export function parseTrustProxy(text: string): TrustProxy {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const list = t.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('expected a hop count or addresses');
  proxyaddr.compile(list); // throws on a bad address
  return list;
}

/** Who a request comes from and how it arrived, through the proxies `trust` names (or none). */
export class ProxyTrust {
  private readonly trust: (addr: string, i: number) => boolean;

  constructor(readonly setting?: TrustProxy) {
    this.trust = setting === undefined ? () => false : typeof setting === 'number' ? (_a, i) => i < setting : proxyaddr.compile(setting);
  }

  /** The client's address: the peer's, or the nearest untrusted one in `X-Forwarded-For`. */
  address(req: IncomingMessage): string {
    return this.setting === undefined ? (req.socket.remoteAddress ?? '') : proxyaddr(req, this.trust);
  }

  /** Whether a peer is one of the named proxies (whose connections carry many clients). */
  isProxy(address: string): boolean {
    return this.setting !== undefined && this.trust(address, 0);
  }

  /** `https` on a TLS socket, or when a trusted proxy says so (`X-Forwarded-Proto`); else `http`. */
  scheme(req: IncomingMessage): 'http' | 'https' {
    if ((req.socket as { encrypted?: boolean }).encrypted === true) return 'https';
    if (this.setting === undefined || !this.trust(req.socket.remoteAddress ?? '', 0)) return 'http';
    const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase();
    return proto === 'https' ? 'https' : 'http';
  }
}
