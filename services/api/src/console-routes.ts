import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import helmet from 'helmet';

/** The console's static files: HTML, ES modules and CSS, no data (every fact comes from an authenticated `/api/v1` call). */
export const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

/**
 * The console's security headers: a strict CSP (scripts, styles and fetches from this origin only, no inline script or
 * style, no framing, no plugins, forms post here only), nosniff, no referrer; helmet's other defaults stay on.
 */
export const consoleHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  // Served over plain HTTP by the embedded default; HSTS is the TLS terminator's to send.
  strictTransportSecurity: false,
});

/**
 * The analyst console (issue 15, first version): `/` and `/console/*`, served without authentication because they
 * hold no data; the page asks for an API token and calls `/api/v1` with it, where every route checks it.
 */
export function consoleRoutes(dir: string = CONSOLE_DIR): Router {
  const router = express.Router();
  const noStore = (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    res.setHeader('cache-control', 'no-cache');
    next();
  };
  router.get('/', consoleHeaders, noStore, (_req, res) => {
    res.sendFile('index.html', { root: dir });
  });
  router.use('/console', consoleHeaders, noStore, express.static(dir, { index: false, dotfiles: 'deny', fallthrough: true, redirect: false }));
  return router;
}
