import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { freePort } from './ports.js';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';

const run = promisify(execFile);
const SLAPD = process.env.SLAPD ?? '/usr/sbin/slapd';
export const SUFFIX = 'dc=shop,dc=local';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const ADMINS = `cn=cam-admins,ou=groups,${SUFFIX}`;
/** A group of unique names (the memberof overlay does not follow these): found by `uniqueMember` only. */
export const LEADS = `cn=cam-leads,ou=groups,${SUFFIX}`;
export const SERVICE = `cn=pdm-svc,ou=services,${SUFFIX}`;
export const SERVICE_PASSWORD = 'service-password-1';
const ROOT_DN = `cn=admin,${SUFFIX}`;
const ROOT_PW = 'root-password-1';

/** The people in every test directory: name, password, admin. */
export const PEOPLE_LIST: Array<[string, string, boolean]> = [
  ['alice', 'alice-password', false],
  ['bob', 'bob-password', false],
  ['boss', 'boss-password', true],
];

export interface Slapd {
  url: string;
  ldapsUrl: string;
  /** The CA that signed the ldaps:// certificate (PEM file). */
  caFile: string;
  stop(): Promise<void>;
  /** Starts again on the same ports and data (after `stop`). */
  start(): Promise<void>;
  /** As the directory's root: for tests that change people or groups while the server runs. */
  admin<T>(work: (c: Client) => Promise<T>): Promise<T>;
}

async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'san.ext');
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=PDM Live test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { ca, cert, key };
}

function config(dir: string, tls: { ca: string; cert: string; key: string }): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
TLSCACertificateFile ${tls.ca}
TLSCertificateFile ${tls.cert}
TLSCertificateKeyFile ${tls.key}

database mdb
maxsize 104857600
suffix "${SUFFIX}"
rootdn "${ROOT_DN}"
rootpw ${ROOT_PW}
directory ${dir}/db
overlay memberof
memberof-refint TRUE
# Passwords are for binding only. The admin group is readable by the service account alone, so a
# direct bind can only learn it from the user's own memberOf.
access to attrs=userPassword by anonymous auth by * none
access to dn.base="${ADMINS}" by dn.exact="${SERVICE}" read by * none
access to * by * read
`;
}

/**
 * A real OpenLDAP server on loopback ports, with its configuration, certificates and data in
 * `dir`: `ou=people` (PEOPLE_LIST), `cn=cam-admins` (the admins), and a service account.
 */
export async function startSlapd(dir: string): Promise<Slapd> {
  if (!existsSync(SLAPD)) throw new Error(`slapd not found at ${SLAPD}. Install it with: apt-get install -y slapd`);
  await mkdir(join(dir, 'db'), { recursive: true });
  const tls = await makeCertificates(dir);
  const conf = join(dir, 'slapd.conf');
  await writeFile(conf, config(dir, tls));
  const [port, tlsPort] = [await freePort(), await freePort()];
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${tlsPort}`;
  let proc: ChildProcess | null = null;
  let log = '';

  const start = async () => {
    // -d: stays in the foreground (its log on stderr), so the test owns the process.
    proc = spawn(SLAPD, ['-f', conf, '-h', `${url}/ ${ldapsUrl}/`, '-d', 'stats'], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const c = new Client({ url, connectTimeout: 500, timeout: 1000 });
      try {
        await c.bind(ROOT_DN, ROOT_PW);
        await c.unbind();
        return;
      } catch {
        await c.unbind().catch(() => undefined);
        if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`slapd did not start: ${log.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  const admin = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ url, timeout: 5000 });
    try {
      await c.bind(ROOT_DN, ROOT_PW);
      return await work(c);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  };

  await start();
  await admin(async (c) => {
    await c.add(SUFFIX, { objectClass: ['dcObject', 'organization'], dc: 'shop', o: 'Shop' });
    for (const ou of ['people', 'groups', 'services']) await c.add(`ou=${ou},${SUFFIX}`, { objectClass: 'organizationalUnit', ou });
    await c.add(SERVICE, { objectClass: ['organizationalRole', 'simpleSecurityObject'], cn: 'pdm-svc', userPassword: SERVICE_PASSWORD });
    for (const [name, password] of PEOPLE_LIST) {
      await c.add(`uid=${name},${PEOPLE}`, { objectClass: 'inetOrgPerson', uid: name, cn: name, sn: name, userPassword: password, mail: `${name}@shop.test` });
    }
    const members = PEOPLE_LIST.filter(([, , isAdmin]) => isAdmin).map(([name]) => `uid=${name},${PEOPLE}`);
    await c.add(ADMINS, { objectClass: 'groupOfNames', cn: 'cam-admins', member: members });
    await c.add(LEADS, { objectClass: 'groupOfUniqueNames', cn: 'cam-leads', uniqueMember: `uid=bob,${PEOPLE}` });
  });
  return { url, ldapsUrl, caFile: tls.ca, stop, start, admin };
}
