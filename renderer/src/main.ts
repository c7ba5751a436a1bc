import './styles/app.css';
// Order matters: the bridge must exist before the components upgrade.
import './bridge/install.js';
import { api } from './api.js';
import { useLanguage } from './i18n.js';

// The language comes from the settings: known before the first words are drawn.
void api()
  .getSettings()
  .then((view) => useLanguage(view.settings.language))
  .catch(() => undefined)
  .finally(() => import('./app-shell.js'));
