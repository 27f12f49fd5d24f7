import type { Version, VersionsBody } from '../../shared/protocol.js';
import { callerHeaders as who, fileUrl, getJson, refusalOf } from './http-api.js';

// Versions over HTTP (uploads need progress, which Socket.IO acks do not give).

export async function listVersions(name: string, user: string | null): Promise<Version[]> {
  return (await getJson<VersionsBody>(fileUrl(name, 'versions'), who(user))).versions;
}

export function versionUrl(name: string, n: number): string {
  return fileUrl(name, 'versions', n, 'content');
}

/** A file's current bytes (the row's download link). */
export function contentUrl(name: string): string {
  return fileUrl(name, 'content');
}

export async function restoreVersion(name: string, n: number, user: string | null): Promise<string | null> {
  const res = await fetch(fileUrl(name, 'versions', n, 'restore'), { method: 'POST', headers: who(user) });
  return res.ok ? null : refusalOf(res);
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
  xhr.open('PUT', fileUrl(name, 'content'));
  for (const [k, v] of Object.entries(who(user))) xhr.setRequestHeader(k, v);
  xhr.setRequestHeader('content-type', 'application/octet-stream');
  xhr.send(file);
  return { done, abort: () => xhr.abort() };
}
