using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Build.Aws.Roles;
using Pipeline.Build.Tests.Reports;
using Pipeline.Build.Tests.Workflows;

namespace Pipeline.Build.Tests.Aws.Roles;

/// <summary>
/// The roles DeployRole writes for dev, from the real synthesized templates, judged by an IAM policy simulator that is not
/// the pipeline's own (build/tools/iam-simulate.mjs over @cloud-copilot/iam-simulate) in an account dev shares with prod:
/// the deploy role creates nothing and reaches nothing of prod; the execution role creates roles only with the boundary
/// and cannot remove or edit it, nor touch what is tagged for prod; a role under the boundary can do no IAM at all.
/// </summary>
public sealed class RoleSimulationTests(SynthesizedReferenceTemplates synthesized) : IClassFixture<SynthesizedReferenceTemplates>
{
    const string Account = "123456789012";
    const string Region = "eu-west-1";
    const string Allowed = "Allowed";
    const string ExplicitlyDenied = "ExplicitlyDenied";
    const string Denied = "Denied";

    static readonly string DevBoundary = $"arn:aws:iam::{Account}:policy/pipeline-apigw-dev-boundary";
    static readonly string ProdBoundary = $"arn:aws:iam::{Account}:policy/pipeline-apigw-prod-boundary";
    static readonly string DevRole = $"arn:aws:iam::{Account}:role/apigw-dev-fastapi-TaskRole-abc";
    static readonly string ExecutionRole = $"arn:aws:iam::{Account}:role/pipeline-apigw-dev-cfn-exec";
    static readonly string ProdSecurityGroup = $"arn:aws:ec2:{Region}:{Account}:security-group/sg-0123456789abcdef0";
    static readonly string ProdLoadBalancer = $"arn:aws:elasticloadbalancing:{Region}:{Account}:loadbalancer/app/apigw-prod-fastapi/50dc6c495c0c9188";
    static readonly string DevDeployment = $"arn:aws:ecs:{Region}:{Account}:service-deployment/apigw-dev-fastapi-Cluster-abc/apigw-dev-fastapi-Service-def/r9i43YFjvgF";
    static readonly string ProdDeployment = $"arn:aws:ecs:{Region}:{Account}:service-deployment/apigw-prod-fastapi-Cluster-abc/apigw-prod-fastapi-Service-def/r9i43YFjvgF";
    static readonly string ProdService = $"arn:aws:ecs:{Region}:{Account}:service/apigw-prod-fastapi-Cluster-abc/apigw-prod-fastapi-Service-def";
    static readonly string DevService = $"arn:aws:ecs:{Region}:{Account}:service/apigw-dev-fastapi-Cluster-abc/apigw-dev-fastapi-Service-def";
    static readonly string ProdStack = $"arn:aws:cloudformation:{Region}:{Account}:stack/apigw-prod-shared/1a2b3c4d";
    static readonly string DevStack = $"arn:aws:cloudformation:{Region}:{Account}:stack/apigw-dev-shared/1a2b3c4d";

    static Dictionary<string, object> InRegion(params (string Key, object Value)[] more)
    {
        var context = new Dictionary<string, object> { ["aws:RequestedRegion"] = Region };
        foreach (var (key, value) in more)
            context[key] = value;
        return context;
    }

    static (string, object) TaggedFor(string environment) => ("aws:ResourceTag/apigw:environment", environment);

    [ToolFact("node")]
    public void The_deploy_role_creates_nothing_passes_only_the_execution_role_and_reaches_nothing_of_prod()
    {
        var deploy = PipelineRoles.DeployPolicies(Dev()).Select(p => p.ToJsonObject()).ToList();
        Simulate("deploy role", $"arn:aws:iam::{Account}:role/github-apigw-dev-deploy", deploy, null, [
            new("creates a role", "iam:CreateRole", DevRole, InRegion(("iam:PermissionsBoundary", DevBoundary)), Denied),
            new("puts a role policy", "iam:PutRolePolicy", DevRole, InRegion(("iam:PermissionsBoundary", DevBoundary)), Denied),
            new("passes the execution role to CloudFormation", "iam:PassRole", ExecutionRole, InRegion(("iam:PassedToService", "cloudformation.amazonaws.com")), Allowed),
            new("passes the execution role to ECS tasks", "iam:PassRole", ExecutionRole, InRegion(("iam:PassedToService", "ecs-tasks.amazonaws.com")), Denied),
            new("passes a stack role to CloudFormation", "iam:PassRole", DevRole, InRegion(("iam:PassedToService", "cloudformation.amazonaws.com")), Denied),
            new("changes dev's stack", "cloudformation:CreateChangeSet", DevStack, InRegion(), Allowed),
            new("changes prod's stack", "cloudformation:CreateChangeSet", ProdStack, InRegion(), Denied),
            new("deletes prod's stack", "cloudformation:DeleteStack", ProdStack, InRegion(), Denied),
            new("runs a change set of dev's stack", "cloudformation:ExecuteChangeSet", DevStack, InRegion(), Allowed),
            new("runs a change set of prod's stack", "cloudformation:ExecuteChangeSet", ProdStack, InRegion(), Denied),
            new("rolls dev's service", "ecs:UpdateService", DevService, InRegion(), Allowed),
            new("rolls prod's service", "ecs:UpdateService", ProdService, InRegion(TaggedFor("prod")), Denied),
            new("follows dev's service deployment", "ecs:DescribeServiceDeployments", DevDeployment, InRegion(), Allowed),
            new("stops dev's service deployment during its bake", "ecs:StopServiceDeployment", DevDeployment, InRegion(), Allowed),
            new("stops prod's service deployment", "ecs:StopServiceDeployment", ProdDeployment, InRegion(TaggedFor("prod")), Denied),
            new("opens prod's security group", "ec2:AuthorizeSecurityGroupIngress", ProdSecurityGroup, InRegion(TaggedFor("prod")), Denied),
            new("deletes prod's load balancer", "elasticloadbalancing:DeleteLoadBalancer", ProdLoadBalancer, InRegion(TaggedFor("prod")), Denied),
        ]);
    }

    [ToolFact("node")]
    public void The_execution_role_creates_roles_only_with_the_boundary_keeps_it_and_leaves_prod_alone()
    {
        var execution = PipelineRoles.ExecutionPolicies(Dev()).Select(p => p.ToJsonObject()).ToList();
        Simulate("execution role", ExecutionRole, execution, null, [
            new("creates a role with dev's boundary", "iam:CreateRole", DevRole, InRegion(("iam:PermissionsBoundary", DevBoundary)), Allowed),
            new("creates a role without a boundary", "iam:CreateRole", DevRole, InRegion(), ExplicitlyDenied),
            new("creates a role with prod's boundary", "iam:CreateRole", DevRole, InRegion(("iam:PermissionsBoundary", ProdBoundary)), ExplicitlyDenied),
            new("creates a role outside apigw-dev-*", "iam:CreateRole", $"arn:aws:iam::{Account}:role/apigw-prod-x", InRegion(("iam:PermissionsBoundary", DevBoundary)), Denied),
            new("creates a role named like the pipeline's", "iam:CreateRole", $"arn:aws:iam::{Account}:role/github-apigw-dev-admin", InRegion(("iam:PermissionsBoundary", DevBoundary)), Denied),
            new("puts a policy on a role without the boundary", "iam:PutRolePolicy", DevRole, InRegion(), ExplicitlyDenied),
            new("puts a policy on a role with the boundary", "iam:PutRolePolicy", DevRole, InRegion(("iam:PermissionsBoundary", DevBoundary)), Allowed),
            new("removes the boundary", "iam:DeleteRolePermissionsBoundary", DevRole, InRegion(), ExplicitlyDenied),
            new("swaps the boundary", "iam:PutRolePermissionsBoundary", DevRole, InRegion(("iam:PermissionsBoundary", $"arn:aws:iam::{Account}:policy/open")), ExplicitlyDenied),
            new("edits the boundary", "iam:CreatePolicyVersion", DevBoundary, InRegion(), ExplicitlyDenied),
            new("changes its own trust", "iam:UpdateAssumeRolePolicy", ExecutionRole, InRegion(), Denied),
            new("passes a dev role to ECS tasks", "iam:PassRole", DevRole, InRegion(("iam:PassedToService", "ecs-tasks.amazonaws.com")), Allowed),
            new("passes a dev role to EC2", "iam:PassRole", DevRole, InRegion(("iam:PassedToService", "ec2.amazonaws.com")), Denied),
            new("opens dev's security group", "ec2:AuthorizeSecurityGroupIngress", ProdSecurityGroup, InRegion(TaggedFor("dev")), Allowed),
            new("opens prod's security group", "ec2:AuthorizeSecurityGroupIngress", ProdSecurityGroup, InRegion(TaggedFor("prod")), ExplicitlyDenied),
            new("deletes prod's load balancer", "elasticloadbalancing:DeleteLoadBalancer", ProdLoadBalancer, InRegion(TaggedFor("prod")), ExplicitlyDenied),
            new("rolls prod's service", "ecs:UpdateService", ProdService, InRegion(TaggedFor("prod")), ExplicitlyDenied),
            new("tags a resource for prod", "ec2:CreateTags", ProdSecurityGroup,
                InRegion(TaggedFor("dev"), ("aws:RequestTag/apigw:environment", "prod"), ("aws:TagKeys", new[] { "apigw:environment" })), ExplicitlyDenied),
            new("removes the environment tag", "ec2:DeleteTags", ProdSecurityGroup, InRegion(TaggedFor("dev"), ("aws:TagKeys", new[] { "apigw:environment" })), ExplicitlyDenied),
            new("changes prod's stack", "cloudformation:CreateChangeSet", ProdStack, InRegion(), Denied),
            new("lists parameters (authorized on * only)", "ssm:DescribeParameters", "*", InRegion(), Allowed),
            new("writes dev's parameter", "ssm:PutParameter", $"arn:aws:ssm:{Region}:{Account}:parameter/apigw/dev/shared/ApiId", InRegion(), Allowed),
            new("writes prod's parameter", "ssm:PutParameter", $"arn:aws:ssm:{Region}:{Account}:parameter/apigw/prod/shared/ApiId", InRegion(), Denied),
            new("works in another region", "ec2:AuthorizeSecurityGroupIngress", ProdSecurityGroup.Replace(Region, "us-east-1", StringComparison.Ordinal),
                new Dictionary<string, object> { ["aws:RequestedRegion"] = "us-east-1", ["aws:ResourceTag/apigw:environment"] = "dev" }, Denied),
        ]);
    }

    [ToolFact("node")]
    public void A_role_under_the_boundary_can_do_no_IAM_whatever_its_own_policy_grants()
    {
        var everything = new JsonObject
        {
            ["Version"] = "2012-10-17",
            ["Statement"] = new JsonArray(new JsonObject { ["Effect"] = "Allow", ["Action"] = "*", ["Resource"] = "*" }),
        };
        var boundary = PipelineRoles.Boundary(Dev());
        boundary.Actions.Should().Contain(["logs:PutLogEvents", "ecr:BatchGetImage"], "what the templates grant their roles");
        Simulate("role under the boundary", DevRole, [everything], boundary.ToJsonObject(), [
            new("creates a role", "iam:CreateRole", $"arn:aws:iam::{Account}:role/apigw-dev-escape", InRegion(), ExplicitlyDenied),
            new("grants itself more", "iam:PutRolePolicy", DevRole, InRegion(("iam:PermissionsBoundary", DevBoundary)), ExplicitlyDenied),
            new("removes its boundary", "iam:DeleteRolePermissionsBoundary", DevRole, InRegion(), ExplicitlyDenied),
            new("assumes another role", "sts:AssumeRole", ExecutionRole, InRegion(), ExplicitlyDenied),
            new("writes its logs", "logs:PutLogEvents", $"arn:aws:logs:{Region}:{Account}:log-group:apigw-dev-fastapi-Logs:log-stream:x", InRegion(), Allowed),
            new("pulls prod's images", "ecr:BatchGetImage", $"arn:aws:ecr:{Region}:{Account}:repository/apigw-prod/fastapi", InRegion(TaggedFor("prod")), ExplicitlyDenied),
            new("deletes a bucket", "s3:DeleteBucket", "arn:aws:s3:::any-bucket", InRegion(), Denied),
        ]);
    }

    RoleScope Dev() => new RoleScope("dev", Account, Region, "octo-org/apigw-pipeline").WithTemplates(synthesized.Templates);

    sealed record Case(string Name, string Action, string Resource, Dictionary<string, object> Context, string Expected);

    /// <summary>Runs every case through the simulator and checks all of them at once, naming each that came out otherwise.</summary>
    static void Simulate(string who, string principal, IReadOnlyList<JsonObject> identity, JsonObject? boundary, IReadOnlyList<Case> cases)
    {
        var input = new JsonObject
        {
            ["cases"] = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["principal"] = principal,
                ["action"] = c.Action,
                ["resource"] = c.Resource,
                ["account"] = Account,
                ["context"] = JsonSerializer.SerializeToNode(c.Context),
                ["identityPolicies"] = new JsonArray([.. identity.Select(p => p.DeepClone())]),
                ["permissionBoundaries"] = boundary is null ? null : new JsonArray(boundary.DeepClone()),
            })]),
        };
        var file = Path.Combine(Path.GetTempPath(), $"iam-simulation-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, input.ToJsonString());
        try
        {
            var (code, output) = NodeTool.Run("node", Path.Combine(NodeTool.ToolsDirectory, "iam-simulate.mjs"), file);
            code.Should().Be(0, output);
            var results = JsonNode.Parse(output[..(output.LastIndexOf(']') + 1)])!.AsArray()
                .ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!["result"]!.GetValue<string>());
            var wrong = cases.Where(c => !Matches(results[c.Name], c.Expected))
                .Select(c => $"{who} {c.Name} ({c.Action} on {c.Resource}): expected {c.Expected}, the simulator says {results[c.Name]}").ToList();
            wrong.Should().BeEmpty();
        }
        finally
        {
            File.Delete(file);
        }
    }

    static bool Matches(string result, string expected) =>
        expected == Denied ? result is "ExplicitlyDenied" or "ImplicitlyDenied" : result == expected;
}
