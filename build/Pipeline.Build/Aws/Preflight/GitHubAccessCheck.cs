using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Roles;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Preflight;

/// <summary>
/// What the generated GitHub workflows need in the account: the GitHub OIDC identity provider (with the audience
/// <c>sts.amazonaws.com</c>) and the environment's deploy, read-only and CloudFormation execution roles. All are made
/// once by an administrator from what <c>./build.sh DeployRole</c> writes, so each missing one points there.
/// </summary>
public sealed class GitHubAccessCheck(IamClient iam, string environment, DeploySettings settings, string account, string partition)
{
    const string GitHubIssuerHost = PipelineRoles.OidcHost;
    const string Audience = PipelineRoles.OidcAudience;

    string DeployRoleCommand =>
        $"./build.sh DeployRole{settings.ProfileArgument} --github-repository <owner/name>, then run the commands it prints (as an administrator)";

    public async Task<IReadOnlyList<PreflightResult>> CheckAsync(CancellationToken cancellation)
    {
        var results = new List<PreflightResult> { await CheckProviderAsync(cancellation) };
        foreach (var (role, what) in new[]
                 {
                     (DeploymentNames.DeployRole(environment), "deploy role"),
                     (DeploymentNames.ReadOnlyRole(environment), "read-only (Diff) role"),
                     (DeploymentNames.ExecutionRole(environment), "CloudFormation execution role"),
                 })
        {
            var check = $"{what} {role}";
            try
            {
                results.Add(await iam.GetRoleArnAsync(role, cancellation) is { } arn
                    ? PreflightResult.Pass(check, $"exists ({arn})")
                    : PreflightResult.Failed(check, $"missing: the {what} of {environment} does not exist in this account", DeployRoleCommand));
            }
            catch (PipelineException e)
            {
                results.Add(PreflightResult.CouldNotRead(check, "iam:GetRole", e));
            }
        }
        results.Add(await CheckBoundaryAsync(cancellation));
        return results;
    }

    /// <summary>The permissions boundary every role of the stacks carries: without it the execution role can create no role.</summary>
    async Task<PreflightResult> CheckBoundaryAsync(CancellationToken cancellation)
    {
        var name = DeploymentNames.PermissionsBoundary(environment);
        var check = $"permissions boundary {name}";
        var arn = $"arn:{partition}:iam::{account}:policy/{name}";
        try
        {
            return await iam.PolicyExistsAsync(arn, cancellation)
                ? PreflightResult.Pass(check, $"exists ({arn})")
                : PreflightResult.Failed(check, $"missing: the stacks' roles need it, and the execution role creates a role only with it", DeployRoleCommand);
        }
        catch (PipelineException e)
        {
            return PreflightResult.CouldNotRead(check, "iam:GetPolicy", e);
        }
    }

    async Task<PreflightResult> CheckProviderAsync(CancellationToken cancellation)
    {
        const string check = "GitHub OIDC provider";
        try
        {
            var arn = (await iam.ListOpenIdConnectProviderArnsAsync(cancellation))
                .FirstOrDefault(a => a.EndsWith(":oidc-provider/" + GitHubIssuerHost, StringComparison.Ordinal));
            if (arn is null)
                return PreflightResult.Failed(check, $"missing: no IAM OpenID Connect provider for {GitHubIssuerHost}, so GitHub workflows cannot assume a role", DeployRoleCommand);
            var audiences = await iam.GetOpenIdConnectProviderClientIdsAsync(arn, cancellation) ?? [];
            return audiences.Contains(Audience, StringComparer.Ordinal)
                ? PreflightResult.Pass(check, $"{arn} (audience {Audience})")
                : PreflightResult.Failed(check, $"{arn} does not accept the audience {Audience} (it accepts: {(audiences.Count == 0 ? "none" : string.Join(", ", audiences))})",
                    $"aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {arn} --client-id {Audience}");
        }
        catch (PipelineException e)
        {
            return PreflightResult.CouldNotRead(check, "iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider", e);
        }
    }
}
