import type { EventEmitter } from 'node:events';
import type { EngineApi, EngineEventMap } from '../engine/types.js';

/**
 * What the shell needs of the engine: its verbs and its typed events. The
 * engine (main/engine/engine.ts) is one; the shell modules depend on this
 * shape only, so each can be tested against a real engine on temp folders.
 */
export type ShellEngine = EngineApi & Pick<EventEmitter<EngineEventMap>, 'on' | 'off' | 'once'>;
