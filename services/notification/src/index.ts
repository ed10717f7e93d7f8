export { makeNotificationHandler } from './handler.ts';
export type { NotificationDeps } from './handler.ts';
export { renderAlertEmail, subjectOf } from './render.ts';
export { OutboxChatPoster, OutboxMailer } from './adapters/outbox-mailer.ts';
export type { ChatPoster, Mailer, OutgoingChat, OutgoingEmail } from './ports.ts';
export { notificationService } from './service.ts';
export { NotificationConfig } from './config.ts';
