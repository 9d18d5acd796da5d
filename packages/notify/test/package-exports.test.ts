import { join } from 'node:path'
import { describePackageExports } from '../../../test-support/src/index.js'

describePackageExports({
  packageDir: join(import.meta.dirname, '..'),
  expected: {
    '.': ['createNotifier', 'createKyselyNotifyStore', 'NotifyError', 'configFromEnv'],
    './testing': ['createMemoryNotifyStore', 'mockProviders', 'expectSent'],
    './smtp': ['createSmtpProvider'],
    './sendgrid': ['createSendGridProvider', 'verifySendGridSignature'],
    './twilio': ['createTwilioProvider', 'parseTwilioStatusCallback'],
    './webhook': ['createWebhookProvider'],
    './apns': ['createApnsProvider'],
    './fcm': ['createFcmProvider'],
  },
  notAtRoot: [
    'createMemoryNotifyStore',
    'mockProviders',
    'createSmtpProvider',
    'createApnsProvider',
    'createFcmProvider',
  ],
  requireResolveOnly: ['./testing'],
})
