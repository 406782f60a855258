/** Imported .zip files (library.ts unpack): a "zip bomb" is refused from its declared sizes, before anything is inflated. */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { unpack } from './library';

/** Sets every central-directory entry's declared uncompressed size (offset 24 of each 0x02014b50 record). */
function declareSizes(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  for (let i = 0; i + 4 <= out.length; i++) if (dv.getUint32(i, true) === 0x02014b50) dv.setUint32(i + 24, size, true);
  return out;
}

describe('unpack', () => {
  const files = { 'config.json': new TextEncoder().encode('{}'), 'tokenizer.json': new TextEncoder().encode('{}') };

  it('gives the files of a zip by name, and loose files as they are', () => {
    const out = unpack([{ name: 'm.zip', bytes: zipSync(files) }, { name: 'model.safetensors', bytes: new Uint8Array(3) }]);
    expect([...out.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
  });

  it('refuses a zip whose entries declare more than 4 GB, without inflating them', () => {
    const bomb = declareSizes(zipSync(files), 0xfffffff0);
    const t0 = performance.now();
    expect(() => unpack([{ name: 'bomb.zip', bytes: bomb }])).toThrow(
      expect.objectContaining({ code: 'BAD_CHECKPOINT', message: 'bomb.zip unpacks to more than 4 GB, more than a model this page can load. Is it the right file?' }),
    );
    expect(performance.now() - t0).toBeLessThan(1000); // inflating 8 GB would take far longer (or run out of memory)
  });

  it('says when a .zip is not a zip', () => {
    expect(() => unpack([{ name: 'x.zip', bytes: new TextEncoder().encode('not a zip at all') }])).toThrow(expect.objectContaining({ code: 'BAD_CHECKPOINT', message: expect.stringMatching(/^x\.zip is not a readable zip file/) }));
  });
});
