using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Roles;
using Pipeline.Build.Tests.Reports;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws.Roles;

/// <summary>
/// The GitHub OIDC roles DeployRole writes: they cover every AWS action the pipeline calls (read from the clients' sources),
/// grant no wildcard action, keep the read-only role to reads, trust only the repository's environment jobs and pull
/// requests, and know every resource type the CDK app synthesizes.
/// </summary>
public sealed partial class PipelineRolesTests(SynthesizedReferenceTemplates synthesized) : IClassFixture<SynthesizedReferenceTemplates>
{
    static readonly string Root = RepositoryRoot.Find(AppContext.BaseDirectory);
    static readonly string BuildSources = Path.Combine(Root, "build", "Pipeline.Build");

    static RoleScope Scope(IReadOnlyCollection<string>? types = null) => new("dev", "123456789012", "eu-west-1", "octo-org/apigw-pipeline")
    {
        ResourceTypes = types ?? [],
    };

    /// <summary>Every statement that applies to the pipeline's own calls (not only to calls CloudFormation makes for it).</summary>
    static HashSet<string> DirectActions(IEnumerable<IamPolicy> policies) =>
        policies.SelectMany(p => p.Statements)
            .Where(s => !s.Conditions.Values.Any(keys => keys.ContainsKey("aws:CalledVia")))
            .SelectMany(s => s.Actions)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void The_deploy_role_grants_every_action_the_pipelines_clients_call_or_names_the_person_who_needs_it()
    {
        var called = CalledActions();
        var granted = DirectActions(PipelineRoles.DeployPolicies(Scope() with
        {
            // Declared secrets add their checks (DescribeParameters, DescribeSecret) to the policy.
            DeclaresSsmSecrets = true,
            SecretsManagerSecrets = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:apigw/dev/token-??????"],
        }));

        called.Should().Contain(["cloudformation:CreateChangeSet", "ecs:UpdateService", "ecr:PutImage", "s3:PutObject", "sts:GetCallerIdentity"],
            "the scan must find the clients' calls");
        var missing = called.Where(a => !granted.Contains(a) && !PipelineRoles.NotForContinuousIntegration.ContainsKey(a)).ToList();
        missing.Should().BeEmpty("every AWS action the pipeline calls is granted to the deploy role, or listed in NotForContinuousIntegration with the target that needs it");
        PipelineRoles.NotForContinuousIntegration.Keys.Should().BeSubsetOf(called, "an entry for an action nothing calls any more is stale");
        granted.Should().Contain(PipelineRoles.RegistryPushAndPull, "pushes, tag lookups, protected tags and promotion copies go through the Registry API");
    }

    [Fact]
    public void The_read_only_role_grants_reads_only_and_exactly_what_Diff_and_Verify_call()
    {
        var policy = PipelineRoles.ReadOnly(Scope());

        policy.Actions.Should().BeEquivalentTo(
            "cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources", "ecs:DescribeServices",
            "ecr:GetAuthorizationToken", "sts:GetCallerIdentity", "ec2:DescribeAvailabilityZones", "s3:ListBucket", "s3:GetObject");
        policy.Actions.Should().AllSatisfy(a => a[(a.IndexOf(':') + 1)..].Should().MatchRegex("^(Describe|Get|List)"));
        policy.Statements.Single(s => s.Sid == "ReadHistory").Resources.Should().Equal("arn:aws:s3:::apigw-templates-123456789012-eu-west-1/history/dev/*");
    }

    [Fact]
    public void No_policy_grants_a_wildcard_action()
    {
        var scope = Scope(CloudFormationResourceActions.ByType.Keys.ToList()) with { PromotedFrom = "stage" };
        foreach (var policy in PipelineRoles.DeployPolicies(scope).Append(PipelineRoles.ReadOnly(scope)).Concat(PipelineRoles.ExecutionPolicies(scope)).Append(PipelineRoles.Boundary(scope)))
            policy.Actions.Should().AllSatisfy(a => a.Should().MatchRegex("^[a-z0-9-]+:[A-Za-z]+$", $"{policy.Name} names each action it allows"));
    }

    [Fact]
    public void Every_policy_fits_a_managed_policy_even_with_every_known_resource_type()
    {
        var scope = Scope(CloudFormationResourceActions.ByType.Keys.ToList()) with { PromotedFrom = "stage", DeclaresSsmSecrets = true };
        foreach (var policy in PipelineRoles.DeployPolicies(scope).Append(PipelineRoles.ReadOnly(scope)).Concat(PipelineRoles.ExecutionPolicies(scope)).Append(PipelineRoles.Boundary(scope)))
            policy.Size.Should().BeLessThanOrEqualTo(IamPolicy.ManagedPolicySizeLimit, policy.Name);
    }

    [Fact]
    public void Trust_admits_only_the_repositorys_jobs_in_the_environment_and_its_pull_requests()
    {
        var scope = Scope();

        Condition(PipelineRoles.DeployTrust(scope)).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["token.actions.githubusercontent.com:aud"] = "sts.amazonaws.com",
            ["token.actions.githubusercontent.com:sub"] = "repo:octo-org/apigw-pipeline:environment:dev",
        });
        Condition(PipelineRoles.ReadOnlyTrust(scope))["token.actions.githubusercontent.com:sub"].Should().Be("repo:octo-org/apigw-pipeline:pull_request");
        PipelineRoles.DeployTrust(scope)["Statement"]![0]!["Principal"]!["Federated"]!.GetValue<string>()
            .Should().Be("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com");
    }

    static Dictionary<string, string> Condition(JsonObject trust)
    {
        var condition = trust["Statement"]![0]!["Condition"]!.AsObject();
        condition.Select(c => c.Key).Should().Equal(["StringEquals"], "exact matches only, no wildcards in the subject");
        return condition["StringEquals"]!.AsObject().ToDictionary(k => k.Key, k => k.Value!.GetValue<string>());
    }

    [Fact]
    public void The_deploy_role_touches_no_role_but_passes_the_execution_role_to_CloudFormation()
    {
        var scope = Scope(CloudFormationResourceActions.ByType.Keys.ToList());
        var iam = PipelineRoles.DeployPolicies(scope).SelectMany(p => p.Statements).Where(s => s.Actions.Any(a => a.StartsWith("iam:", StringComparison.Ordinal))).ToList();

        var pass = iam.Should().ContainSingle("the deploy role's only IAM is handing the execution role on").Subject;
        pass.Actions.Should().Equal("iam:PassRole");
        pass.Resources.Should().Equal("arn:aws:iam::123456789012:role/pipeline-apigw-dev-cfn-exec");
        pass.Conditions["StringEquals"]["iam:PassedToService"].Should().Equal("cloudformation.amazonaws.com");
    }

    [Fact]
    public void The_execution_role_changes_only_the_stacks_roles_and_never_its_own_or_the_pipelines()
    {
        var scope = Scope(CloudFormationResourceActions.ByType.Keys.ToList());
        var allows = PipelineRoles.ExecutionPolicies(scope).SelectMany(p => p.Statements).Where(s => !s.Denies && s.Actions.Any(a => a.StartsWith("iam:", StringComparison.Ordinal))).ToList();

        allows.Should().NotBeEmpty();
        foreach (var statement in allows)
            foreach (var resource in statement.Resources)
            {
                resource.Should().NotBe("*", statement.Sid);
                var pattern = "^" + Regex.Escape(resource).Replace("\\*", ".*") + "$";
                foreach (var own in new[] { scope.DeployRoleArn, scope.ReadOnlyRoleArn, scope.ExecutionRoleArn })
                    Regex.IsMatch(own, pattern).Should().BeFalse($"{statement.Sid} must not reach {own}");
            }
        allows.Single(s => s.Sid == "PassStackRoles").Conditions["StringEquals"]["iam:PassedToService"]
            .Should().BeEquivalentTo("ecs-tasks.amazonaws.com", "vpc-flow-logs.amazonaws.com");
        // ECS's traffic-shifting roles, and only they, go to ECS itself.
        var traffic = allows.Single(s => s.Sid == "PassRolesTrafficToEcs");
        traffic.Actions.Should().Equal("iam:PassRole");
        traffic.Resources.Should().Equal("arn:aws:iam::123456789012:role/apigw-dev-*-traffic");
        traffic.Conditions["StringEquals"]["iam:PassedToService"].Should().Equal("ecs.amazonaws.com");
        allows.Single(s => s.Sid == "StackRolesOnlyWithTheBoundary").Conditions["StringEquals"]["iam:PermissionsBoundary"]
            .Should().Equal("arn:aws:iam::123456789012:policy/pipeline-apigw-dev-boundary");
    }

    [Fact]
    public void Resource_actions_belong_to_the_execution_role_and_only_for_the_templates_types()
    {
        var scope = Scope(["AWS::ECS::Cluster", "AWS::SSM::Parameter"]);
        var execution = PipelineRoles.ExecutionPolicies(scope).SelectMany(p => p.Statements).Where(s => !s.Denies).ToList();

        execution.SelectMany(s => s.Actions).Should().Contain("ecs:CreateCluster").And.NotContain(a => a.StartsWith("ec2:", StringComparison.Ordinal));
        execution.Where(s => !s.Actions.Any(a => a.StartsWith("iam:", StringComparison.Ordinal)))
            .Should().AllSatisfy(s => s.Conditions["StringEquals"]["aws:RequestedRegion"].Should().Equal("eu-west-1"));
        execution.Single(s => s.Sid == "SsmForTheStacks").Resources.Should().Equal("arn:aws:ssm:eu-west-1:123456789012:parameter/apigw/dev/*");
        execution.Single(s => s.Sid == "ServiceLinkedRoles").Conditions["StringEquals"]["iam:AWSServiceName"].Should().Equal("ecs.amazonaws.com");
        DirectActions(PipelineRoles.DeployPolicies(scope)).Should().NotContain(["ecs:CreateCluster", "ssm:PutParameter"], "the deploy role creates nothing itself");
    }

    [Fact]
    public void A_promoting_environment_only_reads_the_source_history_and_pulls_its_images()
    {
        var statements = PipelineRoles.DeployPolicies(Scope() with { Environment = "prod", PromotedFrom = "dev" }).SelectMany(p => p.Statements).ToList();
        var onDev = statements.Where(s => s.Resources.Any(r => r.Contains("apigw-dev", StringComparison.Ordinal) || r.Contains("history/dev", StringComparison.Ordinal))).ToList();

        onDev.Select(s => s.Sid).Should().BeEquivalentTo("PromotionSourceHistory", "PromotionSourceRepositories");
        onDev.SelectMany(s => s.Actions).Should().BeEquivalentTo("s3:GetObject", "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer");
    }

    [ToolFact("node")]
    public void Every_resource_type_the_CDK_app_synthesizes_has_its_permissions()
    {
        var types = synthesized.Templates.Stacks
            .SelectMany(s => s.Template.RootElement.GetProperty("Resources").EnumerateObject())
            .Select(r => r.Value.GetProperty("Type").GetString()!)
            .ToHashSet();

        types.Should().NotBeEmpty();
        (Scope(types).UnknownResourceTypes).Should().BeEmpty(
            "DeployRole cannot grant what CloudFormation needs for these types: add them to Aws/Roles/CloudFormationResourceActions.cs");
    }

    /// <summary>
    /// What the pipeline calls in AWS, from its sources: each typed client's <c>CallAsync("Action")</c> under the signing
    /// name of the one service it talks to, and each S3 or STS SDK call (mapped to the IAM action AWS authorizes it as).
    /// </summary>
    static IReadOnlySet<string> CalledActions()
    {
        var services = typeof(AwsService).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(AwsService))
            .ToDictionary(f => f.Name, f => ((AwsService)f.GetValue(null)!).IamPrefix);
        var actions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(BuildSources, "Aws", "Clients"), "*.cs"))
        {
            var source = File.ReadAllText(file);
            var calls = CallPattern().Matches(source).Select(m => m.Groups["action"].Value).ToList();
            if (calls.Count == 0)
                continue;
            var used = ServicePattern().Matches(source).Select(m => m.Groups["service"].Value).Distinct().ToList();
            used.Should().ContainSingle($"{Path.GetFileName(file)} calls one service, so its actions have one prefix");
            actions.UnionWith(calls.Select(a => $"{services[used[0]]}:{a}"));
        }
        foreach (var file in Directory.GetFiles(BuildSources, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
            foreach (Match call in SdkCallPattern().Matches(File.ReadAllText(file)))
            {
                var method = call.Groups["client"].Value + "." + call.Groups["method"].Value;
                SdkActions.TryGetValue(method, out var action).Should().BeTrue(
                    $"{Path.GetFileName(file)} calls {method}Async: add the IAM action it needs to {nameof(SdkActions)} (and to the policies)");
                actions.Add(action!);
            }
        return actions;
    }

    /// <summary>The IAM action each SDK call is authorized as (ListObjectsV2 is s3:ListBucket, DeleteObjects is s3:DeleteObject per key, ...).</summary>
    static readonly IReadOnlyDictionary<string, string> SdkActions = new Dictionary<string, string>
    {
        ["s3.PutObject"] = "s3:PutObject",
        ["s3.GetObject"] = "s3:GetObject",
        ["s3.ListObjectsV2"] = "s3:ListBucket",
        ["s3.DeleteObjects"] = "s3:DeleteObject",
        ["s3.DeleteObject"] = "s3:DeleteObject",
        ["s3.DeleteBucket"] = "s3:DeleteBucket",
        ["s3.PutBucket"] = "s3:CreateBucket",
        ["s3.PutPublicAccessBlock"] = "s3:PutBucketPublicAccessBlock",
        ["s3.PutBucketEncryption"] = "s3:PutEncryptionConfiguration",
        ["sts.GetCallerIdentity"] = "sts:GetCallerIdentity",
    };

    [GeneratedRegex("""CallAsync\("(?<action>[A-Za-z]+)"[,)]""")]
    private static partial Regex CallPattern();

    [GeneratedRegex(@"AwsService\.(?<service>[A-Za-z0-9]+)")]
    private static partial Regex ServicePattern();

    [GeneratedRegex(@"\b(?<client>s3|sts)\.(?<method>[A-Za-z0-9]+)Async\(")]
    private static partial Regex SdkCallPattern();
}
