import { z } from 'zod';
import { MAX_VENDOR_ID_LENGTH } from '../alert.ts';
import { defineEvent } from '../envelope.ts';
import { MAX_EVENT_SHAPE_LENGTH } from '../event-shape.ts';

/** An analyst's verdict on an alert: a real attack, real but expected activity, or a detection that was wrong. */
export const Disposition = z.enum(['true-positive', 'benign-positive', 'false-positive']);
export type Disposition = z.infer<typeof Disposition>;

/**
 * Emitted by the analyst API when an analyst records (or changes) the disposition of an alert. Consumed by
 * enrichment, whose per-rule, per-entity and per-tenant counts feed the next triage, by the case view, and by ticketing
 * (the case group's ticket is resolved or reopened; the SIEM's classification and status, when configured).
 */
export const AlertDispositionedV1 = defineEvent(
  'soc.alert.dispositioned.v1',
  z.object({
    alertId: z.string().min(1).max(128),
    tenantId: z.string().min(1).max(128),
    /** What enrichment keys rule history by: the alert's source name and rule id, else rule name, else title. */
    rule: z.object({
      source: z.string().min(1).max(64),
      id: z.string().max(MAX_VENDOR_ID_LENGTH).optional(),
      name: z.string().max(1024).optional(),
      title: z.string().min(1).max(1024),
    }),
    /**
     * What the alert's event shows (`eventShapeOf`: process lineage or registry key head), so enrichment counts the
     * disposition per rule and event shape as well as per rule. Added to version 1 as optional; none when the alert
     * shows neither (the rule alone is the key) and on dispositions from before it existed.
     */
    shape: z.string().min(1).max(MAX_EVENT_SHAPE_LENGTH).optional(),
    /** The alert's source-named entity ids (`<type>:<value>`; never ones extracted from free text), so entity history can count the disposition. */
    entityIds: z.array(z.string().min(1).max(2100)).max(500),
    disposition: Disposition,
    /**
     * The alert's case group (`caseGroupKey`), so ticketing resolves or reopens the group's one ticket. Added to version 1
     * as optional; none on dispositions from before it existed (ticketing then leaves the group's ticket alone).
     */
    caseGroup: z.string().min(1).max(128).optional(),
    /**
     * The alert in its source product (the alert's `source.vendorAlertId` and deep link), so ticketing can write the
     * disposition back to the Sentinel incident or Graph alert it came from. Added to version 1 as optional.
     */
    vendor: z.object({ alertId: z.string().min(1).max(MAX_VENDOR_ID_LENGTH), url: z.url({ protocol: /^https?$/ }).max(4096).optional() }).optional(),
    note: z.string().max(2000).optional(),
    /** The authenticated principal who recorded it, never a credential. */
    analyst: z.string().min(1).max(256),
    at: z.iso.datetime({ offset: true }),
  }),
  'Emitted by the analyst API when an analyst records or changes the disposition of an alert. Consumed by enrichment (history), the case view and ticketing (the group ticket, the SIEM status).',
);
