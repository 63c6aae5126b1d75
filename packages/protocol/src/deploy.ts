// Deploy API schemas (issue 7): releases, deploy results, rollback and deploy query. See /work/deploy-contract.md.
import { Type, type Static } from 'typebox'
import { WorkerView } from './schemas.ts'

export const ReleaseView = Type.Object({
  id: Type.String(),            // sortable, e.g. '20261123T220501Z-3f9a1c' (UTC time + 6 hex of the sha256)
  app: Type.String(),
  user: Type.String(),
  sha256: Type.String(),        // of the uploaded (compressed) bytes, hex
  createdAt: Type.Number(),     // ms since epoch
  size: Type.Integer(),         // uploaded bytes
  unpackedSize: Type.Integer(), // bytes extracted
  files: Type.Integer(),        // entries extracted
  current: Type.Boolean()       // what `current` points to now
})
export type ReleaseView = Static<typeof ReleaseView>

/** A step after the roll-out that did not complete: the deploy is a partial success (HTTP 207), see docs/deploys.md. */
export const DeployWarning = Type.Object({
  step: Type.String(),              // 'scale' | 'switch' | 'prune'
  code: Type.String(),              // the step's error code (SUP_ERR_PORT_EXHAUSTED, ...)
  message: Type.String()
})
export type DeployWarning = Static<typeof DeployWarning>

export const DeployResult = Type.Object({
  release: ReleaseView,
  workers: Type.Array(WorkerView),  // instance, pid, port, state (WorkerView from schemas.ts)
  warnings: Type.Optional(Type.Array(DeployWarning))   // present (and the status 207) when a step after the roll-out failed
})
export type DeployResult = Static<typeof DeployResult>

export const ReleaseList = Type.Object({ releases: Type.Array(ReleaseView) })   // newest first
export type ReleaseList = Static<typeof ReleaseList>

export const RollbackBody = Type.Object({ id: Type.Optional(Type.String()) }, { additionalProperties: false })
export type RollbackBody = Static<typeof RollbackBody>

export const DeployQuery = Type.Object({    // all optional; override package.json's "sup" field and the app's definition
  instances: Type.Optional(Type.String()),
  portRange: Type.Optional(Type.String()),
}, { additionalProperties: false })
export type DeployQuery = Static<typeof DeployQuery>
