import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULTS, parseExtensions } from '../config.js';
import { unprotectAll } from '../vault/share-protection.js';
import { VaultIndex } from '../vault/vault-index.js';
import { UsageError } from './settings.js';

/**
 * `pdm-live unprotect --repo DIR [--data DIR]`: every tracked file that has no write bit gets the
 * ones recorded when it was protected (or owner and group write): to switch `--protect` off.
 * Run it with the server stopped, or started without `--protect`.
 */
export async function unprotect(opts: { repo?: string; data?: string; extensions?: string }): Promise<void> {
  if (!opts.repo) throw new UsageError('give the vault with --repo DIR');
  let root: string;
  try {
    root = await realpath(resolve(opts.repo));
  } catch (err) {
    throw new UsageError(`the vault ${opts.repo} is missing or unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const dataDir = opts.data ? resolve(opts.data) : join(root, '.pdm');
  let extensions: string[] = DEFAULTS.extensions;
  try {
    if (opts.extensions) extensions = parseExtensions(opts.extensions);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const layout = { root, dataDir, extensions };
  const index = new VaultIndex(layout);
  await index.scan();
  const { changed, failed } = await unprotectAll(layout, dataDir, index.names());
  console.log(`Gave ${changed} file(s) their write permission back.`);
  if (failed.length > 0) throw new UsageError(`could not change ${failed.length} file(s), e.g. ${failed[0]}`);
}
