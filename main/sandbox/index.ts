/** The local Concur-compatible Image service: `startSandbox()` and its types. */
export { startSandbox, type Fault, type ReceivedImage, type Sandbox } from './sandbox.js';
