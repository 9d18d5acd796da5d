/**
 * `@opskit/notify/smtp`: email over SMTP with nodemailer's pooled transport (optional peer `nodemailer`).
 * @packageDocumentation
 */
export { createSmtpProvider, type SmtpProviderOptions } from './smtp-provider.js'
