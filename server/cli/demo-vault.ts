import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const SAMPLES = [
  'PN1001.mcam',
  'PN1002.mcam',
  'PN1003.vnc',
  'PN1004.mcam',
  'fixtures/FX-200-vise.mcam',
  'fixtures/FX-201-softjaws.vnc',
  'customer-a/PN2001.mcam',
  'customer-a/PN2002.vnc',
  'customer-a/PN2003.mcam',
  'customer-b/PN3001.mcam',
  'customer-b/PN3002.vnc',
  'customer-b/prototypes/PN3100-rev-B.mcam',
];

/** A small vault of fake CAM programs, so `npm start` shows something on a fresh clone. */
export async function createDemoVault(root: string): Promise<void> {
  for (const name of SAMPLES) {
    const abs = join(root, ...name.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    const body = `; PDM Live demo file ${name}\n; not a real CAM program\n` + 'G01 X0 Y0 Z0\n'.repeat(64 + name.length * 8);
    await writeFile(abs, body);
  }
  await writeFile(join(root, 'README.txt'), 'Demo vault for PDM Live: .mcam and .vnc files are tracked, this one is not.\n');
}
