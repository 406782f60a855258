import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { installKeyboard } from './ui/keyboard';
import { useStore } from './ui/store';
import { syncUrlState } from './ui/store/url-state';
import './ui/i18n';
import './index.css';

// Before the first render: a shared link's prompt and settings are there from the first paint.
syncUrlState(useStore);
installKeyboard(useStore);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
