import type { SimEngineFactory } from './engine-port.js';
import { referenceEngine } from './reference-engine.js';

/**
 * The engine `npm run sim` drives. Until the real engine is built from ports,
 * the reference engine stands in, so the world and the checkers can be run.
 */
export const simEngine: SimEngineFactory = referenceEngine();
