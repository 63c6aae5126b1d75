// The figures, in the order they run. Add a figure: write a module next to these, list it here.
//
// A figure is { id, number, title, unit, phase, aim, method } plus a sampler:
//   number      its place in the report (the numbering)
//   aim         { text, needs: [tool ids the verdict uses], isMet(medians by tool id, results) -> boolean }
//               (results: by tool id, { samples, parts?, error? }, for aims that need more than medians)
//   method      one paragraph for the report's methodology section
//   sample(ctx) -> { value, parts? }: one repetition for one tool (parts: named sub-values,
//               reported as medians next to the figure's samples)
// Optional:
//   tools        the tool ids that run it (default every tool)
//   incomparable { [tool id]: { text, context? } }: the tool has no equivalent; the summary shows
//                `text` (and its median as "context" if it runs anyway), never a ratio
//   partUnits    { [part name]: unit } for parts not in the figure's unit (e.g. 'lines/s')
//   summaryParts [part names] shown in the summary next to the value
// By phase, in this order:
//   'cold'  sample({ driver, ports, instances, warn }) owns a whole lifecycle (prepare, start,
//           stop). run.mjs runs 1 unmeasured warm-up per tool, then `reps` rounds.
//   'own'   a cluster of the figure's own, `instances` workers (a number): prepare({ driver,
//           instances, ports, warn }) -> state once per tool (ports: the tool's block, or a free
//           block of `instances` ports), `reps` rounds of sample({ driver, state, rep, warn }),
//           then teardown({ driver, state }) -> warnings, always.
//   'warm'  all tools' 4-worker clusters are up at once; optional prepare({ driver, cluster,
//           readyAt, warn }) -> state once per tool, then `reps` rounds of sample({ driver,
//           cluster, state, rep, warn }), with an optional pause of roundGapMs between rounds.
//           Warm figures run in this order on the same clusters, so idle-sensitive ones come
//           first and ones that kill workers come last.
// In every round the tools take turns, the first one changing each round, so a machine whose
// load drifts during the run does not favour one of them.
import { coldStart } from './cold-start.mjs'
import { daemonRss } from './daemon-rss.mjs'
import { deployDeps, deployHello } from './deploy.mjs'
import { killRecovery } from './kill-recovery.mjs'
import { listLatency } from './list-latency.mjs'
import { logThroughput } from './log-throughput.mjs'
import { readopt100, readopt4 } from './readopt.mjs'
import { reload } from './reload.mjs'

export const FIGURES = [coldStart, logThroughput, readopt4, readopt100, reload, deployHello, deployDeps, daemonRss, listLatency, killRecovery]
