import type { Namespace } from './shape';

/** The page's frame: the tabs, the GPU status line, the no-WebGPU note, model loading progress. */
const en = {
  tabs: { label: 'Views', write: 'Write', train: 'Train', models: 'Models', how: 'How it works', training: 'training' },
  gpu: {
    label: 'GPU status',
    starting: 'Starting WebGPU…',
    ready: 'WebGPU ready:',
    unknownAdapter: 'unknown adapter',
    kernels: 'kernels {{how}} ({{summary}})',
    tuned: 'tuned for this GPU in {{seconds}} s',
    cached: 'tuned for this GPU (on an earlier visit)',
    fixed: 'fixed',
    background: 'kernels: the defaults for now, tuning for this GPU in the background ({{percent}})…',
    matmul: 'matmul {{variants}}',
    attention: 'attention {{variant}}',
    default: 'default',
    cpu: 'Running on the CPU: WebGPU is unavailable',
    timeout: 'The engine did not start within {{seconds}} s (its worker may have failed to load). Reload the page; if it happens again, try another browser.',
    noTrainingOnCpu:
      'Training needs WebGPU, which this browser does not give the page (see the note at the top). Without it the page only writes, with small models, on the CPU. Open it in a browser with WebGPU to train.',
  },
  noWebGpu: {
    label: 'WebGPU unavailable',
    reason: {
      'no-api': 'This browser does not offer WebGPU to the page: navigator.gpu is missing.',
      'no-adapter': 'This browser has WebGPU, but it found no GPU it will use: the GPU or its driver is probably blocklisted, or hardware acceleration is off.',
      'no-device': 'This browser found a GPU, but it refused to open it for WebGPU.',
    },
    stillWrites: 'The shipped model (0.8M parameters) still writes here, on the CPU, more slowly than on a GPU; training and larger models need WebGPU.',
    insecure: 'This page is not a secure context: WebGPU needs https:// (or http://localhost). Open it over https.',
    toGet: 'To get WebGPU',
    browsers: {
      chrome: '113+ on Windows, macOS and ChromeOS; Chrome 121+ on Android.',
      chromeLinux: 'behind a flag: open chrome://flags/#enable-unsafe-webgpu, choose Enabled, relaunch.',
      safari: '26+ on macOS, iOS and iPadOS. Older Safari: Develop → Feature Flags → WebGPU.',
      firefox: '141+ on Windows. Elsewhere: about:config → dom.webgpu.enabled = true, restart.',
    },
    already:
      'Already in one of these? Turn on hardware acceleration (Chrome/Edge: Settings → System → Use graphics acceleration), update the GPU driver, and look at chrome://gpu (or edge://gpu) for the WebGPU line. A blocklisted GPU can be let through with chrome://flags/#enable-unsafe-webgpu.',
    browserSaid: 'What the browser said',
  },
  load: {
    loading: 'Loading the model…',
    progressLabel: 'model download',
    mb: '{{loaded}} / {{total}} MB',
    mbOnly: '{{loaded}} MB',
  },
} as const;

export const frame: Namespace<typeof en> = {
  en,
  zh: {
    tabs: { label: '视图', write: '写作', train: '训练', models: '模型', how: '原理', training: '训练中' },
    gpu: {
      label: 'GPU 状态',
      starting: '正在启动 WebGPU…',
      ready: 'WebGPU 已就绪：',
      unknownAdapter: '未知适配器',
      kernels: '计算核{{how}}（{{summary}}）',
      tuned: '已为这块 GPU 调优，用时 {{seconds}} 秒',
      cached: '已为这块 GPU 调优（在之前的访问中）',
      fixed: '为固定设置',
      background: '计算核：暂用默认设置，正在后台为这块 GPU 调优（{{percent}}）…',
      matmul: '矩阵乘法 {{variants}}',
      attention: '注意力 {{variant}}',
      default: '默认',
      cpu: '正在 CPU 上运行：WebGPU 不可用',
      timeout: '引擎在 {{seconds}} 秒内没有启动（它的 Worker 可能没能加载）。请刷新页面；如果再次出现，请换一个浏览器。',
      noTrainingOnCpu: '训练需要 WebGPU，而这个浏览器没有为页面提供它（见顶部的说明）。没有 WebGPU 时，页面只能在 CPU 上用小模型写作。请在支持 WebGPU 的浏览器中打开页面来训练。',
    },
    noWebGpu: {
      label: 'WebGPU 不可用',
      reason: {
        'no-api': '这个浏览器没有向页面提供 WebGPU：navigator.gpu 不存在。',
        'no-adapter': '这个浏览器支持 WebGPU，但没有找到它愿意使用的 GPU：很可能是 GPU 或其驱动被列入了黑名单，或者硬件加速已关闭。',
        'no-device': '这个浏览器找到了 GPU，但拒绝为 WebGPU 打开它。',
      },
      stillWrites: '自带的模型（80 万参数）仍然可以在这里用 CPU 写作，只是比 GPU 慢；训练和更大的模型需要 WebGPU。',
      insecure: '这个页面不是安全上下文：WebGPU 需要 https://（或 http://localhost）。请通过 https 打开。',
      toGet: '如何获得 WebGPU',
      browsers: {
        chrome: 'Windows、macOS 和 ChromeOS 上 113 及以上版本；Android 上 Chrome 121 及以上版本。',
        chromeLinux: '需要打开实验开关：访问 chrome://flags/#enable-unsafe-webgpu，选择 Enabled，然后重启浏览器。',
        safari: 'macOS、iOS 和 iPadOS 上 26 及以上版本。较旧的 Safari：开发 → 功能标志 → WebGPU。',
        firefox: 'Windows 上 141 及以上版本。其他系统：about:config → dom.webgpu.enabled = true，然后重启。',
      },
      already:
        '已经在用其中一个浏览器？请打开硬件加速（Chrome/Edge：设置 → 系统 → 使用图形加速），更新 GPU 驱动，并在 chrome://gpu（或 edge://gpu）中查看 WebGPU 一行。被列入黑名单的 GPU 可以通过 chrome://flags/#enable-unsafe-webgpu 放行。',
      browserSaid: '浏览器的原话',
    },
    load: {
      loading: '正在加载模型…',
      progressLabel: '模型下载',
      mb: '{{loaded}} / {{total}} MB',
      mbOnly: '{{loaded}} MB',
    },
  },
};
