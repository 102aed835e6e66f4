using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Roles;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;
using Pipeline.Build.Workflows;
using Pipeline.Manifests;

namespace Pipeline.Build;

/// <summary>
/// DeployRole: the GitHub OIDC roles of an environment, written as policy JSON for an administrator to create once
/// (Aws/Roles/PipelineRoles.cs). Chosen over a bootstrap stack: creating IAM roles needs administrator rights the
/// pipeline's own roles must never have, and a reviewer reads plain policy documents more easily than a template.
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
        .Executes(WriteDeployRolesAsync);

    async Task WriteDeployRolesAsync()
    {
        if (Platform != PlatformKind.Aws)
            throw new PipelineException(
                $"DeployRole writes the roles GitHub Actions assumes in an AWS account, and {(Profile is null ? "the default profile" : $"profile '{Profile}'")} deploys to the " +
                $"{Platform.ToString().ToLowerInvariant()} platform. Name an AWS profile: {string.Join(" or ", AwsProfiles().Select(p => $"./build.sh DeployRole --profile {p}"))}.");
        var scope = await RoleScopeAsync();
        if (scope.UnknownResourceTypes is { Count: > 0 } unknown)
            throw new PipelineException(
                $"The templates of {DeployEnvironment} hold resource type(s) {string.Join(", ", unknown)}, and the pipeline does not know what CloudFormation calls to " +
                "create them with the deploy role's credentials. Add each to build/Pipeline.Build/Aws/Roles/CloudFormationResourceActions.cs with the permissions of its " +
                $"resource schema's handlers (aws cloudformation describe-type --type RESOURCE --type-name {unknown[0]}), then run DeployRole again.");

        var files = new List<(string Path, string Content)>
        {
            (Path.Combine(DeployRoleDirectory, "deploy-trust.json"), PipelineRoles.DeployTrust(scope).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"),
            (Path.Combine(DeployRoleDirectory, "readonly-trust.json"), PipelineRoles.ReadOnlyTrust(scope).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"),
        };
        var deployPolicies = PipelineRoles.DeployPolicies(scope);
        var readOnly = PipelineRoles.ReadOnly(scope);
        foreach (var policy in deployPolicies.Append(readOnly))
        {
            if (policy.Size > IamPolicy.ManagedPolicySizeLimit)
                throw new PipelineException(
                    $"Policy {policy.Name} has {policy.Size:N0} characters, more than a managed policy holds ({IamPolicy.ManagedPolicySizeLimit:N0}). " +
                    "Split it in build/Pipeline.Build/Aws/Roles/PipelineRoles.cs.");
            files.Add((PolicyFile(policy), policy.ToJson()));
        }
        if (DryRun)
        {
            foreach (var (path, _) in files)
                Log.Info($"would write {Relative(path)}");
            return;
        }
        Directory.CreateDirectory(DeployRoleDirectory);
        foreach (var (path, content) in files)
            await File.WriteAllTextAsync(path, content, Cancellation);

        foreach (var line in Instructions(scope, deployPolicies, readOnly))
            Log.Info(line);
    }

    string PolicyFile(IamPolicy policy) => Path.Combine(DeployRoleDirectory, policy.Name.Replace($"github-apigw-{DeployEnvironment}-", "", StringComparison.Ordinal) + ".json");

    string Relative(string path) => Path.GetRelativePath(RootDirectory, path).Replace('\\', '/');

    /// <summary>Account, region, repository, the templates' resource types, the promotion source and the declared secrets.</summary>
    async Task<RoleScope> RoleScopeAsync()
    {
        if (!GitHubRepositoryPattern().IsMatch(GithubRepository!))
            throw new PipelineException($"--github-repository {GithubRepository}: expected owner/name (or owner@<org id>/name@<repository id>), e.g. octo-org/apigw-pipeline.");
        if (AwsAccount is not null && !AccountPattern().IsMatch(AwsAccount))
            throw new PipelineException($"--aws-account {AwsAccount}: an AWS account id has 12 digits, e.g. 123456789012.");
        var region = AwsConnection.ResolveRegion(AwsRegion, AwsProfile)
            ?? throw new PipelineException("DeployRole: no AWS region configured. Pass --aws-region <region> (or set AWS_REGION).");
        string account;
        try
        {
            account = AwsAccount ?? await AwsSdkClients.GetAccountIdAsync(AwsConnection.FromEnvironment(AwsRegion, AwsProfile), Cancellation);
        }
        catch (PipelineException e)
        {
            throw new PipelineException($"DeployRole needs the account of the roles: pass --aws-account <12 digits>, or run with credentials of that account. ({e.Message})", e);
        }

        var templatesDirectory = Path.Combine(ArtifactsDirectory, "cdk.out", DeployEnvironment);
        using var templates = SynthesizedTemplates.Read(templatesDirectory);
        var types = templates.Stacks
            .SelectMany(s => s.Template.RootElement.TryGetProperty("Resources", out var resources) ? resources.EnumerateObject() : default)
            .Select(r => r.Value.TryGetProperty("Type", out var type) ? type.GetString() : null)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

        var secrets = Catalog.Services.SelectMany(s => s.SecretReferencesFor(DeployEnvironment)).ToList();
        var scope = new RoleScope(DeployEnvironment, account, region, GithubRepository!);
        var partition = scope.Partition;
        return scope with
        {
            ResourceTypes = types,
            PromotedFrom = PromotionSourceOfThisEnvironment(),
            DeclaresSsmSecrets = secrets.Any(s => s.Store == SecretStore.Ssm),
            SecretsManagerSecrets = secrets.Where(s => s.Store != SecretStore.Ssm)
                .Select(s => SecretArns.In(SecretArns.PolicyResource(s), partition, region, account))
                .Distinct(StringComparer.Ordinal).ToList(),
        };
    }

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

    IEnumerable<string> Instructions(RoleScope scope, IReadOnlyList<IamPolicy> deployPolicies, IamPolicy readOnly)
    {
        yield return $"Deploy role {scope.DeployRoleName}: assumed by jobs of {scope.GitHubRepository} in its GitHub environment '{scope.Environment}'" +
                     (scope.PromotedFrom is null ? "" : $"; also reads {scope.PromotedFrom}'s history and pulls its images (promotion)");
        yield return $"  {Relative(Path.Combine(DeployRoleDirectory, "deploy-trust.json"))}   trust: repo:{scope.GitHubRepository}:environment:{scope.Environment}";
        foreach (var policy in deployPolicies)
            yield return $"  {Relative(PolicyFile(policy))}   {policy.Size:N0} characters: {policy.Purpose}";
        yield return $"Read-only role {scope.ReadOnlyRoleName}: assumed by pull request workflows of {scope.GitHubRepository} (the Diff preview)";
        yield return $"  {Relative(Path.Combine(DeployRoleDirectory, "readonly-trust.json"))}   trust: repo:{scope.GitHubRepository}:pull_request";
        yield return $"  {Relative(PolicyFile(readOnly))}   {readOnly.Size:N0} characters: {readOnly.Purpose}";
        yield return $"Create them once, as an administrator of account {scope.Account}:";
        yield return $"  aws iam create-open-id-connect-provider --url https://{PipelineRoles.OidcHost} --client-id-list {PipelineRoles.OidcAudience}   # once per account; skip when it exists";
        // The workflows ask for sessions as long as their jobs may run (role-duration-seconds); the role must allow that long.
        var spec = WorkflowSpec();
        var deploySession = GitHubWorkflowWriter.SessionSeconds(new[] { spec.DeployTimeoutMinutes, spec.VerifyTimeoutMinutes, spec.PromoteTimeoutMinutes, spec.RedeployTimeoutMinutes }.Max());
        var readOnlySession = GitHubWorkflowWriter.SessionSeconds(spec.PreviewTimeoutMinutes);
        foreach (var (role, trust, policies, session) in new[]
                 {
                     (scope.DeployRoleName, "deploy-trust.json", deployPolicies, deploySession),
                     (scope.ReadOnlyRoleName, "readonly-trust.json", [readOnly], readOnlySession),
                 })
        {
            // IAM accepts a maximum session of one to twelve hours.
            yield return $"  aws iam create-role --role-name {role} --max-session-duration {Math.Max(3600, session)} --assume-role-policy-document file://{Relative(Path.Combine(DeployRoleDirectory, trust))}";
            foreach (var policy in policies)
            {
                yield return $"  aws iam create-policy --policy-name {policy.Name} --policy-document file://{Relative(PolicyFile(policy))}";
                yield return $"  aws iam attach-role-policy --role-name {role} --policy-arn arn:{scope.Partition}:iam::{scope.Account}:policy/{policy.Name}";
            }
        }
        yield return "  (after a change to the stacks: aws iam create-policy-version --set-as-default --policy-arn <arn> --policy-document file://<file>)";
        yield return $"Then in GitHub: environment '{scope.Environment}' variable {GitHubWorkflowWriter.DeployRoleVariable}={scope.DeployRoleArn}; " +
                     $"repository variable {GitHubWorkflowWriter.RegionVariable}={scope.Region}" +
                     (scope.Environment == WorkflowSpec().PushEnvironment ? $" and {GitHubWorkflowWriter.ReadOnlyRoleVariable}={scope.ReadOnlyRoleArn} (pull request previews)" : "") + ".";
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+(@[0-9]+)?/[A-Za-z0-9_.-]+(@[0-9]+)?$")]
    private static partial Regex GitHubRepositoryPattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();
}
