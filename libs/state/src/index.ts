export type { PutOptions, Query, StateStore, Versioned } from './port.ts';
