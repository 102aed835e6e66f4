using System.Text.Json;
using System.Text.RegularExpressions;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;
using Pipeline.Build.Workflows;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Roles;

/// <summary>
/// The DeployRole step: the roles of an environment (<see cref="PipelineRoles"/>: the GitHub OIDC deploy and read-only
/// roles, CloudFormation's execution role and the stacks' permissions boundary), written as trust and permission policy
/// JSON under <see cref="DeployRoleRequest.OutputDirectory"/> for an administrator to create once, with the commands that
/// create them. Plain files rather than a bootstrap stack (CDK's choice): creating IAM roles needs administrator rights the
/// pipeline's own roles must never have, and a reviewer reads plain policy documents more easily than a template.
/// </summary>
public sealed partial class DeployRoleWriter(DeployRoleRequest request)
{
    public async Task WriteAsync(Func<CancellationToken, Task<string>> currentAccount, IStepLog log, CancellationToken ct)
    {
        var scope = await ScopeAsync(currentAccount, ct);
        if (scope.UnknownResourceTypes is { Count: > 0 } unknown)
            throw new PipelineException(
                $"The templates of {request.Environment} hold resource type(s) {string.Join(", ", unknown)}, and the pipeline does not know what CloudFormation calls to " +
                "create them with the deploy role's credentials. Add each to build/Pipeline.Build/Aws/Roles/CloudFormationResourceActions.cs with the permissions of its " +
                $"resource schema's handlers (aws cloudformation describe-type --type RESOURCE --type-name {unknown[0]}; docs/deploy-role-permissions.md says how), then run DeployRole again.");
        if (scope.UnknownFeatures is { Count: > 0 } properties)
            throw new PipelineException(
                $"The templates of {request.Environment} set resource properties the pipeline has not checked for permissions: {string.Join(", ", properties)}. " +
                "Look each up in its type's resource schema and the service's documentation, then add it to the type's entry in " +
                "build/Pipeline.Build/Aws/Roles/CloudFormationResourceActions.cs (Covers when the type's actions cover it, a feature when it needs more; " +
                "docs/deploy-role-permissions.md says how), then run DeployRole again.");

        var indented = new JsonSerializerOptions { WriteIndented = true };
        var files = new List<(string Path, string Content)>
        {
            (TrustFile("deploy-trust.json"), PipelineRoles.DeployTrust(scope).ToJsonString(indented) + "\n"),
            (TrustFile("readonly-trust.json"), PipelineRoles.ReadOnlyTrust(scope).ToJsonString(indented) + "\n"),
            (TrustFile("cfn-exec-trust.json"), PipelineRoles.ExecutionTrust(scope).ToJsonString(indented) + "\n"),
        };
        var deployPolicies = PipelineRoles.DeployPolicies(scope);
        var readOnly = PipelineRoles.ReadOnly(scope);
        var executionPolicies = PipelineRoles.ExecutionPolicies(scope);
        var boundary = PipelineRoles.Boundary(scope);
        foreach (var policy in deployPolicies.Append(readOnly).Concat(executionPolicies).Append(boundary))
        {
            if (policy.Size > IamPolicy.ManagedPolicySizeLimit)
                throw new PipelineException(
                    $"Policy {policy.Name} has {policy.Size:N0} characters, more than a managed policy holds ({IamPolicy.ManagedPolicySizeLimit:N0}). " +
                    "Split it in build/Pipeline.Build/Aws/Roles/PipelineRoles.cs.");
            files.Add((PolicyFile(policy), policy.ToJson()));
        }
        if (request.DryRun)
        {
            foreach (var (path, _) in files)
                log.Info($"would write {Relative(path)}");
            return;
        }
        Directory.CreateDirectory(request.OutputDirectory);
        foreach (var (path, content) in files)
            await File.WriteAllTextAsync(path, content, ct);

        foreach (var line in Instructions(scope, deployPolicies, readOnly, executionPolicies, boundary))
            log.Info(line);
        if (scope.StackRoleActions.Where(PipelineRoles.IsNeverUnderTheBoundary).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } withheld)
            log.Warn($"The templates' roles are granted {string.Join(", ", withheld)}, which the permissions boundary denies to every role of the stacks " +
                     "(no IAM, no role assumption): those grants have no effect. CDK adds iam:PassRole to a flow log's own role; the flow log service does not need it.");
    }

    /// <summary>Account, region, repository, the templates' resource types, the promotion source and the declared secrets.</summary>
    async Task<RoleScope> ScopeAsync(Func<CancellationToken, Task<string>> currentAccount, CancellationToken ct)
    {
        if (!GitHubRepositoryPattern().IsMatch(request.GitHubRepository))
            throw new PipelineException($"--github-repository {request.GitHubRepository}: expected owner/name (or owner@<org id>/name@<repository id>), e.g. octo-org/apigw-pipeline.");
        if (request.Account is not null && !AccountPattern().IsMatch(request.Account))
            throw new PipelineException($"--aws-account {request.Account}: an AWS account id has 12 digits, e.g. 123456789012.");
        var region = request.Region ?? throw new PipelineException("DeployRole: no AWS region configured. Pass --aws-region <region> (or set AWS_REGION).");
        string account;
        try
        {
            account = request.Account ?? await currentAccount(ct);
        }
        catch (PipelineException e)
        {
            throw new PipelineException($"DeployRole needs the account of the roles: pass --aws-account <12 digits>, or run with credentials of that account. ({e.Message})", e);
        }

        using var templates = SynthesizedTemplates.Read(request.TemplatesDirectory);
        var secrets = request.Catalog.Services.SelectMany(s => s.SecretReferencesFor(request.Environment)).ToList();
        var scope = new RoleScope(request.Environment, account, region, request.GitHubRepository).WithTemplates(templates);
        return scope with
        {
            PromotedFrom = request.PromotedFrom,
            DeclaresSsmSecrets = secrets.Any(s => s.Store == SecretStore.Ssm),
            SecretsManagerSecrets = secrets.Where(s => s.Store != SecretStore.Ssm)
                .Select(s => SecretArns.In(SecretArns.PolicyResource(s), scope.Partition, region, account))
                .Distinct(StringComparer.Ordinal).ToList(),
        };
    }

    IEnumerable<string> Instructions(RoleScope scope, IReadOnlyList<IamPolicy> deployPolicies, IamPolicy readOnly, IReadOnlyList<IamPolicy> executionPolicies, IamPolicy boundary)
    {
        yield return $"Deploy role {scope.DeployRoleName}: assumed by jobs of {scope.GitHubRepository} in its GitHub environment '{scope.Environment}'" +
                     (scope.PromotedFrom is null ? "" : $"; also reads {scope.PromotedFrom}'s history and pulls its images (promotion)");
        yield return $"  {Relative(TrustFile("deploy-trust.json"))}   trust: repo:{scope.GitHubRepository}:environment:{scope.Environment}";
        foreach (var policy in deployPolicies)
            yield return $"  {Relative(PolicyFile(policy))}   {policy.Size:N0} characters: {policy.Purpose}";
        yield return $"Read-only role {scope.ReadOnlyRoleName}: assumed by pull request workflows of {scope.GitHubRepository} (the Diff preview)";
        yield return $"  {Relative(TrustFile("readonly-trust.json"))}   trust: repo:{scope.GitHubRepository}:pull_request";
        yield return $"  {Relative(PolicyFile(readOnly))}   {readOnly.Size:N0} characters: {readOnly.Purpose}";
        yield return $"Execution role {scope.ExecutionRoleName}: the only principal that creates the environment's resources, assumed by CloudFormation " +
                     "when the deploy role passes it (--cfn-execution-role)";
        yield return $"  {Relative(TrustFile("cfn-exec-trust.json"))}   trust: {"cloudformation.amazonaws.com"}";
        foreach (var policy in executionPolicies)
            yield return $"  {Relative(PolicyFile(policy))}   {policy.Size:N0} characters: {policy.Purpose}";
        yield return $"Permissions boundary {scope.BoundaryName}: on every role the stacks create ({scope.StackRoleActions.Count(a => !PipelineRoles.IsNeverUnderTheBoundary(a))} actions, never IAM)";
        yield return $"  {Relative(PolicyFile(boundary))}   {boundary.Size:N0} characters";
        yield return $"Create them once, as an administrator of account {scope.Account}:";
        yield return $"  aws iam create-open-id-connect-provider --url https://{PipelineRoles.OidcHost} --client-id-list {PipelineRoles.OidcAudience}   # once per account; skip when it exists";
        yield return $"  aws iam create-policy --policy-name {boundary.Name} --policy-document file://{Relative(PolicyFile(boundary))}";
        // The workflows ask for sessions as long as their jobs may run (role-duration-seconds); the role must allow that long.
        var spec = request.Workflows;
        var deploySession = GitHubWorkflowWriter.SessionSeconds(new[] { spec.DeployTimeoutMinutes, spec.VerifyTimeoutMinutes, spec.PromoteTimeoutMinutes, spec.RedeployTimeoutMinutes }.Max());
        var readOnlySession = GitHubWorkflowWriter.SessionSeconds(spec.PreviewTimeoutMinutes);
        foreach (var (role, trust, policies, session) in new[]
                 {
                     (scope.DeployRoleName, "deploy-trust.json", deployPolicies, deploySession),
                     (scope.ReadOnlyRoleName, "readonly-trust.json", [readOnly], readOnlySession),
                     (scope.ExecutionRoleName, "cfn-exec-trust.json", executionPolicies, 3600),
                 })
        {
            // IAM accepts a maximum session of one to twelve hours.
            yield return $"  aws iam create-role --role-name {role} --max-session-duration {Math.Max(3600, session)} --assume-role-policy-document file://{Relative(TrustFile(trust))}";
            foreach (var policy in policies)
            {
                yield return $"  aws iam create-policy --policy-name {policy.Name} --policy-document file://{Relative(PolicyFile(policy))}";
                yield return $"  aws iam attach-role-policy --role-name {role} --policy-arn arn:{scope.Partition}:iam::{scope.Account}:policy/{policy.Name}";
            }
        }
        yield return "  (after a change to the stacks: aws iam create-policy-version --set-as-default --policy-arn <arn> --policy-document file://<file>)";
        yield return $"Then in GitHub: environment '{scope.Environment}' variable {GitHubWorkflowWriter.DeployRoleVariable}={scope.DeployRoleArn}; " +
                     $"repository variable {GitHubWorkflowWriter.RegionVariable}={scope.Region}" +
                     (scope.Environment == spec.PushEnvironment ? $" and {GitHubWorkflowWriter.ReadOnlyRoleVariable}={scope.ReadOnlyRoleArn} (pull request previews)" : "") + ".";
    }

    string TrustFile(string name) => Path.Combine(request.OutputDirectory, name);

    string PolicyFile(IamPolicy policy) => Path.Combine(request.OutputDirectory, policy.Name
        .Replace(DeploymentNames.DeployRole(request.Environment).Replace("-deploy", "-", StringComparison.Ordinal), "", StringComparison.Ordinal)
        .Replace($"pipeline-apigw-{request.Environment}-", "", StringComparison.Ordinal) + ".json");

    string Relative(string path) => Path.GetRelativePath(request.RootDirectory, path).Replace('\\', '/');

    [GeneratedRegex("^[A-Za-z0-9_.-]+(@[0-9]+)?/[A-Za-z0-9_.-]+(@[0-9]+)?$")]
    private static partial Regex GitHubRepositoryPattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();
}

/// <summary>Whose roles to write, from which templates, and where.</summary>
/// <param name="Region">The roles' region; null when none is configured (an error that says how to set one).</param>
/// <param name="Account">The roles' account; null: the account of the current credentials.</param>
/// <param name="TemplatesDirectory">The environment's synthesized templates (artifacts/cdk.out/&lt;env&gt;).</param>
/// <param name="OutputDirectory">Where the policy files go (artifacts/deploy-role/&lt;env&gt;).</param>
public sealed record DeployRoleRequest(
    string Environment,
    string? Region,
    string GitHubRepository,
    string? Account,
    ServiceCatalog Catalog,
    string TemplatesDirectory,
    string OutputDirectory,
    string RootDirectory,
    DeployWorkflowSpec Workflows)
{
    /// <summary>The environment whose images a Deploy of this one promotes.</summary>
    public string? PromotedFrom { get; init; }

    public bool DryRun { get; init; }
}
