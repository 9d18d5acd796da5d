import { definePackageBuild } from '../../scripts/tsup-preset.ts'

export default definePackageBuild({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    smtp: 'src/smtp/index.ts',
    sendgrid: 'src/sendgrid/index.ts',
    twilio: 'src/twilio/index.ts',
    webhook: 'src/webhook/index.ts',
    apns: 'src/apns/index.ts',
    fcm: 'src/fcm/index.ts',
  },
})
