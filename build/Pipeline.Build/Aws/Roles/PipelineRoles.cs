using System.Text.Json.Nodes;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Reports;
using Pipeline.Build.Synthesis;
using Pipeline.Build.Synthesis.Rules;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Roles;

/// <summary>
/// The roles of one environment, in the pattern of CDK's bootstrap (an administrator creates them once, DeployRole writes them):
/// <list type="bullet">
/// <item>the deploy role (<c>github-apigw-&lt;env&gt;-deploy</c>), trusted only for jobs in the GitHub environment of the same
/// name: CloudFormation on the environment's own stacks, passing exactly the execution role to CloudFormation, pushing to the
/// environment's repositories, the ECS rollouts, and the reads a Deploy makes. It creates nothing itself;</item>
/// <item>the execution role (<c>pipeline-apigw-&lt;env&gt;-cfn-exec</c>), trusted only by CloudFormation: the only principal
/// that creates the environment's resources, with the actions of the templates' resource types
/// (<see cref="CloudFormationResourceActions"/>). It may create or change a role only under <c>apigw-&lt;env&gt;-*</c> and only
/// with the environment's permissions boundary attached, and may never remove or edit that boundary;</item>
/// <item>the permissions boundary (<c>pipeline-apigw-&lt;env&gt;-boundary</c>): the most any role the stacks create may do,
/// which is what the templates' own role policies grant, never IAM, STS role assumption or Organizations;</item>
/// <item>the read-only role (<c>github-apigw-&lt;env&gt;-readonly</c>), trusted only for pull request workflows: exactly
/// what Diff and Verify read.</item>
/// </list>
/// In an account shared by several environments, the execution role and the boundary deny every action on a resource
/// tagged for another environment (<see cref="DeploymentNames.EnvironmentTag"/>, which the CDK app puts on every taggable
/// resource), and every name-scoped grant uses the environment's own prefix, which no other environment's names match
/// (<see cref="DeploymentNames.EnvironmentNameProblem"/>). The pipeline's roles are named outside <c>apigw-&lt;env&gt;-*</c>, so
/// nothing the execution role may change is one of them.
/// </summary>
public static class PipelineRoles
{
    public const string OidcHost = "token.actions.githubusercontent.com";
    public const string OidcAudience = "sts.amazonaws.com";
    const string CloudFormationService = "cloudformation.amazonaws.com";

    /// <summary>
    /// Actions the pipeline's clients call that neither CI role is given, with the target that calls them: a person runs
    /// those with credentials of their own (Destroy deletes the environment; Logs, Status's traffic figures and Token serve a
    /// developer, and no workflow runs them). Should a workflow run them, the grants are: logs:StartQuery on the environment's log
    /// groups (<c>log-group:apigw-&lt;env&gt;-*</c>, its only resource type), logs:GetQueryResults, logs:StopQuery,
    /// cloudwatch:ListMetrics and cloudwatch:GetMetricData on <c>*</c> (none has a resource type in the service authorization reference).
    /// </summary>
    public static IReadOnlyDictionary<string, string> NotForContinuousIntegration { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["cloudwatch:GetMetricData"] = "Status",
        ["cloudwatch:ListMetrics"] = "Status",
        ["cognito-idp:AdminCreateUser"] = "CreateUser",
        ["ec2:DescribeAddresses"] = "Preflight",
        ["elasticloadbalancing:DescribeLoadBalancers"] = "Preflight",
        ["iam:GetOpenIDConnectProvider"] = "Preflight",
        ["iam:GetPolicy"] = "Preflight",
        ["iam:GetRole"] = "Preflight",
        ["iam:ListOpenIDConnectProviders"] = "Preflight",
        ["servicequotas:GetServiceQuota"] = "Preflight",
        ["servicequotas:ListAWSDefaultServiceQuotas"] = "Preflight",
        ["cognito-idp:DescribeUserPoolClient"] = "Token",
        ["ecr:DeleteRepository"] = "Destroy --include-images",
        ["ecr:DescribeRepositories"] = "Destroy --include-images",
        ["ecr:ListImages"] = "Destroy --include-images",
        ["logs:FilterLogEvents"] = "Logs",
        ["logs:GetQueryResults"] = "Logs --request-id",
        ["logs:StartQuery"] = "Logs --request-id",
        ["logs:StopQuery"] = "Logs --request-id",
        ["s3:DeleteBucket"] = "Destroy --include-images",
        ["s3:DeleteObject"] = "Destroy",
    };

    /// <summary>
    /// The Registry HTTP API calls of an image push (the Docker engine's), a tag lookup, a protected tag and a promotion's
    /// copy, as ECR authorizes them.
    /// </summary>
    public static readonly IReadOnlyList<string> RegistryPushAndPull =
    [
        "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
    ];

    /// <summary>
    /// What a role under the boundary may never do, whatever its own policy says: no IAM (so no role, policy or boundary of
    /// its own making), no assuming other roles, nothing of the organization or the account.
    /// </summary>
    public static readonly IReadOnlyList<string> NeverUnderTheBoundary = ["iam:*", "sts:AssumeRole", "organizations:*", "account:*"];

    /// <summary>The IAM actions that accept the <c>iam:PermissionsBoundary</c> condition on a role: each needs the environment's boundary.</summary>
    public static readonly IReadOnlyList<string> RoleActionsThatNeedTheBoundary =
    [
        "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
    ];

    /// <summary>Actions of name-scoped services that IAM authorizes on <c>*</c> only (no resource type in the service authorization reference).</summary>
    static readonly IReadOnlySet<string> AuthorizedOnAnyResourceOnly = new HashSet<string>(StringComparer.Ordinal) { "ssm:DescribeParameters", "ecr:GetAuthorizationToken" };

    static readonly IReadOnlyList<string> RegistryPull = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

    public static JsonObject DeployTrust(RoleScope scope) => GitHubTrust(scope, $"repo:{scope.GitHubRepository}:environment:{scope.Environment}");

    public static JsonObject ReadOnlyTrust(RoleScope scope) => GitHubTrust(scope, $"repo:{scope.GitHubRepository}:pull_request");

    /// <summary>Only CloudFormation, acting for this account, assumes the execution role.</summary>
    public static JsonObject ExecutionTrust(RoleScope scope) => new()
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray(new JsonObject
        {
            ["Sid"] = "CloudFormation",
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["Service"] = CloudFormationService },
            ["Action"] = "sts:AssumeRole",
        }),
    };

    /// <summary>The deploy role's permissions, in parts that each fit a customer managed policy.</summary>
    public static IReadOnlyList<IamPolicy> DeployPolicies(RoleScope scope) => [Stacks(scope), ImagesAndRollouts(scope)];

    /// <summary>The execution role's permissions: the resource types' actions, the roles under the boundary, and the guardrails.</summary>
    public static IReadOnlyList<IamPolicy> ExecutionPolicies(RoleScope scope) => [.. ResourcePolicies(scope), Guardrails(scope)];

    /// <summary>Diff and Verify: DescribeStacks, GetTemplate, ListStackResources, the live desired counts, the image tags' commits from the history.</summary>
    public static IamPolicy ReadOnly(RoleScope scope) => new($"{scope.ReadOnlyRoleName}", "Diff and Verify of the environment: reads only", [
        new("ListStacks", ["cloudformation:DescribeStacks"], ["*"]),
        new("ReadEnvironmentStacks", ["cloudformation:GetTemplate", "cloudformation:ListStackResources"], [scope.StackArn]),
        new("ReadServiceCapacity", ["ecs:DescribeServices"], [scope.EcsServiceArn]),
        // Diff names each image as a Deploy would, in the registry the login points to; the token grants nothing by itself.
        new("RegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
        new("CallerIdentity", ["sts:GetCallerIdentity"], ["*"]),
        // Diff synthesizes with the zones a Deploy would choose.
        new("ZonesForVpcLinks", ["ec2:DescribeAvailabilityZones"], ["*"]),
        new IamStatement("ListHistory", ["s3:ListBucket"], [scope.BucketArn]).When("StringLike", "s3:prefix", $"history/{scope.Environment}/*"),
        new("ReadHistory", ["s3:GetObject"], [$"{scope.BucketArn}/history/{scope.Environment}/*"]),
    ]);

    /// <summary>
    /// The permissions boundary of every role the stacks create: the actions the templates' role policies grant
    /// (<see cref="RoleScope.StackRoleActions"/>), without what <see cref="NeverUnderTheBoundary"/> names, which it denies
    /// outright, and nothing on another environment's resources.
    /// </summary>
    public static IamPolicy Boundary(RoleScope scope)
    {
        var allowed = scope.StackRoleActions.Where(a => !IsNeverUnderTheBoundary(a)).ToList();
        return new(scope.BoundaryName, "The most any role the environment's stacks create may do", [
            new("WhatTheStacksRolesAreGranted", allowed, ["*"]),
            IamStatement.Deny("NoIamNoRoleAssumptionNoOrganization", NeverUnderTheBoundary, ["*"]),
            .. OtherEnvironmentsDenied(scope),
        ]);
    }

    /// <summary>Whether a role under the boundary could never use <paramref name="action"/> (DeployRole refuses a template that asks for it).</summary>
    public static bool IsNeverUnderTheBoundary(string action) =>
        NeverUnderTheBoundary.Any(n => n.EndsWith(":*", StringComparison.Ordinal)
            ? action.StartsWith(n[..^1], StringComparison.OrdinalIgnoreCase)
            : string.Equals(n, action, StringComparison.OrdinalIgnoreCase));

    static IamPolicy Stacks(RoleScope scope)
    {
        var statements = new List<IamStatement>
        {
            new("ListStacks", ["cloudformation:DescribeStacks"], ["*"]),
            new("EnvironmentStacks", [
                "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack", "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks", "cloudformation:ExecuteChangeSet", "cloudformation:GetTemplate",
                "cloudformation:ListChangeSets", "cloudformation:ListStackResources", "cloudformation:TagResource", "cloudformation:UntagResource"],
                // IAM authorizes every change set action on the stack's ARN (the service authorization reference), never the change set's.
                [scope.StackArn]),
            // The one role the deploy role hands on, and only to CloudFormation: every resource is created by it.
            new IamStatement("PassTheExecutionRole", ["iam:PassRole"], [scope.ExecutionRoleArn]).When("StringEquals", "iam:PassedToService", CloudFormationService),
            // CloudFormation resolves the service stacks' AWS::SSM::Parameter::Value parameters with the caller's credentials;
            // the pipeline reads the issuer's ids from the same path.
            new("EnvironmentParameters", ["ssm:GetParameters"], [scope.ParameterArn]),
            new("TemplateBucket", ["s3:CreateBucket", "s3:ListBucket", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration"], [scope.BucketArn]),
            // Templates too large to pass inline (CloudFormation reads them with the caller's credentials), and the history records.
            new("TemplatesAndHistory", ["s3:GetObject", "s3:PutObject"],
                [$"{scope.BucketArn}/{DeploymentNames.ServiceStack(scope.Environment, "*")}", $"{scope.BucketArn}/history/{scope.Environment}/*"]),
            // The environment lock every run that changes the environment holds: created, renewed and released conditionally.
            new("EnvironmentLock", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [$"{scope.BucketArn}/{S3EnvironmentLockStore.KeyFor(scope.Environment)}"]),
            new("CallerIdentity", ["sts:GetCallerIdentity"], ["*"]),
            // Before anything is created, the VPC's zones are checked or chosen among those that support VPC links; no resource scope.
            new("ZonesForVpcLinks", ["ec2:DescribeAvailabilityZones"], ["*"]),
        };
        if (scope.PromotedFrom is { } source)
            statements.Add(new("PromotionSourceHistory", ["s3:GetObject"], [$"{scope.BucketArn}/history/{source}/*"]));
        if (scope.DeclaresSsmSecrets)
            // Before a deploy, each declared secret's existence is checked (metadata only); DescribeParameters has no resource scope.
            statements.Add(new("DeclaredParameterSecrets", ["ssm:DescribeParameters"], ["*"]));
        if (scope.SecretsManagerSecrets.Count > 0)
            statements.Add(new("DeclaredSecrets", ["secretsmanager:DescribeSecret"], [.. scope.SecretsManagerSecrets]));
        return new($"{scope.DeployRoleName}-stacks", "CloudFormation on the environment's stacks with its execution role, its SSM parameters, the template bucket, the deploy history and the environment lock", statements);
    }

    static IamPolicy ImagesAndRollouts(RoleScope scope)
    {
        var statements = new List<IamStatement>
        {
            new("RegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
            // DescribeImages and BatchDeleteImage: the protected deployed-<id> tags (BatchDeleteImage by tag only removes a tag).
            new("EnvironmentRepositories", [.. RegistryPushAndPull, "ecr:BatchDeleteImage", "ecr:DescribeImages"], [scope.RepositoryArn]),
            new("Rollouts", ["ecs:DescribeServices", "ecs:UpdateService"], [scope.EcsServiceArn]),
            // UpdateServices follows a canary, linear or blue/green deployment stage by stage, and Rollback stops one during its
            // bake (StopServiceDeployment is authorized on both the service and the deployment).
            new("RolloutDeployments", ["ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"],
                [scope.EcsServiceArn, scope.EcsServiceDeploymentArn]),
            new("RolloutTasks", ["ecs:DescribeTasks"], [scope.EcsTaskArn]),
            // ListTasks is authorized on the cluster's container instances, which Fargate does not have: only "*" matches.
            new("RolloutTaskList", ["ecs:ListTasks"], ["*"]),
        };
        if (scope.PromotedFrom is { } source)
            statements.Add(new("PromotionSourceRepositories", [.. RegistryPull], [scope.RepositoryArnOf(source)]));
        return new($"{scope.DeployRoleName}-images", "Images (push, protected tags, promotion) and ECS rollouts of the environment", statements);
    }

    /// <summary>
    /// What CloudFormation calls with the execution role for the templates' resource types, one statement per service,
    /// scoped to the environment's names where those are known up front (repositories, parameters) and to its region, packed
    /// into as many managed policies as they need. IAM is granted apart, in <see cref="Guardrails"/>.
    /// </summary>
    static IReadOnlyList<IamPolicy> ResourcePolicies(RoleScope scope)
    {
        var statements = new List<IamStatement>();
        foreach (var service in scope.ResourceActions.Where(a => !a.StartsWith("iam:", StringComparison.Ordinal)).GroupBy(a => a[..a.IndexOf(':')], StringComparer.Ordinal))
        {
            var resources = service.Key switch
            {
                "ecr" => [scope.RepositoryArn],
                "ssm" => [scope.ParameterArn],
                _ => new[] { "*" },
            };
            var scoped = service.Where(a => resources[0] == "*" || !AuthorizedOnAnyResourceOnly.Contains(a)).ToList();
            statements.Add(new IamStatement($"{Pascal(service.Key)}ForTheStacks", scoped, resources).When("StringEquals", "aws:RequestedRegion", scope.Region));
            if (service.Except(scoped).ToList() is { Count: > 0 } unscoped)
                statements.Add(new IamStatement($"{Pascal(service.Key)}ListsForTheStacks", unscoped, ["*"]).When("StringEquals", "aws:RequestedRegion", scope.Region));
        }
        var purpose = $"What CloudFormation creates, updates and deletes for the stacks ({scope.ResourceTypes.Count} resource types)";
        var policies = new List<List<IamStatement>> { new() };
        foreach (var statement in statements)
        {
            if (policies[^1].Count > 0 && new IamPolicy("", "", [.. policies[^1], statement]).Size > IamPolicy.ManagedPolicySizeLimit)
                policies.Add([]);
            policies[^1].Add(statement);
        }
        return policies.Select((part, i) => new IamPolicy($"{scope.ExecutionRoleName}-resources{(i == 0 ? "" : $"-{i + 1}")}",
            policies.Count == 1 ? purpose : $"{purpose} (part {i + 1} of {policies.Count})", part)).ToList();
    }

    /// <summary>
    /// The execution role's IAM: roles under <c>apigw-&lt;env&gt;-*</c> only, created or given permissions only with the
    /// environment's boundary, passed only to the services that run them; the boundary cannot be removed or edited; nothing
    /// of another environment.
    /// </summary>
    static IamPolicy Guardrails(RoleScope scope)
    {
        // The role schema's boundary handlers include removing one; the boundary is never removed, so that is never granted.
        var roleActions = scope.ResourceActions.Where(a => a.StartsWith("iam:", StringComparison.Ordinal) && a != "iam:DeleteRolePermissionsBoundary").ToList();
        var withBoundary = RoleActionsThatNeedTheBoundary.Where(roleActions.Contains).ToList();
        var statements = new List<IamStatement>();
        if (withBoundary.Count > 0)
            statements.Add(new IamStatement("StackRolesOnlyWithTheBoundary", withBoundary, [scope.StackRoleArn])
                .When("StringEquals", "iam:PermissionsBoundary", scope.BoundaryArn));
        if (roleActions.Except(withBoundary).ToList() is { Count: > 0 } otherRoleActions)
            statements.Add(new IamStatement("StackRoles", otherRoleActions, [scope.StackRoleArn]));
        if (scope.PassesRolesTo.Count > 0)
            statements.Add(new IamStatement("PassStackRoles", ["iam:PassRole"], [scope.StackRoleArn])
                .When("StringEquals", "iam:PassedToService", scope.PassesRolesTo));
        // A role meant for one service only (ECS's traffic-shifting role) is passed by its name, to that service alone.
        foreach (var pass in scope.NamedRolePasses)
            statements.Add(new IamStatement($"PassRoles{Pascal(pass.NameSuffix.Trim('-'))}To{Pascal(pass.Service[..pass.Service.IndexOf('.')])}", ["iam:PassRole"],
                    [scope.StackRoleArnEndingWith(pass.NameSuffix)])
                .When("StringEquals", "iam:PassedToService", pass.Service));
        if (scope.ServiceLinkedRoles.Count > 0)
            statements.Add(new IamStatement("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], [$"arn:{scope.Partition}:iam::{scope.Account}:role/aws-service-role/*"])
                .When("StringEquals", "iam:AWSServiceName", scope.ServiceLinkedRoles));
        statements.Add(IamStatement.Deny("NoRoleWithoutTheBoundary", RoleActionsThatNeedTheBoundary, ["*"])
            .When("StringNotEquals", "iam:PermissionsBoundary", scope.BoundaryArn));
        statements.Add(IamStatement.Deny("KeepTheBoundary", ["iam:DeleteRolePermissionsBoundary"], ["*"]));
        statements.Add(IamStatement.Deny("NoEditOfTheBoundary",
            ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"], [scope.BoundaryArn]));
        statements.AddRange(OtherEnvironmentsDenied(scope));
        var untagging = scope.ResourceActions.Where(a => a.Contains("Untag", StringComparison.Ordinal) || a.EndsWith("RemoveTags", StringComparison.Ordinal)
            || a.EndsWith("DeleteTags", StringComparison.Ordinal) || a.EndsWith("RemoveTagsFromResource", StringComparison.Ordinal)).ToList();
        if (untagging.Count > 0)
            statements.Add(IamStatement.Deny("KeepTheEnvironmentTag", untagging, ["*"])
                .When("ForAnyValue:StringEquals", "aws:TagKeys", DeploymentNames.EnvironmentTag));
        return new($"{scope.ExecutionRoleName}-guardrails", "Roles only under the permissions boundary, the boundary kept, nothing of another environment", statements);
    }

    /// <summary>
    /// In an account several environments share: nothing on a resource tagged for another environment, and no tag that would
    /// move a resource into another environment.
    /// </summary>
    static IEnumerable<IamStatement> OtherEnvironmentsDenied(RoleScope scope)
    {
        var resourceTag = $"aws:ResourceTag/{DeploymentNames.EnvironmentTag}";
        var requestTag = $"aws:RequestTag/{DeploymentNames.EnvironmentTag}";
        yield return IamStatement.Deny("NothingOfAnotherEnvironment", ["*"], ["*"])
            .When("StringNotEquals", resourceTag, scope.Environment).When("Null", resourceTag, "false");
        yield return IamStatement.Deny("NoTagOfAnotherEnvironment", ["*"], ["*"])
            .When("StringNotEquals", requestTag, scope.Environment).When("Null", requestTag, "false");
    }

    static string Pascal(string service) => string.Concat(service.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    static JsonObject GitHubTrust(RoleScope scope, string subject) => new()
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray(new JsonObject
        {
            ["Sid"] = "GitHubActionsOidc",
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["Federated"] = scope.OidcProviderArn },
            ["Action"] = "sts:AssumeRoleWithWebIdentity",
            ["Condition"] = new JsonObject
            {
                ["StringEquals"] = new JsonObject
                {
                    [$"{OidcHost}:aud"] = OidcAudience,
                    [$"{OidcHost}:sub"] = subject,
                },
            },
        }),
    };
}

/// <summary>
/// Whose roles: the environment, its account and region, the GitHub repository whose workflows may assume them
/// (<c>owner/name</c>, or <c>owner@id/name@id</c> where GitHub issues immutable subject claims), the resource types of its
/// templates, the environment it promotes from, and the secrets its services declare.
/// </summary>
public sealed record RoleScope(string Environment, string Account, string Region, string GitHubRepository)
{
    public IReadOnlyCollection<string> ResourceTypes { get; init; } = [];

    /// <summary>This scope with the resource types of <paramref name="templates"/> and the actions their own roles are granted.</summary>
    public RoleScope WithTemplates(SynthesizedTemplates templates)
    {
        var resources = templates.Stacks.SelectMany(s => TemplateResource.All(s.Template)).ToList();
        // The pipeline tags every stack (StackPlanner), and CloudFormation propagates stack tags to each taggable resource.
        var required = CloudFormationResourceActions.For(templates.Stacks.Select(s => s.Template), stackTags: true);
        return this with
        {
            ResourceTypes = required.Types,
            TemplateActions = required,
            StackRoleActions = resources.SelectMany(PolicyStatements.DocumentsOf).SelectMany(PolicyStatements.Of)
                .Where(s => s.Allows).SelectMany(s => s.Actions).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>The actions the templates' own roles are granted (their AWS::IAM::Policy documents): what the boundary allows.</summary>
    public IReadOnlyCollection<string> StackRoleActions { get; init; } = [];

    /// <summary>The environment whose images a Deploy of this one promotes (reads its history and pulls from its repositories).</summary>
    public string? PromotedFrom { get; init; }

    public bool DeclaresSsmSecrets { get; init; }

    /// <summary>ARNs (or ARN patterns) of the Secrets Manager secrets the services declare.</summary>
    public IReadOnlyList<string> SecretsManagerSecrets { get; init; } = [];

    public string Partition => AwsConnection.PartitionOf(Region);

    public string DeployRoleName => DeploymentNames.DeployRole(Environment);
    public string ReadOnlyRoleName => DeploymentNames.ReadOnlyRole(Environment);
    public string ExecutionRoleName => DeploymentNames.ExecutionRole(Environment);
    public string BoundaryName => DeploymentNames.PermissionsBoundary(Environment);
    public string DeployRoleArn => $"arn:{Partition}:iam::{Account}:role/{DeployRoleName}";
    public string ExecutionRoleArn => $"arn:{Partition}:iam::{Account}:role/{ExecutionRoleName}";
    public string BoundaryArn => $"arn:{Partition}:iam::{Account}:policy/{BoundaryName}";
    public string ReadOnlyRoleArn => $"arn:{Partition}:iam::{Account}:role/{ReadOnlyRoleName}";
    public string OidcProviderArn => $"arn:{Partition}:iam::{Account}:oidc-provider/{PipelineRoles.OidcHost}";

    /// <summary>Every stack of the environment: <c>apigw-&lt;env&gt;-*</c>.</summary>
    public string StackArn => $"arn:{Partition}:cloudformation:{Region}:{Account}:stack/{DeploymentNames.ServiceStack(Environment, "*")}/*";

    public string ParameterArn => $"arn:{Partition}:ssm:{Region}:{Account}:parameter{DeploymentNames.ParameterPrefix(Environment)}/*";
    public string BucketArn => $"arn:{Partition}:s3:::{TemplateStore.BucketNameFor(Account, Region)}";
    public string RepositoryArn => RepositoryArnOf(Environment);
    public string RepositoryArnOf(string environment) => $"arn:{Partition}:ecr:{Region}:{Account}:repository/{DeploymentNames.RepositoryNamespace(environment)}/*";

    /// <summary>CloudFormation names what it creates <c>&lt;stack&gt;-&lt;logical id&gt;-&lt;suffix&gt;</c>: the cluster and services start with the stack's name.</summary>
    public string EcsServiceArn => $"arn:{Partition}:ecs:{Region}:{Account}:service/{DeploymentNames.ServiceStack(Environment, "*")}";

    /// <summary>A service deployment: <c>service-deployment/&lt;cluster&gt;/&lt;service&gt;/&lt;id&gt;</c>, both names starting with the stack's.</summary>
    public string EcsServiceDeploymentArn => $"arn:{Partition}:ecs:{Region}:{Account}:service-deployment/{DeploymentNames.ServiceStack(Environment, "*")}";

    public string EcsTaskArn => $"arn:{Partition}:ecs:{Region}:{Account}:task/{DeploymentNames.ServiceStack(Environment, "*")}";
    public string StackRoleArn => $"arn:{Partition}:iam::{Account}:role/{DeploymentNames.ServiceStack(Environment, "*")}";

    /// <summary>The stack roles whose names end with <paramref name="suffix"/>: <c>role/apigw-&lt;env&gt;-*&lt;suffix&gt;</c>.</summary>
    public string StackRoleArnEndingWith(string suffix) => StackRoleArn + suffix;

    /// <summary>
    /// What the templates need through CloudFormation, features included (<see cref="CloudFormationResourceActions.For"/>);
    /// without it, everything the table may grant for <see cref="ResourceTypes"/>.
    /// </summary>
    public TemplateActions? TemplateActions { get; init; }

    TemplateActions Required => TemplateActions ?? CloudFormationResourceActions.ForTypes(ResourceTypes);

    /// <summary>The actions of the templates' resource types and features, without PassRole and CreateServiceLinkedRole (granted on their own).</summary>
    public IReadOnlyList<string> ResourceActions => Required.Actions;

    public IReadOnlyList<string> PassesRolesTo => Required.PassesRolesTo;

    public IReadOnlyList<string> ServiceLinkedRoles => Required.ServiceLinkedRoles;

    /// <summary>Stack roles passed by name to one service only (ECS's traffic-shifting roles, to <c>ecs.amazonaws.com</c>).</summary>
    public IReadOnlyList<NamedRolePass> NamedRolePasses => Required.NamedRolePasses;

    /// <summary>The templates' resource types the table does not know; the policies cannot be written while there are any.</summary>
    public IReadOnlyList<string> UnknownResourceTypes => Required.UnknownTypes;

    /// <summary>The templates' properties (<c>"type property"</c>) the table does not know; likewise.</summary>
    public IReadOnlyList<string> UnknownFeatures => Required.UnknownFeatures;
}
