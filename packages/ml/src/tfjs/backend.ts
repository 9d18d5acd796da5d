import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { MlError } from '../errors/ml-error.js'

/** What {@link useBestBackend} chose. */
export interface BackendReport {
  /** `wasm` or `cpu`. */
  readonly backend: 'wasm' | 'cpu'
  /** Whether the wasm backend runs its SIMD build. */
  readonly simd: boolean
  /** Why wasm was not used, when it was not. */
  readonly fallbackReason?: string
}

/** Options of {@link useBestBackend}. */
export interface UseBestBackendOptions {
  /** Force a backend instead of choosing. */
  readonly prefer?: 'wasm' | 'cpu'
  /**
   * Directory (or URL prefix) of the `.wasm` files, for bundled hosts. By default the backend
   * loads them from its own folder in node_modules.
   */
  readonly wasmPaths?: string
}

/**
 * Selects the fastest tfjs backend available in this process: the WebAssembly backend (with SIMD
 * when the runtime supports it; its `.wasm` files ship inside `@tensorflow/tfjs-backend-wasm`),
 * the pure-JS `cpu` backend otherwise. Returns which one runs. Nothing is downloaded.
 */
export async function useBestBackend(options: UseBestBackendOptions = {}): Promise<BackendReport> {
  if (options.prefer !== 'cpu') {
    try {
      if (options.wasmPaths) setWasmPaths(options.wasmPaths)
      if (await tf.setBackend('wasm')) {
        await tf.ready()
        const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))
        return { backend: 'wasm', simd }
      }
    } catch (error) {
      return useCpu(error instanceof Error ? error.message : String(error))
    }
    return useCpu('the wasm backend did not initialise')
  }
  return useCpu('cpu requested')
}

async function useCpu(fallbackReason: string): Promise<BackendReport> {
  if (!(await tf.setBackend('cpu')))
    throw new MlError('ML_BACKEND_UNAVAILABLE', 'no tfjs backend could start')
  await tf.ready()
  return { backend: 'cpu', simd: false, fallbackReason }
}
