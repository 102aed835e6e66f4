using System.Text.Json.Nodes;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Roles;

/// <summary>
/// The two roles GitHub Actions assumes through OIDC for one environment, with least-privilege policies:
/// <list type="bullet">
/// <item>the deploy role (<c>github-apigw-&lt;env&gt;-deploy</c>), trusted only for jobs in the GitHub environment of the same
/// name: what Deploy, Redeploy, Verify and Rollback call, plus what CloudFormation calls with the role's credentials to
/// create the resource types of the environment's templates;</item>
/// <item>the read-only role (<c>github-apigw-&lt;env&gt;-readonly</c>), trusted only for pull request workflows: exactly
/// what Diff and Verify read.</item>
/// </list>
/// Both are named outside <c>apigw-&lt;env&gt;-*</c>, the roles the stacks create and the deploy role may change: the deploy
/// role cannot edit its own permissions.
/// </summary>
public static class PipelineRoles
{
    public const string OidcHost = "token.actions.githubusercontent.com";
    public const string OidcAudience = "sts.amazonaws.com";
    const string ViaCloudFormation = "cloudformation.amazonaws.com";

    /// <summary>
    /// Actions the pipeline's clients call that neither CI role is given, with the target that calls them: a person runs
    /// those with credentials of their own (Destroy deletes the environment; Logs and Token serve a developer).
    /// </summary>
    public static IReadOnlyDictionary<string, string> NotForContinuousIntegration { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["cognito-idp:AdminCreateUser"] = "CreateUser",
        ["cognito-idp:DescribeUserPoolClient"] = "Token",
        ["ecr:DeleteRepository"] = "Destroy --include-images",
        ["ecr:DescribeRepositories"] = "Destroy --include-images",
        ["ecr:ListImages"] = "Destroy --include-images",
        ["logs:FilterLogEvents"] = "Logs",
        ["s3:DeleteBucket"] = "Destroy",
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

    static readonly IReadOnlyList<string> RegistryPull = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

    public static JsonObject DeployTrust(RoleScope scope) => Trust(scope, $"repo:{scope.GitHubRepository}:environment:{scope.Environment}");

    public static JsonObject ReadOnlyTrust(RoleScope scope) => Trust(scope, $"repo:{scope.GitHubRepository}:pull_request");

    /// <summary>The deploy role's permissions, in parts that each fit a customer managed policy.</summary>
    public static IReadOnlyList<IamPolicy> DeployPolicies(RoleScope scope) => [Stacks(scope), ImagesAndRollouts(scope), .. ThroughCloudFormation(scope)];

    /// <summary>Diff and Verify: DescribeStacks, GetTemplate, ListStackResources, the live desired counts, the image tags' commits from the history.</summary>
    public static IamPolicy ReadOnly(RoleScope scope) => new($"{scope.ReadOnlyRoleName}", "Diff and Verify of the environment: reads only", [
        new("ListStacks", ["cloudformation:DescribeStacks"], ["*"]),
        new("ReadEnvironmentStacks", ["cloudformation:GetTemplate", "cloudformation:ListStackResources"], [scope.StackArn]),
        new("ReadServiceCapacity", ["ecs:DescribeServices"], [scope.EcsServiceArn]),
        // Diff names each image as a Deploy would, in the registry the login points to; the token grants nothing by itself.
        new("RegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
        new("CallerIdentity", ["sts:GetCallerIdentity"], ["*"]),
        new IamStatement("ListHistory", ["s3:ListBucket"], [scope.BucketArn]).When("StringLike", "s3:prefix", $"history/{scope.Environment}/*"),
        new("ReadHistory", ["s3:GetObject"], [$"{scope.BucketArn}/history/{scope.Environment}/*"]),
    ]);

    static IamPolicy Stacks(RoleScope scope)
    {
        var parameterActions = scope.ResourceActions.Where(a => a.StartsWith("ssm:", StringComparison.Ordinal))
            // CloudFormation reads the service stacks' AWS::SSM::Parameter::Value parameters with the caller's credentials.
            .Append("ssm:GetParameters").Distinct().ToList();
        var statements = new List<IamStatement>
        {
            new("ListStacks", ["cloudformation:DescribeStacks"], ["*"]),
            new("EnvironmentStacks", [
                "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet", "cloudformation:DeleteStack", "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks", "cloudformation:ExecuteChangeSet", "cloudformation:GetTemplate",
                "cloudformation:ListChangeSets", "cloudformation:ListStackResources", "cloudformation:TagResource", "cloudformation:UntagResource"],
                [scope.StackArn, scope.ChangeSetArn]),
            new("EnvironmentParameters", parameterActions, [scope.ParameterArn]),
            new("TemplateBucket", ["s3:CreateBucket", "s3:ListBucket", "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration"], [scope.BucketArn]),
            // Templates too large to pass inline (CloudFormation reads them with the caller's credentials), and the history records.
            new("TemplatesAndHistory", ["s3:GetObject", "s3:PutObject"],
                [$"{scope.BucketArn}/{DeploymentNames.ServiceStack(scope.Environment, "*")}", $"{scope.BucketArn}/history/{scope.Environment}/*"]),
            new("CallerIdentity", ["sts:GetCallerIdentity"], ["*"]),
        };
        if (scope.PromotedFrom is { } source)
            statements.Add(new("PromotionSourceHistory", ["s3:GetObject"], [$"{scope.BucketArn}/history/{source}/*"]));
        if (scope.DeclaresSsmSecrets)
            // Before a deploy, each declared secret's existence is checked (metadata only); DescribeParameters has no resource scope.
            statements.Add(new("DeclaredParameterSecrets", ["ssm:DescribeParameters"], ["*"]));
        if (scope.SecretsManagerSecrets.Count > 0)
            statements.Add(new("DeclaredSecrets", ["secretsmanager:DescribeSecret"], [.. scope.SecretsManagerSecrets]));
        return new($"{scope.DeployRoleName}-stacks", "CloudFormation on the environment's stacks, its SSM parameters, the template bucket and the deploy history", statements);
    }

    static IamPolicy ImagesAndRollouts(RoleScope scope)
    {
        var statements = new List<IamStatement>
        {
            new("RegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
            // DescribeImages and BatchDeleteImage: the protected deployed-<id> tags (BatchDeleteImage by tag only removes a tag).
            new("EnvironmentRepositories", [.. RegistryPushAndPull, "ecr:BatchDeleteImage", "ecr:DescribeImages"], [scope.RepositoryArn]),
            new("Rollouts", ["ecs:DescribeServices", "ecs:UpdateService"], [scope.EcsServiceArn]),
            new("RolloutTasks", ["ecs:DescribeTasks"], [scope.EcsTaskArn]),
            // ListTasks is authorized on the cluster's container instances, which Fargate does not have: only "*" matches.
            new("RolloutTaskList", ["ecs:ListTasks"], ["*"]),
        };
        if (scope.PromotedFrom is { } source)
            statements.Add(new("PromotionSourceRepositories", [.. RegistryPull], [scope.RepositoryArnOf(source)]));
        return new($"{scope.DeployRoleName}-images", "Images (push, protected tags, promotion) and ECS rollouts of the environment", statements);
    }

    /// <summary>
    /// What CloudFormation calls with the deploy role's credentials for the resource types of the templates: allowed only
    /// through CloudFormation (<c>aws:CalledVia</c>), scoped to the environment's names where those are known up front
    /// (roles, repositories), one statement per service, packed into as many managed policies as they need.
    /// </summary>
    static IReadOnlyList<IamPolicy> ThroughCloudFormation(RoleScope scope)
    {
        var statements = new List<IamStatement>();
        // SSM parameters are granted with the stacks, on the environment's path (EnvironmentParameters).
        foreach (var service in scope.ResourceActions.Where(a => !a.StartsWith("ssm:", StringComparison.Ordinal)).GroupBy(a => a[..a.IndexOf(':')], StringComparer.Ordinal))
        {
            var resources = service.Key switch
            {
                "iam" => [scope.StackRoleArn],
                "ecr" => [scope.RepositoryArn],
                _ => new[] { "*" },
            };
            var statement = new IamStatement($"{Pascal(service.Key)}ThroughCloudFormation", [.. service], resources)
                .When("ForAnyValue:StringEquals", "aws:CalledVia", ViaCloudFormation);
            // IAM is global: its requests are not made in the environment's region.
            statements.Add(service.Key == "iam" ? statement : statement.When("StringEquals", "aws:RequestedRegion", scope.Region));
        }
        if (scope.PassesRolesTo.Count > 0)
            statements.Add(new IamStatement("PassStackRoles", ["iam:PassRole"], [scope.StackRoleArn])
                .When("StringEquals", "iam:PassedToService", scope.PassesRolesTo));
        if (scope.ServiceLinkedRoles.Count > 0)
            statements.Add(new IamStatement("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], [$"arn:{scope.Partition}:iam::{scope.Account}:role/aws-service-role/*"])
                .When("StringEquals", "iam:AWSServiceName", scope.ServiceLinkedRoles));

        var purpose = $"What CloudFormation creates, updates and deletes for the stacks ({scope.ResourceTypes.Count} resource types), only through CloudFormation";
        var policies = new List<List<IamStatement>> { new() };
        foreach (var statement in statements)
        {
            if (policies[^1].Count > 0 && new IamPolicy("", "", [.. policies[^1], statement]).Size > IamPolicy.ManagedPolicySizeLimit)
                policies.Add([]);
            policies[^1].Add(statement);
        }
        return policies.Select((part, i) => new IamPolicy($"{scope.DeployRoleName}-resources{(i == 0 ? "" : $"-{i + 1}")}",
            policies.Count == 1 ? purpose : $"{purpose} (part {i + 1} of {policies.Count})", part)).ToList();
    }

    static string Pascal(string service) => string.Concat(service.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    static JsonObject Trust(RoleScope scope, string subject) => new()
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

    /// <summary>The environment whose images a Deploy of this one promotes (reads its history and pulls from its repositories).</summary>
    public string? PromotedFrom { get; init; }

    public bool DeclaresSsmSecrets { get; init; }

    /// <summary>ARNs (or ARN patterns) of the Secrets Manager secrets the services declare.</summary>
    public IReadOnlyList<string> SecretsManagerSecrets { get; init; } = [];

    public string Partition => Region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : Region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";

    public string DeployRoleName => DeploymentNames.DeployRole(Environment);
    public string ReadOnlyRoleName => DeploymentNames.ReadOnlyRole(Environment);
    public string DeployRoleArn => $"arn:{Partition}:iam::{Account}:role/{DeployRoleName}";
    public string ReadOnlyRoleArn => $"arn:{Partition}:iam::{Account}:role/{ReadOnlyRoleName}";
    public string OidcProviderArn => $"arn:{Partition}:iam::{Account}:oidc-provider/{PipelineRoles.OidcHost}";

    /// <summary>Every stack of the environment: <c>apigw-&lt;env&gt;-*</c>.</summary>
    public string StackArn => $"arn:{Partition}:cloudformation:{Region}:{Account}:stack/{DeploymentNames.ServiceStack(Environment, "*")}/*";

    public string ChangeSetArn => $"arn:{Partition}:cloudformation:{Region}:{Account}:changeSet/pipeline-*/*";
    public string ParameterArn => $"arn:{Partition}:ssm:{Region}:{Account}:parameter{DeploymentNames.ParameterPrefix(Environment)}/*";
    public string BucketArn => $"arn:{Partition}:s3:::{TemplateStore.BucketNameFor(Account, Region)}";
    public string RepositoryArn => RepositoryArnOf(Environment);
    public string RepositoryArnOf(string environment) => $"arn:{Partition}:ecr:{Region}:{Account}:repository/{DeploymentNames.RepositoryNamespace(environment)}/*";

    /// <summary>CloudFormation names what it creates <c>&lt;stack&gt;-&lt;logical id&gt;-&lt;suffix&gt;</c>: the cluster and services start with the stack's name.</summary>
    public string EcsServiceArn => $"arn:{Partition}:ecs:{Region}:{Account}:service/{DeploymentNames.ServiceStack(Environment, "*")}";

    public string EcsTaskArn => $"arn:{Partition}:ecs:{Region}:{Account}:task/{DeploymentNames.ServiceStack(Environment, "*")}";
    public string StackRoleArn => $"arn:{Partition}:iam::{Account}:role/{DeploymentNames.ServiceStack(Environment, "*")}";

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

    /// <summary>The templates' resource types the table does not know; the policies cannot be written while there are any.</summary>
    public IReadOnlyList<string> UnknownResourceTypes => Required.UnknownTypes;

    /// <summary>The templates' properties (<c>"type property"</c>) the table does not know; likewise.</summary>
    public IReadOnlyList<string> UnknownFeatures => Required.UnknownFeatures;
}
