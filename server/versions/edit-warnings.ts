import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../storage/durable-files.js';

/**
 * Files whose content changed on disk while nobody held their lock, kept in
 * `<data>/edit-warnings.json` until the file is next checked out and in.
 */
export class EditWarnings {
  private names = new Set<string>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async load(): Promise<void> {
    try {
      this.names = new Set(JSON.parse(await readFile(this.file, 'utf8')) as string[]);
    } catch {
      this.names = new Set();
    }
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  add(name: string): Promise<void> {
    if (this.names.has(name)) return this.writing;
    this.names.add(name);
    return this.save();
  }

  delete(name: string): Promise<void> {
    if (!this.names.delete(name)) return this.writing;
    return this.save();
  }

  private save(): Promise<void> {
    const text = JSON.stringify([...this.names].sort(), null, 2) + '\n';
    this.writing = this.writing.then(() => writeFileAtomic(this.file, text)).catch(() => undefined);
    return this.writing;
  }
}
