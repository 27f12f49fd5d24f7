import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { SMTPServer } from 'smtp-server';

/** One mail as the SMTP server got it. */
export interface Received {
  from: string;
  to: string[];
  raw: string;
  /** The session had switched to TLS (STARTTLS) before the mail was sent. */
  secure: boolean;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that offers STARTTLS with a
 * self-signed certificate and keeps what it receives.
 */
export async function startSmtp(): Promise<{ url: string; mails: Received[]; close(): Promise<void> }> {
  const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048, algorithm: 'sha256' });
  const mails: Received[] = [];
  const server = new SMTPServer({
    key: pems.private,
    cert: pems.cert,
    authOptional: true,
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw, secure: session.secure });
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  // requireTLS: refuse to send unless STARTTLS works; the certificate is the test's own.
  const url = `smtp://127.0.0.1:${port}/?requireTLS=true&tls.rejectUnauthorized=false`;
  return { url, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A mail's decoded text part (quoted-printable undone). */
export function textPart(raw: string): string {
  const m = /Content-Type: text\/plain[^\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([\s\S]*?)\r?\n--/i.exec(raw);
  return (m?.[1] ?? '').replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
