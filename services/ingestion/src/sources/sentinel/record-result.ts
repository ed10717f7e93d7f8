import { toIso } from '../values.ts';
import type { FieldError } from '../types.ts';
import type { Fields } from './fields.ts';

export type { RecordOutcome } from '../types.ts';

/** Collects the field errors of one record (`index` in the batch, paths under `prefix`). */
export class Problems {
  readonly errors: FieldError[] = [];
  private readonly index: number;
  private readonly prefix: string;

  constructor(index: number, prefix = '') {
    this.index = index;
    this.prefix = prefix;
  }

  add(path: string, message: string): undefined {
    this.errors.push({ index: this.index, path: `${this.prefix}${path}`, message });
    return undefined;
  }

  /**
   * An ISO instant from the first present field among `names`, or a field error when it is there but unreadable.
   * `under` is the fields' own path (`properties.` for an incident's properties).
   */
  time(fields: Fields, names: readonly string[], under = ''): string | undefined {
    for (const name of names) {
      const raw = fields.get(name);
      if (raw === undefined || raw === '') continue;
      return (
        toIso(raw) ??
        this.add(
          `${under}${name}`,
          `is not a date-time (${JSON.stringify(raw)}); expected ISO 8601, e.g. 2024-05-01T10:00:00Z`,
        )
      );
    }
    return undefined;
  }
}
