// The load generator of monitor.bench.ts, in its own process so that it never shares an event
// loop with the servers it measures. The parent sends { port, ms } over IPC; this process drives
// that port with CONCURRENCY keep-alive clients for `ms` milliseconds and answers { done }, the
// number of completed requests. One agent per port keeps its connections between rounds.
import { Agent, request } from 'node:http'

const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 32)
const agents = new Map<number, Agent>()

function agentFor(port: number): Agent {
  let agent = agents.get(port)
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    agents.set(port, agent)
  }
  return agent
}

function one(port: number, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: i % 4 === 0 ? '/health' : `/users/${i % 1000}`,
        agent: agentFor(port),
      },
      (res) => {
        res.resume()
        res.on('end', resolve)
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

async function load(port: number, ms: number): Promise<number> {
  let done = 0
  let stop = false
  const worker = async (w: number) => {
    for (let i = w; !stop; i += CONCURRENCY) {
      await one(port, i)
      done++
    }
  }
  const workers = Array.from({ length: CONCURRENCY }, (_, w) => worker(w))
  await new Promise((resolve) => setTimeout(resolve, ms))
  stop = true
  await Promise.all(workers)
  return done
}

process.on('message', (message: { port: number; ms: number } | 'exit') => {
  if (message === 'exit') {
    for (const agent of agents.values()) agent.destroy()
    process.disconnect()
    return
  }
  load(message.port, message.ms).then(
    (done) => process.send?.({ done }),
    (error: Error) => process.send?.({ error: error.message }),
  )
})
