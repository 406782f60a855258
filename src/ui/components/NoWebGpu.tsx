import type { NoWebGpuReason } from '../../workers/api';

/** What went wrong, in the words of the step that failed (src/gpu/device.ts decides which). */
const WHAT: Record<NoWebGpuReason, string> = {
  'no-api': 'This browser does not offer WebGPU to the page: navigator.gpu is missing.',
  'no-adapter': 'This browser has WebGPU, but it found no GPU it will use: the GPU or its driver is probably blocklisted, or hardware acceleration is off.',
  'no-device': 'This browser found a GPU, but it refused to open it for WebGPU.',
};

/** Where WebGPU is on by default, and where it sits behind a setting (versions as of 2025). */
const BROWSERS: { name: string; how: string }[] = [
  { name: 'Chrome, Edge', how: '113+ on Windows, macOS and ChromeOS; Chrome 121+ on Android.' },
  { name: 'Chrome on Linux', how: 'behind a flag: open chrome://flags/#enable-unsafe-webgpu, choose Enabled, relaunch.' },
  { name: 'Safari', how: '26+ on macOS, iOS and iPadOS. Older Safari: Develop → Feature Flags → WebGPU.' },
  { name: 'Firefox', how: '141+ on Windows. Elsewhere: about:config → dom.webgpu.enabled = true, restart.' },
];

/**
 * The page without WebGPU: which step failed, that the shipped model still writes on the CPU, and
 * how to get WebGPU (which browsers have it, and the setting where it is behind one).
 */
export function NoWebGpu(props: { reason: NoWebGpuReason; message: string }) {
  const insecure = typeof window !== 'undefined' && !window.isSecureContext;
  return (
    <section data-testid="no-webgpu" aria-label="WebGPU unavailable" className="mt-3 basis-full rounded-lg border border-amber-700/70 bg-amber-950/40 p-4 text-sm text-amber-100">
      <h2 className="text-base font-semibold text-amber-200">Running on the CPU: WebGPU is unavailable</h2>
      <p className="mt-1">
        {WHAT[props.reason]} The shipped model (0.8M parameters) still writes here, on the CPU, more slowly than on a GPU; training and larger models need WebGPU.
      </p>
      {insecure && props.reason === 'no-api' && (
        <p className="mt-1 font-medium">This page is not a secure context: WebGPU needs https:// (or http://localhost). Open it over https.</p>
      )}
      <h3 className="mt-3 font-medium text-amber-200">To get WebGPU</h3>
      <ul className="mt-1 space-y-0.5">
        {BROWSERS.map((b) => (
          <li key={b.name}>
            <strong>{b.name}</strong>: {b.how}
          </li>
        ))}
      </ul>
      {props.reason !== 'no-api' && (
        <p className="mt-2">
          Already in one of these? Turn on hardware acceleration (Chrome/Edge: Settings → System → Use graphics acceleration), update the GPU driver, and look at
          chrome://gpu (or edge://gpu) for the WebGPU line. A blocklisted GPU can be let through with chrome://flags/#enable-unsafe-webgpu.
        </p>
      )}
      <details className="mt-2 text-xs text-amber-200/80">
        <summary className="cursor-pointer">What the browser said</summary>
        <p className="mt-1 font-mono">{props.message}</p>
      </details>
    </section>
  );
}
