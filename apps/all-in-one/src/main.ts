import { runServices } from '@soc/platform';
import { selectServices } from './services.ts';

// The composition root of `npm start`: every service in one process on the embedded default, or the ones
// SOC_SERVICE names (the container image runs one service per pod this way).
try {
  await runServices(selectServices(process.env.SOC_SERVICE));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
