import type { EngineErrorCode } from '../../errors';
import type { Namespace } from './shape';

/**
 * The words of an engine error, keyed by its code (src/errors.ts). The engine's own message is
 * English and carries the specifics (numbers, names, files, what to change). The page shows it as
 * is in English; in any other language it shows the code's sentence below, then the engine's
 * message as the detail (errorText in ./index.ts). `unknown` is an error that has no code.
 */
const en = {
  code: {
    NO_WEBGPU: 'This browser does not give the page WebGPU.',
    DEVICE_LOST: 'The GPU device was lost.',
    OUT_OF_MEMORY: 'The GPU ran out of memory. Try a smaller model or batch, or close other tabs that use the GPU.',
    GPU_VALIDATION: 'The GPU refused a command (WebGPU validation failed).',
    BAD_CHECKPOINT: 'The model’s files could not be read.',
    BAD_CORPUS: 'The training text cannot be used.',
    BAD_CONFIG: 'A setting is out of range.',
    TOO_LARGE: 'This is too large for this GPU or browser.',
    DIVERGED: 'Training diverged (the loss became NaN or infinite). Lower the learning rate or go back to a saved checkpoint.',
    ABORTED: 'Cancelled.',
    BUSY: 'The GPU is busy with another job. Stop it first.',
    STORAGE: 'The browser’s storage refused to save or read.',
    NETWORK: 'The model’s files could not be downloaded.',
  } satisfies Record<EngineErrorCode, string>,
  unknown: 'Something went wrong.',
  detail: 'Detail: {{detail}}',
  withPrefix: '{{prefix}}: {{text}}',
} as const;

export const errors: Namespace<typeof en> = {
  en,
  zh: {
    code: {
      NO_WEBGPU: '这个浏览器没有为页面提供 WebGPU。',
      DEVICE_LOST: 'GPU 设备丢失了。',
      OUT_OF_MEMORY: 'GPU 显存不足。请换一个更小的模型或批量，或关闭其他使用 GPU 的标签页。',
      GPU_VALIDATION: 'GPU 拒绝执行一条命令（WebGPU 校验失败）。',
      BAD_CHECKPOINT: '无法读取模型文件。',
      BAD_CORPUS: '这段训练文本无法使用。',
      BAD_CONFIG: '有一项设置超出了允许的范围。',
      TOO_LARGE: '对这块 GPU 或这个浏览器来说太大了。',
      DIVERGED: '训练发散了（损失变成了 NaN 或无穷大）。请调低学习率，或回到已保存的检查点。',
      ABORTED: '已取消。',
      BUSY: 'GPU 正在执行另一项任务，请先停止它。',
      STORAGE: '浏览器存储拒绝了这次保存或读取。',
      NETWORK: '无法下载模型文件。',
    },
    unknown: '出错了。',
    detail: '详情（英文）：{{detail}}',
    withPrefix: '{{prefix}}：{{text}}',
  },
};
