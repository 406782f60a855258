import type { NoWebGpuReason } from '../../workers/api';
import { useTranslation } from '../i18n';

/** Where WebGPU is on by default, and where it sits behind a setting (versions as of 2025). Names stay; the how is translated. */
const BROWSERS = [
  { name: 'Chrome, Edge', how: 'chrome' },
  { name: 'Chrome on Linux', how: 'chromeLinux' },
  { name: 'Safari', how: 'safari' },
  { name: 'Firefox', how: 'firefox' },
] as const;

/**
 * The page without WebGPU: which step failed (in the words of the step src/gpu/device.ts says
 * failed), that the shipped model still writes on the CPU, and how to get WebGPU (which browsers
 * have it, and the setting where it is behind one).
 */
export function NoWebGpu(props: { reason: NoWebGpuReason; message: string }) {
  const { t } = useTranslation('frame');
  const insecure = typeof window !== 'undefined' && !window.isSecureContext;
  return (
    <section data-testid="no-webgpu" aria-label={t('noWebGpu.label')} className="mt-3 basis-full rounded-lg border border-amber-700/70 bg-amber-950/40 p-4 text-sm text-amber-100">
      <h2 className="text-base font-semibold text-amber-200">{t('gpu.cpu')}</h2>
      <p className="mt-1">
        {t(`noWebGpu.reason.${props.reason}`)} {t('noWebGpu.stillWrites')}
      </p>
      {insecure && props.reason === 'no-api' && <p className="mt-1 font-medium">{t('noWebGpu.insecure')}</p>}
      <h3 className="mt-3 font-medium text-amber-200">{t('noWebGpu.toGet')}</h3>
      <ul className="mt-1 space-y-0.5">
        {BROWSERS.map((b) => (
          <li key={b.name}>
            <strong>{b.name}</strong>: {t(`noWebGpu.browsers.${b.how}`)}
          </li>
        ))}
      </ul>
      {props.reason !== 'no-api' && <p className="mt-2">{t('noWebGpu.already')}</p>}
      <details className="mt-2 text-xs text-amber-200/80">
        <summary className="cursor-pointer">{t('noWebGpu.browserSaid')}</summary>
        <p className="mt-1 font-mono">{props.message}</p>
      </details>
    </section>
  );
}
