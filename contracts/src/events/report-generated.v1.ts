import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** Largest rendered HTML a report event carries: well under Service Bus Standard's 256 KB message limit. */
export const MAX_REPORT_HTML_CHARS = 180_000;

/**
 * Emitted by reporting when a scheduled SOC report (daily or weekly) is due and differs from the last one sent.
 * Consumed by notification, which emails it to the recipients once per `reportId`.
 */
export const ReportGeneratedV1 = defineEvent(
  'soc.report.generated.v1',
  z.object({
    /** `<kind>:<period start>`: one report per kind and period, so a redelivery or a second replica sends nothing twice. */
    reportId: z.string().min(1).max(256),
    kind: z.enum(['daily', 'weekly']),
    period: z.object({
      start: z.iso.datetime({ offset: true }),
      end: z.iso.datetime({ offset: true }),
      timeZone: z.string().min(1).max(64),
    }),
    recipients: z.array(z.email()).min(1).max(50),
    /** Plain text, no control characters (it becomes a mail header). */
    subject: z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters'),
    /** Self-contained, email-safe HTML (inline styles and SVG, no scripts, no remote content). */
    html: z.string().min(1).max(MAX_REPORT_HTML_CHARS),
    text: z.string().max(20_000),
    /** SHA-256 (hex) of the rendered content without its generation time: equal hashes are identical reports. */
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
    /** Headline figures, for subscribers that do not parse the HTML. */
    totals: z.object({ alerts: z.number().int().min(0), incidents: z.number().int().min(0) }),
    /** Where the figures came from, e.g. `state-store` or `log-analytics`. */
    factsSource: z.string().min(1).max(64),
  }),
  'Emitted by reporting when a scheduled SOC report is due and differs from the last one sent. Consumed by notification (email).',
);
