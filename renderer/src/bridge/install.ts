import { installHttpBridge } from './http-bridge.js';

// Imported before the components: they reach `window.concurDrop` as soon as
// they are defined. In Electron the preload has put it in place already; in a
// browser (`concur-drop watch --ui-port`) this provides it over HTTP.
installHttpBridge(window);
