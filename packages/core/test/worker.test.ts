import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createWorkerClient, startModuleWorker, WorkerRequestError } from '../src/worker/index.js'

// startModuleWorker looks beside the caller's file, with the caller's extension.
const caller = join(import.meta.dirname, 'fixtures', 'caller.mjs')
type Request = { kind: 'echo' | 'fail' | 'exit' | 'slow'; value?: unknown; ms?: number }

const open = (onExit?: (error: Error) => void) =>
  createWorkerClient<Request, { echoed: unknown }>(startModuleWorker(caller, 'echo-worker'), { onExit })

describe('worker client', () => {
  it('answers requests in order, each with its own reply', async () => {
    const client = open()
    const replies = await Promise.all([
      client.request({ kind: 'slow', ms: 30, value: 1 }),
      client.request({ kind: 'echo', value: { nested: [2] } }),
    ])
    expect(replies).toEqual([{ echoed: 1 }, { echoed: { nested: [2] } }])
    await client.close()
  })

  it("rejects with the worker's error message and code, and keeps serving", async () => {
    const client = open()
    const failure = await client.request({ kind: 'fail' }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(WorkerRequestError)
    expect(failure).toMatchObject({ message: 'refused on purpose', code: 'E_REFUSED' })
    expect(await client.request({ kind: 'echo', value: 'still here' })).toEqual({ echoed: 'still here' })
    await client.close()
  })

  it('rejects waiting and later requests when the worker dies, and says so once', async () => {
    const exits: Error[] = []
    const client = open((error) => exits.push(error))
    const dying = client.request({ kind: 'exit' })
    // queued behind the request that ends the worker: never answered
    const waiting = client.request({ kind: 'echo', value: 'never' })
    await expect(dying).rejects.toThrow(/exited with code 3/)
    await expect(waiting).rejects.toThrow(/exited with code 3/)
    expect(client.alive).toBe(false)
    await expect(client.request({ kind: 'echo' })).rejects.toThrow(/not running/)
    expect(exits).toHaveLength(1)
  })

  it('rejects what is waiting on close without reporting an exit', async () => {
    const exits: Error[] = []
    const client = open((error) => exits.push(error))
    const waiting = client.request({ kind: 'slow', ms: 1_000 })
    await client.close()
    await expect(waiting).rejects.toThrow(/closed/)
    expect(exits).toEqual([])
  })

  it('settles several requests answered in one message, failures with their code', async () => {
    const client = createWorkerClient<Request | { kind: 'release' }, { echoed: unknown }>(
      startModuleWorker(caller, 'batch-worker'),
    )
    const settled: string[] = []
    const calls = [
      client.request({ kind: 'echo', value: 'a' }).then((reply) => settled.push(`a:${reply.echoed}`)),
      client
        .request({ kind: 'fail' })
        .catch((error: WorkerRequestError) => settled.push(`fail:${error.code}`)),
      client.request({ kind: 'echo', value: 'b' }).then((reply) => settled.push(`b:${reply.echoed}`)),
    ]
    await client.request({ kind: 'release' })
    await Promise.all(calls)
    expect(settled).toEqual(['a:a', 'fail:E_BATCH', 'b:b'])
    await client.close()
  })

  it("finds the worker beside the caller's import.meta.url as beside its path", async () => {
    const client = createWorkerClient<Request, { echoed: unknown }>(
      startModuleWorker(pathToFileURL(caller).href, 'echo-worker'),
    )
    expect(await client.request({ kind: 'echo', value: 'by url' })).toEqual({ echoed: 'by url' })
    await client.close()
  })

  it('throws when the built worker module is missing', () => {
    expect(() => startModuleWorker(caller, 'no-such-worker')).toThrow(/worker module not found/)
  })
})
