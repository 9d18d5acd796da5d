// The operator page: no framework, no build step. Everything is rendered with textContent.

const $ = (id) => document.getElementById(id)
let csrfToken = ''
let events
let latency = []
let refreshTimer

function cell(row, text, className) {
  const td = document.createElement('td')
  td.textContent = text == null ? '' : String(text)
  if (className) td.className = className
  row.appendChild(td)
  return td
}

function badge(el, text, className) {
  el.textContent = text
  el.className = `badge ${className}`
}

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '')

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(method !== 'GET' ? { 'x-csrf-token': csrfToken } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const json = await response.json().catch(() => ({}))
  return { status: response.status, json }
}

function showLogin() {
  $('dashboard').hidden = true
  $('logout').hidden = true
  $('login').hidden = false
  $('who').textContent = ''
  if (events) events.close()
  events = undefined
}

function drawLatency() {
  const points = latency.slice(-120)
  const max = Math.max(100, ...points.map((p) => p.meanMs))
  const step = 600 / Math.max(1, points.length - 1)
  $('latency-line').setAttribute(
    'points',
    points.map((p, i) => `${(i * step).toFixed(1)},${(120 - (p.meanMs / max) * 110).toFixed(1)}`).join(' '),
  )
  const last = points[points.length - 1]
  $('latency-last').textContent = last
    ? `last ${last.meanMs} ms over ${last.requests} requests (scale 0–${max} ms)`
    : ''
}

function render(state) {
  csrfToken = state.csrfToken
  $('who').textContent = state.user.email
  badge($('health-status'), state.health.status, state.health.status)
  const checks = $('health-checks')
  checks.replaceChildren()
  for (const [name, entries] of Object.entries(state.health.checks || {})) {
    for (const entry of entries) {
      const li = document.createElement('li')
      li.textContent = `${name}: ${entry.status}${entry.observedValue != null ? ` (${entry.observedValue}${entry.observedUnit || ''})` : ''}`
      checks.appendChild(li)
    }
  }

  const alerts = $('alerts')
  alerts.replaceChildren()
  for (const a of state.alerts) {
    const tr = document.createElement('tr')
    tr.dataset.rule = a.rule
    cell(tr, a.rule)
    cell(tr, a.state, a.state)
    cell(tr, a.severity)
    cell(tr, a.summary)
    alerts.appendChild(tr)
  }
  if (state.alerts.length === 0) cell(alerts.appendChild(document.createElement('tr')), 'no active alerts')

  const incidents = $('incidents')
  incidents.replaceChildren()
  for (const i of state.incidents) {
    const tr = document.createElement('tr')
    tr.dataset.incident = i.id
    cell(tr, i.title)
    cell(tr, i.status, i.status)
    cell(tr, time(i.triggeredAt))
    cell(tr, i.acknowledgedBy ? `${i.acknowledgedBy} at ${time(i.acknowledgedAt)}` : '')
    const actions = cell(tr, '')
    if (i.status === 'triggered') {
      const button = document.createElement('button')
      button.type = 'button'
      button.textContent = 'Acknowledge'
      button.addEventListener('click', async () => {
        button.disabled = true
        const res = await api('POST', `/ops/api/incidents/${encodeURIComponent(i.id)}/ack`)
        if (res.status !== 200) button.disabled = false
        await refresh()
      })
      actions.appendChild(button)
    }
    incidents.appendChild(tr)
  }
  if (state.incidents.length === 0) cell(incidents.appendChild(document.createElement('tr')), 'no incidents')

  const v = state.audit.verify
  badge(
    $('audit-verify'),
    v.ok ? `chain verified (${v.checked} events)` : `VERIFY FAILED (${v.failures})`,
    v.ok ? 'ok' : 'fail',
  )
  const audit = $('audit')
  audit.replaceChildren()
  for (const e of state.audit.events) {
    const tr = document.createElement('tr')
    cell(tr, e.seq)
    cell(tr, new Date(e.at).toLocaleTimeString())
    cell(tr, e.action)
    cell(tr, e.outcome, e.outcome)
    cell(tr, e.actor)
    cell(tr, e.target)
    audit.appendChild(tr)
  }

  const notifications = $('notifications')
  notifications.replaceChildren()
  for (const [channel, count] of Object.entries(state.notifications)) {
    const li = document.createElement('li')
    li.textContent = `${channel}: ${count}`
    notifications.appendChild(li)
  }

  const reports = $('reports')
  reports.replaceChildren()
  for (const r of state.reports) {
    const li = document.createElement('li')
    li.dataset.report = r.id
    const button = document.createElement('button')
    button.type = 'button'
    button.textContent = 'Download'
    button.disabled = r.status !== 'succeeded'
    button.addEventListener('click', async () => {
      const res = await api('POST', `/ops/api/reports/${encodeURIComponent(r.id)}/link`)
      if (res.status === 201) window.location.assign(res.json.url)
    })
    li.append(`${r.filename} · ${r.rows} rows · ${new Date(r.at).toLocaleString()} `, button)
    reports.appendChild(li)
  }
  if (state.reports.length === 0) reports.append('no reports yet')

  latency = state.latency
  drawLatency()
}

async function refresh() {
  const res = await api('GET', '/ops/api/state')
  if (res.status === 401) return showLogin()
  if (res.status !== 200) return
  $('login').hidden = true
  $('dashboard').hidden = false
  $('logout').hidden = false
  render(res.json)
  if (!events) connect()
}

function connect() {
  events = new EventSource('/ops/events')
  events.addEventListener('open', () => badge($('live'), 'live', 'ok'))
  events.addEventListener('error', () => badge($('live'), 'reconnecting', 'warn'))
  events.addEventListener('latency', (e) => {
    latency.push(JSON.parse(e.data))
    drawLatency()
  })
  events.addEventListener('alerts', () => {
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(refresh, 200)
  })
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault()
  $('login-error').textContent = ''
  const res = await api('POST', '/ops/login', { email: $('email').value, password: $('password').value })
  if (res.status !== 200) {
    $('login-error').textContent = res.json.error?.message || 'login failed'
    return
  }
  csrfToken = res.json.csrfToken
  $('password').value = ''
  await refresh()
})

$('logout').addEventListener('click', async () => {
  await api('POST', '/ops/logout')
  showLogin()
})

refresh()
