using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Roles;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>
/// DeployRole: the GitHub OIDC roles of an environment, written as policy JSON for an administrator to create once
/// (Aws/Roles/DeployRoleWriter.cs, which says why a bootstrap stack was not chosen).
/// </summary>
public sealed partial class Build
{
    [Parameter("DeployRole: the GitHub repository whose workflows may assume the roles, owner/name (owner@id/name@id where GitHub issues immutable subject claims); GitHub Actions sets GITHUB_REPOSITORY")]
    public string? GithubRepository { get; set; }

    [Parameter("DeployRole: the AWS account of the roles (default: the account of the current credentials, from STS GetCallerIdentity)")]
    public string? AwsAccount { get; set; }

    internal string DeployRoleDirectory => Path.Combine(ArtifactsDirectory, "deploy-role", DeployEnvironment);

    Target DeployRole => _ => _
        .Description("Write the GitHub OIDC trust policies and least-privilege permission policies of the environment's deploy role and read-only (Diff) role " +
                     "to artifacts/deploy-role/<env>/, and print how to create them")
        .DependsOn(SynthInfra)
        .Requires(() => GithubRepository)
        .Requires(AwsEnvironment("writes the roles GitHub Actions assumes in an AWS account"))
        .Executes(() => new DeployRoleWriter(
                new DeployRoleRequest(DeployEnvironment, AwsConnection.ResolveRegion(AwsRegion, AwsProfile), GithubRepository!, AwsAccount, Catalog,
                    Path.Combine(ArtifactsDirectory, "cdk.out", DeployEnvironment), DeployRoleDirectory, RootDirectory, WorkflowSpec())
                {
                    PromotedFrom = PromotionSourceOfThisEnvironment(),
                    DryRun = DryRun,
                })
            .WriteAsync(AwsContext.AccountAsync, Log, Cancellation));

    /// <summary>--promote-from, or the environment the generated deploy workflow promotes this one from (prod from dev).</summary>
    string? PromotionSourceOfThisEnvironment()
    {
        if (Promotes)
            return PromoteFrom;
        var spec = WorkflowSpec();
        return Profile is not null && Profile == spec.PromoteEnvironment
            ? Profiles.ValueOf(spec.PushEnvironment, nameof(DeployEnvironment)) ?? spec.PushEnvironment
            : null;
    }
}
