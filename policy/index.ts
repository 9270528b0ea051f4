// The spend guard for whole stacks: every Yotta pod (fleet replicas included) counted against one
// budget, with the rules GpuFleet applies to a single fleet. Run it with
//   pulumi preview --policy-pack <this directory> --policy-pack-config budget.json
// where budget.json is {"yotta-budget": {"maxGpus": 64, "maxHourlyCost": 150, ...}} (docs/fleets.md).
import { PolicyPack } from "@pulumi/policy";
import { podsInStack, stackBudgetViolations, type BudgetArgs } from "pulumi-yotta";

new PolicyPack("pulumi-yotta", {
  policies: [
    {
      name: "yotta-budget",
      description:
        "Yotta pods stay within the GPUs, GPU types and hourly cost the budget allows, assuming " +
        "each pod lands on its most expensive acceptable placement.",
      enforcementLevel: "mandatory",
      configSchema: {
        properties: {
          maxGpus: { type: "number", minimum: 0 },
          allowedGpuTypes: { type: "array", items: { type: "string" } },
          maxHourlyCost: { type: "number", minimum: 0 },
          prices: { type: "object", additionalProperties: { type: "number", minimum: 0 } },
        },
      },
      validateStack: (args, reportViolation) => {
        const budget = args.getConfig<BudgetArgs>();
        const verdict = stackBudgetViolations(podsInStack(args.resources), budget);
        for (const violation of verdict.violations) reportViolation(violation);
      },
    },
  ],
});
