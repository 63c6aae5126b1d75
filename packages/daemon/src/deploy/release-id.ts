// Release ids: sortable by time (UTC, ms) and tied to the upload by 6 hex of its sha256.

/** E.g. '20261123T220501123Z-3f9a1c'; `taken` makes it unique (a '-2', '-3' … suffix). */
export function releaseId (wallMs: number, sha256: string, taken: (id: string) => boolean): string {
  const iso = new Date(wallMs).toISOString() // 2026-11-23T22:05:01.123Z
  const base = `${iso.replace(/[-:]/g, '').replace('.', '')}-${sha256.slice(0, 6)}`
  let id = base
  for (let n = 2; taken(id); n++) id = `${base}-${n}`
  return id
}
