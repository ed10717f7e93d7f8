import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { KpiQuery } from '../kpi-routes.ts';
import { KpiReportSchema } from '../kpi-schema.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';

/** `GET /api/v1/kpis` (issue 15 point 6): the report schema is the one the route's tests check (`KpiReportSchema`). */
export const kpiPaths: ZodOpenApiPathsObject = {
  '/api/v1/kpis': {
    get: {
      tags: ['kpis'],
      summary: "The KPIs of the cases received in [from, to), per tenant of the caller's (role viewer)",
      requestParams: { query: KpiQuery },
      responses: { '200': json('The KPI report: every KPI with its definition and what it was computed over.', KpiReportSchema), ...problems(...BEARER_PROBLEMS, 404) },
    },
  },
};
