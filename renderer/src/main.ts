import './styles/app.css';
// Order matters: the bridge must exist before the components upgrade.
import './bridge/install.js';
import './app-shell.js';
