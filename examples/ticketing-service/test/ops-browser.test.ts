import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, startTestService, type TestService } from './helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  console.warn(`skipping the operator page browser test: ${CHROMIUM} is missing (apt-get install chromium)`)
}
const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts')

describe.skipIf(!haveChromium)('the operator page in headless Chromium', () => {
  let t: TestService
  let browser: BrowserContext
  const profile = mkdtempSync(join(tmpdir(), 'opskit-chromium-'))

  beforeAll(async () => {
    t = await startTestService({ alertEvaluationMs: 200 })
    // A fresh profile per run: playwright takes it as the persistent context's user-data-dir.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1280, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })
  afterAll(async () => {
    await browser?.close()
    await t?.stop()
    rmSync(profile, { recursive: true, force: true })
  })

  it('logs in, sees a firing alert, acknowledges it and finds the acknowledgement in the audit trail', async () => {
    const page = await browser.newPage()
    // Script errors fail the test (the expected 401s of the login flow are not script errors).
    const scriptErrors: string[] = []
    page.on('pageerror', (error) => scriptErrors.push(error.message))
    await page.goto(`${t.service.url}/ops`)
    await page.locator('#login').waitFor({ state: 'visible' })

    await page.fill('#email', ADMIN.email)
    await page.fill('#password', 'not the password')
    await page.click('#login button[type=submit]')
    await expect.poll(() => page.textContent('#login-error')).toContain('wrong')

    await page.fill('#password', ADMIN.password)
    await page.click('#login button[type=submit]')
    await page.locator('#dashboard').waitFor({ state: 'visible' })
    await expect.poll(() => page.textContent('#live')).toBe('live')
    const cookies = await browser.cookies()
    expect(cookies.find((c) => c.name === 'ops_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    })

    // A burst of failed logins against the API fires LoginFailureBurst; the page learns it over SSE.
    for (let i = 0; i < 8; i++)
      await t.call('POST', '/api/sessions', { email: 'mallory@example.test', password: 'x' })
    const alertRow = page.locator('#alerts tr[data-rule="LoginFailureBurst"]')
    await alertRow.waitFor({ timeout: 15_000 })
    await expect.poll(() => alertRow.locator('td').nth(1).textContent()).toBe('firing')

    const incident = page.locator('#incidents tr', { hasText: 'LoginFailureBurst' }).first()
    await incident.locator('button', { hasText: 'Acknowledge' }).click({ timeout: 15_000 })
    await expect
      .poll(() => incident.locator('td').nth(1).textContent(), { timeout: 10_000 })
      .toBe('acknowledged')
    expect(await incident.locator('td').nth(3).textContent()).toContain(ADMIN.email)

    const firstAudit = page.locator('#audit tr').first()
    await expect.poll(() => firstAudit.locator('td').nth(2).textContent()).toBe('alert.acknowledge')
    expect(await firstAudit.locator('td').nth(4).textContent()).toBe(ADMIN.email)
    expect(await page.textContent('#audit-verify')).toContain('chain verified')
    // Some browsing traffic, so that the latency chart has points to draw (pushed over SSE).
    for (let i = 0; i < 3; i++) {
      await t.call('GET', '/api/events')
      await new Promise((resolve) => setTimeout(resolve, 1100))
    }
    await expect.poll(() => page.locator('#latency-line').getAttribute('points')).toMatch(/\d+(\.\d)?,\d/)

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'ops-page.png'), fullPage: true })
    expect(scriptErrors).toEqual([])
    await page.close()
  })
})
