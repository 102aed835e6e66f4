// Evaluates IAM requests against policy documents with an IAM policy simulator written elsewhere
// (@cloud-copilot/iam-simulate), so the pipeline's generated roles are judged by code that is not the pipeline's own.
//
// input (the file named by the first argument, else stdin):
//         {"cases": [{"name", "principal", "action", "resource", "account", "context": {key: value|[values]},
//                     "identityPolicies": [policy, ...], "permissionBoundaries": [policy, ...]?}]}
// stdout: [{"name", "result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "error: ..."}]
import { runSimulation } from '@cloud-copilot/iam-simulate'

import { readFileSync } from 'node:fs'

let input = ''
if (process.argv[2]) input = readFileSync(process.argv[2], 'utf8')
else for await (const chunk of process.stdin) input += chunk
const { cases } = JSON.parse(input)

const results = []
for (const c of cases) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.account },
      contextVariables: c.context ?? {},
    },
    identityPolicies: c.identityPolicies.map((policy, i) => ({ name: `identity-${i + 1}`, policy })),
    permissionBoundaryPolicies: c.permissionBoundaries?.map((policy, i) => ({ name: `boundary-${i + 1}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }
  const response = await runSimulation(simulation, {})
  const result = response.resultType === 'error' ? `error: ${JSON.stringify(response.errors)}` : response.overallResult
  results.push({ name: c.name, result })
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n')
