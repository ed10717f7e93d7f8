/**
 * The link from an outbound message (the alert e-mail, the chat cards' "Open case") back to an alert in SOC Copilot:
 * the web console's case page, `/#/case/{alertId}` (it reads `GET /api/v1/alerts/{alertId}` with the analyst's token).
 */
export function caseLink(publicUrl: string, alertId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#/case/${encodeURIComponent(alertId)}`;
}

/**
 * The link from a chat card to a containment request, where no bot can receive an Approve / Deny click (a Teams
 * webhook): today the API's record of the request, `GET /api/v1/containment/{requestId}` (approve and deny are
 * `POST` beside it, with the approver's own token); when the console's approval page exists, this one function changes.
 */
export function containmentLink(publicUrl: string, requestId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/containment/${encodeURIComponent(requestId)}`;
}
