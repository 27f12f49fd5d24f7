import type { Version } from '../../shared/protocol.js';

/** Versions over HTTP (uploads need progress, which Socket.IO acks do not give). */
const filePath = (name: string) => `/api/files/${name.split('/').map(encodeURIComponent).join('/')}`;

/** Open mode names the caller with a header; users mode sends the session cookie by itself. */
function who(user: string | null): Record<string, string> {
  return user ? { 'x-pdm-user': user } : {};
}

export async function listVersions(name: string, user: string | null): Promise<Version[]> {
  const res = await fetch(`${filePath(name)}/versions`, { headers: who(user) });
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { detail?: string }).detail ?? `HTTP ${res.status}`);
  return ((await res.json()) as { versions: Version[] }).versions;
}

export function versionUrl(name: string, n: number): string {
  return `${filePath(name)}/versions/${n}/content`;
}

export async function restoreVersion(name: string, n: number, user: string | null): Promise<string | null> {
  const res = await fetch(`${filePath(name)}/versions/${n}/restore`, { method: 'POST', headers: who(user) });
  if (res.ok) return null;
  return ((await res.json().catch(() => ({}))) as { detail?: string }).detail ?? `HTTP ${res.status}`;
}

export interface Upload {
  /** Resolves with null on success, or the server's refusal. */
  done: Promise<string | null>;
  abort(): void;
}

/** PUT the bytes as the file's new content, reporting progress (0..1). */
export function uploadVersion(name: string, file: Blob, user: string | null, onProgress: (fraction: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<string | null>((resolve) => {
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) { resolve(null); return; }
      try {
        resolve((JSON.parse(xhr.responseText) as { detail?: string }).detail ?? `HTTP ${xhr.status}`);
      } catch {
        resolve(`HTTP ${xhr.status}`);
      }
    };
    xhr.onerror = () => resolve('The upload failed: the connection was lost.');
    xhr.onabort = () => resolve('Upload cancelled.');
  });
  xhr.open('PUT', `${filePath(name)}/content`);
  for (const [k, v] of Object.entries(who(user))) xhr.setRequestHeader(k, v);
  xhr.setRequestHeader('content-type', 'application/octet-stream');
  xhr.send(file);
  return { done, abort: () => xhr.abort() };
}
