import code from './pack16.wgsl?raw';
import { packedRowWords } from './packed16';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** dst (rows, packedRowWords(cols) u32) = src (rows, cols) f32 rounded to half and packed: one dispatch (pack16.wgsl). */
export function pack16(device: GPUDevice, dst: Buf, src: Buf, rows: number, cols: number): Dispatch {
  const ld = packedRowWords(cols);
  const groups = Math.ceil((rows * ld) / 64);
  const x = Math.min(groups, 65535);
  return createDispatch(device, {
    label: 'pack16',
    pipeline: getPipeline(device, 'pack16', code),
    params: packParams([{ u32: rows }, { u32: cols }, { u32: ld }, { u32: x * 64 }]),
    buffers: [src, dst],
    workgroups: [x, Math.ceil(groups / x)],
  });
}
