import type { DeadLetter } from '@soc/bus';

/**
 * Lays rows out as left-aligned columns separated by two spaces, the first row being the header. Nothing is
 * truncated: ids are meant to be copied into `soc dlq show` and `soc dlq replay`.
 */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `1h 02m`, `3m 05s`, `42s`: an age an operator reads at a glance. */
export function formatAge(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** The table `soc dlq list` prints: one row per dead letter, the body left to `soc dlq show`. */
export function deadLetterTable(deadLetters: readonly DeadLetter[]): string[] {
  return formatTable([
    ['ID', 'SUBSCRIPTION', 'TYPE', 'REASON', 'DELIVERIES', 'DEAD-LETTERED AT', 'CORRELATION ID'],
    ...deadLetters.map((d) => [
      d.id,
      d.subscription,
      d.type,
      d.reason,
      String(d.deliveryCount),
      d.deadLetteredAt,
      d.correlationId ?? '-',
    ]),
  ]);
}

/**
 * One dead letter as a JSON line for `--json`: the summary fields plus the description, without the body
 * (which can be large; `soc dlq show` prints it). `correlationId` is `null` when the message had none.
 */
export function deadLetterSummary(d: DeadLetter): string {
  return JSON.stringify({
    id: d.id,
    subscription: d.subscription,
    messageId: d.messageId,
    type: d.type,
    reason: d.reason,
    description: d.description,
    deliveryCount: d.deliveryCount,
    deadLetteredAt: d.deadLetteredAt,
    correlationId: d.correlationId ?? null,
  });
}
