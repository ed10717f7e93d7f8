import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { EventStreamQuery } from '../live/event-stream-routes.ts';
import { BEARER_PROBLEMS, problems } from './problem.ts';

/** `GET /api/v1/events`: server-sent events for the console (hints, not the record). */
export const livePaths: ZodOpenApiPathsObject = {
  '/api/v1/events': {
    get: {
      tags: ['cases'],
      summary: "Live hints over server-sent events: which cases of the caller's tenants changed (role viewer)",
      description:
        'A `text/event-stream` that stays open: first `retry: 5000`, then `event: ready` (`{ heartbeatSeconds }`), `event: heartbeat` (`{ at }`) every SOC_SSE_HEARTBEAT_SECONDS, and `event: case-changed` (`{ alertId, groupId }`, ids only) when a case of the caller\'s tenants changed. A client reloads what it shows on a hint. 429 beyond SOC_SSE_MAX_STREAMS_PER_PRINCIPAL or SOC_SSE_MAX_STREAMS open streams; 503 while the replica stops.',
      requestParams: { query: EventStreamQuery },
      responses: {
        '200': { description: 'The stream (never ends on its own).', content: { 'text/event-stream': { schema: z.string() } } },
        ...problems(...BEARER_PROBLEMS, 429, 503),
      },
    },
  },
};
