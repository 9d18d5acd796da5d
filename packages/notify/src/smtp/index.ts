/**
 * `@opskit/notify/smtp`: email over SMTP with nodemailer's pooled transport (optional peer `nodemailer`).
 * @packageDocumentation
 */
export { type SmtpProviderOptions, smtpProvider } from './smtp-provider.js'
