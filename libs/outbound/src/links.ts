/**
 * The link from an outbound message (today the alert e-mail) back to an alert in SOC Copilot. Today the API's case
 * view, `GET /api/v1/alerts/{alertId}`; when the console's case page exists, this one function changes.
 */
export function caseLink(publicUrl: string, alertId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/alerts/${encodeURIComponent(alertId)}`;
}
