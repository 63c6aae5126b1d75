// The body of every error the API returns, and the answer to an error of sup's registry (a SUP_ERR_* code).

export interface ErrorAnswer { status: number; body: { error: { code: string; message: string; hint?: string } } }

export function errorBody (code: string, message: string, hint?: string): ErrorAnswer['body'] {
  return { error: hint === undefined ? { code, message } : { code, message, hint } }
}

/** A SUP_ERR_* error as the API answers it (its status, 500 when it has none); null for any other error. */
export function supErrorAnswer (err: unknown): ErrorAnswer | null {
  const e = err as { code?: unknown; message?: unknown; statusCode?: unknown }
  if (typeof e?.code !== 'string' || !e.code.startsWith('SUP_ERR_')) return null
  return { status: typeof e.statusCode === 'number' ? e.statusCode : 500, body: errorBody(e.code, String(e.message)) }
}
