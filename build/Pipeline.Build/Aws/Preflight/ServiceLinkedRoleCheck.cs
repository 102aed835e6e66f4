using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Preflight;

/// <summary>
/// The service-linked roles the stacks rely on (IAM GetRole on each). A missing one is not fatal: the service creates it
/// the first time it needs it, provided whoever makes that call may use <c>iam:CreateServiceLinkedRole</c>; otherwise the
/// deploy fails there, halfway. So a missing role is a warning with the command that creates it now.
/// </summary>
public sealed class ServiceLinkedRoleCheck(IamClient iam)
{
    /// <summary>Role name, the service principal <c>aws iam create-service-linked-role --aws-service-name</c> takes, and what needs it.</summary>
    public static readonly IReadOnlyList<(string Role, string ServiceName, string UsedFor)> Roles =
    [
        ("AWSServiceRoleForECS", "ecs.amazonaws.com", "ECS: the Fargate tasks' network interfaces and load balancer registration"),
        ("AWSServiceRoleForElasticLoadBalancing", "elasticloadbalancing.amazonaws.com", "the ALBs' network interfaces"),
        ("AWSServiceRoleForApplicationAutoScaling_ECSService", "ecs.application-autoscaling.amazonaws.com", "autoscaling of the ECS services"),
        ("AWSServiceRoleForAPIGateway", "ops.apigateway.amazonaws.com", "the HTTP API's VPC Link (its network interfaces in the private subnets)"),
    ];

    public async Task<IReadOnlyList<PreflightResult>> CheckAsync(CancellationToken cancellation)
    {
        var results = new List<PreflightResult>();
        foreach (var (role, serviceName, usedFor) in Roles)
        {
            var check = $"service-linked role {role}";
            try
            {
                results.Add(await iam.GetRoleArnAsync(role, cancellation) is { } arn
                    ? PreflightResult.Pass(check, $"exists ({usedFor})")
                    : PreflightResult.Warning(check,
                        $"missing: needed for {usedFor}. AWS creates it on first use if the deploying principal may call iam:CreateServiceLinkedRole; if not, the deploy fails there",
                        $"aws iam create-service-linked-role --aws-service-name {serviceName}"));
            }
            catch (PipelineException e)
            {
                results.Add(PreflightResult.CouldNotRead(check, "iam:GetRole", e));
            }
        }
        return results;
    }
}
