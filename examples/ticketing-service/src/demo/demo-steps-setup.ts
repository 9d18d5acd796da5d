import { join } from 'node:path'
import { startTicketingService } from '../service.js'
import { apiClient, sumOf } from './api-client.js'
import {
  ADMIN,
  CUSTOMERS,
  type DemoContext,
  expectStatus,
  inBatches,
  METRICS,
  OPERATORS,
  range,
} from './demo-context.js'
import { startLocalSmtp } from './local-smtp.js'
import type { DemoStep } from './step-runner.js'

/** Start the mail server and the service, register customers, log them in, promote the organizer. */
export function setupSteps(ctx: DemoContext): DemoStep[] {
  return [
    startSmtpStep(ctx),
    startServiceStep(ctx),
    registerAccountsStep(ctx),
    loginsStep(ctx),
    promoteOrganizerStep(ctx),
  ]
}

function startSmtpStep(ctx: DemoContext): DemoStep {
  return {
    title: 'start a local SMTP server (smtp-server on loopback) to receive the e-mail',
    needs: ['notify'],
    async run() {
      ctx.smtp = await startLocalSmtp()
      return `listening on ${ctx.smtp.host}:${ctx.smtp.port}; SMS and push go to recording providers`
    },
  }
}

function startServiceStep(ctx: DemoContext): DemoStep {
  return {
    title: 'start the ticketing service (temporary SQLite file, loopback port, migrations)',
    async run() {
      ctx.service = await startTicketingService({
        dbPath: join(ctx.workDir, 'ticketing.db'),
        admin: ADMIN,
        metricsAuth: METRICS,
        alertEvaluationMs: 500,
        latencySampleMs: 500,
        operators: OPERATORS,
        // The demo creates ~30 accounts and logs in ~60 times in seconds: it hashes at N = 2^14
        // (16 MiB). A real deployment keeps the default, OWASP's floor (N = 2^17, 128 MiB).
        scryptCost: { N: 2 ** 14, r: 8, p: 1 },
        ...(ctx.smtp
          ? {
              smtp: {
                host: ctx.smtp.host,
                port: ctx.smtp.port,
                from: 'Opskit Tickets <tickets@tickets.example>',
              },
            }
          : {}),
      })
      ctx.adminToken = (await ctx.api()('POST', '/api/sessions', ADMIN)).json.token
      return `listening on ${ctx.service.url}, database ${join(ctx.workDir, 'ticketing.db')}`
    },
  }
}

function registerAccountsStep(ctx: DemoContext): DemoStep {
  return {
    title: `register ${CUSTOMERS} customers and an organizer`,
    async run() {
      const client = ctx.api()
      await inBatches(range(CUSTOMERS), 4, async (i) => {
        const res = await client('POST', '/api/users', {
          email: `fan${i}@tickets.example`,
          password: `fan-${i}-password`,
          name: `Fan ${i}`,
          ...(i % 4 === 0 ? { phone: `+1555555${String(1000 + i)}` } : {}),
        })
        expectStatus(res, 201, `registering fan${i}`)
      })
      const org = await client('POST', '/api/users', {
        email: 'olivia@tickets.example',
        password: 'olivia-password',
        name: 'Olivia Organizer',
      })
      expectStatus(org, 201, 'registering the organizer')
      ctx.organizer = { id: org.json.id, token: '' }
      const dup = await client('POST', '/api/users', {
        email: 'fan0@tickets.example',
        password: 'someone-else-pw',
        name: 'Copycat',
      })
      expectStatus(dup, 409, 'registering a taken e-mail address')
      return `${CUSTOMERS + 1} accounts created (scrypt hashes), a duplicate refused with 409`
    },
  }
}

function loginsStep(ctx: DemoContext): DemoStep {
  return {
    title: 'logins: every customer, plus wrong passwords and unknown accounts',
    async run() {
      const before = await ctx.metrics()
      const client = ctx.api()
      await inBatches(range(CUSTOMERS), 4, async (i) => {
        const res = await client('POST', '/api/sessions', {
          email: `fan${i}@tickets.example`,
          password: `fan-${i}-password`,
        })
        expectStatus(res, 201, `login of fan${i}`)
        ctx.tokens.push({ email: `fan${i}@tickets.example`, token: res.json.token })
        if (i % 3 === 0) {
          const device = await client(
            'POST',
            '/api/devices',
            { token: `device-token-fan${i}-${'x'.repeat(24)}`, platform: i % 2 === 0 ? 'android' : 'ios' },
            res.json.token,
          )
          expectStatus(device, 201, 'registering a phone for push')
        }
      })
      const attempts = [
        ...range(6).map((i) => ({ email: `fan${i}@tickets.example`, password: 'guess123' })),
        ...range(3).map((i) => ({ email: `ghost${i}@tickets.example`, password: 'guess123' })),
      ]
      const attacker = apiClient(ctx.svc().url, 'python-requests/2.31')
      for (const attempt of attempts) {
        expectStatus(await attacker('POST', '/api/sessions', attempt), 401, 'a wrong password')
      }
      const after = await ctx.metrics()
      const failures =
        sumOf(after, 'ticketing_logins_total', { outcome: 'failure' }) -
        sumOf(before, 'ticketing_logins_total', { outcome: 'failure' })
      if (failures !== attempts.length) throw new Error(`metrics counted ${failures} failed logins`)
      return `${CUSTOMERS} logins ok, ${attempts.length} refused (401) and counted in ticketing_logins_total`
    },
  }
}

function promoteOrganizerStep(ctx: DemoContext): DemoStep {
  return {
    title: 'admin permission change: the administrator makes Olivia an organizer',
    async run() {
      const res = await ctx.api()(
        'PUT',
        `/api/admin/users/${ctx.organizer.id}/role`,
        { role: 'organizer' },
        ctx.adminToken,
      )
      expectStatus(res, 200, 'the role change')
      const login = await ctx.api()('POST', '/api/sessions', {
        email: 'olivia@tickets.example',
        password: 'olivia-password',
      })
      ctx.organizer.token = login.json.token
      const denied = await ctx.api()(
        'PUT',
        `/api/admin/users/${ctx.organizer.id}/role`,
        { role: 'admin' },
        ctx.organizer.token,
      )
      expectStatus(denied, 403, 'a non-admin changing roles')
      return `${res.json.before} → ${res.json.after}; a non-admin attempt refused with 403`
    },
  }
}
