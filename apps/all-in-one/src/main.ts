import { runServices } from '@soc/platform';
import { selectServices } from './services.ts';

// The composition root of `npm start`: every service in one process on the embedded default, or the ones
// SOC_SERVICE names (the container image runs one service per pod this way).
try {
  await runServices(selectServices(process.env.SOC_SERVICE));
} catch (error) {
  // Configuration errors already list every problem; anything else needs its stack to be diagnosed.
  const isConfig = (error as { code?: unknown }).code === 'CONFIGURATION_INVALID';
  console.error(isConfig && error instanceof Error ? error.message : error);
  process.exit(1);
}
