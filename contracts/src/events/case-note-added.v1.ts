import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** The longest note an analyst may add to a case. */
export const MAX_NOTE_LENGTH = 4000;

/**
 * Emitted by the analyst API when an analyst adds a note to a case (one alert). Consumed by the case view (the case's
 * `notes`, newest last); search indexes its `text`. The text is the analyst's free text: shown as text, never markup.
 */
export const CaseNoteAddedV1 = defineEvent(
  'soc.case.note-added.v1',
  z.object({
    alertId: z.string().min(1).max(128),
    tenantId: z.string().min(1).max(128),
    noteId: z.string().min(1).max(128),
    text: z.string().min(1).max(MAX_NOTE_LENGTH),
    /** The authenticated principal who wrote it. */
    author: z.string().min(1).max(256),
    at: z.iso.datetime({ offset: true }),
  }),
  'Emitted by the analyst API when an analyst adds a note to a case (alert). Consumed by the case view; search indexes its text.',
);
