export { ALL_SERVICES, selectServices } from './services.ts';
