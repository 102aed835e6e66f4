using System.Diagnostics;
using System.Text.Json;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Synthesis;

/// <summary>
/// The templates deploy as written, the way the pipeline deploys them: every stack (registry, shared, each service in
/// dependency order) through a CloudFormation change set (create, then execute), the service stacks with their image tag
/// and desired count parameters. The stacks find each other only through SSM parameters, so this proves that wiring: a service stack's
/// change set resolves the shared stack's and the used services' parameters (moto creates no exports for a stack created
/// by a change set, so exports could not pass here). moto skips API Gateway (the authorizer too), Cognito, alarms,
/// autoscaling and standalone security-group egress rules (it creates no such resources); everything else (network, ALBs,
/// ECS, IAM, logs, ECR, SSM, the SNS alarm topic, the CloudWatch dashboard) must come up.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class MotoDeployTests(SynthesizedInfra infra, MotoServer moto) : IClassFixture<MotoServer>
{
    // moto 5.2 has no CloudFormation support for these; it skips them with a warning.
    static readonly string[] SkippedByMoto =
        ["AWS::ApiGatewayV2::", "AWS::CloudWatch::Alarm", "AWS::ApplicationAutoScaling::", "AWS::EC2::SecurityGroupEgress", "AWS::Cognito::"];

    const int MotoDesiredCount = 2;

    [ToolFact("node", "moto", "aws")]
    public async Task Every_stack_deploys_through_change_sets_in_dependency_order_and_reads_the_ssm_parameters_of_the_stacks_before_it()
    {
        Requirements.RequireTools("node", "moto", "aws");
        var dev = infra.Dev;
        var registry = DeploymentNames.RegistryStack("dev");
        var shared = DeploymentNames.SharedStack("dev");
        string StackOf(ServiceManifest service) => DeploymentNames.ServiceStack("dev", service.Name);

        // The pipeline's order: the registry first (before any push), then shared, then each service after the ones it uses.
        List<string> order = [registry, shared, .. dev.Catalog.InDeploymentOrder().Select(StackOf)];
        order.Should().HaveCount(2 + dev.Services.Count());
        foreach (var (stack, dependencies) in dev.Dependencies)
            foreach (var dependency in dependencies)
                order.IndexOf(dependency).Should().BeLessThan(order.IndexOf(stack), $"manifest.json: {stack} depends on {dependency}");

        await DeployThroughChangeSetAsync(registry, dev.RegistryTemplatePath, new Dictionary<string, string>());
        await DeployThroughChangeSetAsync(shared, dev.SharedTemplatePath, new Dictionary<string, string>());
        foreach (var service in dev.Catalog.InDeploymentOrder())
            await DeployThroughChangeSetAsync(StackOf(service), dev.ServiceTemplatePath(service),
                new Dictionary<string, string>
                {
                    [DeploymentNames.ImageTagParameter(service.Name)] = infra.ImageTags[service.Name],
                    // As the pipeline passes the count the service runs with now; moto's fake service then runs this many.
                    [DeploymentNames.DesiredCountParameter(service.Name)] = MotoDesiredCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });

        // Everything moto supports came up, in every stack.
        var physical = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        var expectedTotal = 0;
        foreach (var stack in order)
        {
            var summaries = Aws("cloudformation", "list-stack-resources", "--stack-name", stack)
                .GetProperty("StackResourceSummaries").EnumerateArray()
                .Where(r => r.GetProperty("LogicalResourceId").GetString() != "")
                .ToList();
            var created = summaries.ToDictionary(r => r.GetProperty("LogicalResourceId").GetString()!, r => r.GetProperty("ResourceStatus").GetString()!);
            physical[stack] = summaries.ToDictionary(r => r.GetProperty("LogicalResourceId").GetString()!, r => r.GetProperty("PhysicalResourceId").GetString()!);
            // By logical id: moto lists each resource it skipped as an empty entry.
            var expected = new TemplateJson(File.ReadAllText(dev.TemplatePath(stack))).Root.GetProperty("Resources").EnumerateObject()
                .Where(r => !SkippedByMoto.Any(prefix => r.Value.GetProperty("Type").GetString()!.StartsWith(prefix, StringComparison.Ordinal)))
                .Select(r => r.Name)
                .ToList();
            foreach (var logicalId in expected)
                created.Should().Contain(logicalId, "CREATE_COMPLETE", $"{stack}: everything moto supports must come up");
            expectedTotal += expected.Count;
        }
        expectedTotal.Should().BeGreaterThan(50);

        // Every parameter the stacks write exists and holds the id of the resource it names.
        var parameters = Aws("ssm", "get-parameters-by-path", "--path", DeploymentNames.ParameterPrefix("dev"), "--recursive")
            .GetProperty("Parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("Name").GetString()!, p => p.GetProperty("Value").GetString()!);
        parameters.Keys.Should().BeEquivalentTo(dev.Parameters.Keys, "every SSM parameter of every stack is written, and no other");
        string Shared(SharedValue value) => parameters[DeploymentNames.SharedParameter("dev", value)];
        string SharedResource(string type) => physical[shared][dev.SharedJson.OfType(type).Single().Id];
        var privateSubnets = Shared(SharedValue.PrivateSubnetIds).Split(',');
        privateSubnets.Should().HaveCount(Network.AvailabilityZones).And.OnlyContain(s => s.StartsWith("subnet-", StringComparison.Ordinal));
        privateSubnets.Should().BeEquivalentTo(dev.SharedJson.OfType("AWS::EC2::Subnet")
            .Where(s => !s.Properties.GetProperty("MapPublicIpOnLaunch").GetBoolean()).Select(s => physical[shared][s.Id]));
        Shared(SharedValue.VpcId).Should().StartWith("vpc-").And.Be(SharedResource("AWS::EC2::VPC"));
        Shared(SharedValue.ClusterName).Should().Be(SharedResource("AWS::ECS::Cluster"));
        Shared(SharedValue.ClusterArn).Should().EndWith("/" + Shared(SharedValue.ClusterName));
        Shared(SharedValue.VpcLinkSecurityGroupId).Should().StartWith("sg-").And.Be(SharedResource("AWS::EC2::SecurityGroup"));

        // moto 5.2 reports no Outputs for a stack created through a change set (it builds them from the empty template of
        // the REVIEW_IN_PROGRESS stack and never again), so the pipeline falls back to the stack's resources there, and so
        // does this test; the outputs themselves are asserted on the templates (OutputsTests). Where moto reports them,
        // they must agree.
        var sharedOutputs = Outputs(shared);
        if (sharedOutputs.Count > 0)
        {
            sharedOutputs[DeploymentNames.ApiEndpointOutput].Should().StartWith("https://").And.Contain(".execute-api.us-east-1.");
            sharedOutputs[DeploymentNames.ClusterNameOutput].Should().Be(Shared(SharedValue.ClusterName));
            sharedOutputs[DeploymentNames.DashboardNameOutput].Should().Be(DeploymentNames.Dashboard("dev"));
            sharedOutputs[DeploymentNames.AccessLogGroupOutput].Should().Be(physical[shared][dev.AccessLogGroup]);
        }

        // The environment's dashboard came up with a body CloudWatch can read, its log widget on the access log group.
        var dashboardBody = Aws("cloudwatch", "get-dashboard", "--dashboard-name", DeploymentNames.Dashboard("dev")).GetProperty("DashboardBody").GetString()!;
        using (var body = JsonDocument.Parse(dashboardBody))
            body.RootElement.GetProperty("widgets").EnumerateArray().Single(w => w.GetProperty("type").GetString() == "log")
                .GetProperty("properties").GetProperty("query").GetString().Should().StartWith($"SOURCE '{physical[shared][dev.AccessLogGroup]}' |");

        foreach (var service in dev.Services)
        {
            var stack = StackOf(service);
            var resources = physical[stack];
            var loadBalancerDns = parameters[DeploymentNames.ServiceParameter("dev", service.Name, ServiceValue.LoadBalancerDns)];
            var albSecurityGroup = parameters[DeploymentNames.ServiceParameter("dev", service.Name, ServiceValue.AlbSecurityGroupId)];
            albSecurityGroup.Should().StartWith("sg-").And.Be(resources[dev.AlbSecurityGroupOf(service)]);

            // The shared values arrived: the ALB sits in the shared VPC's private subnets, the service runs in the shared cluster.
            var loadBalancer = Aws("elbv2", "describe-load-balancers", "--load-balancer-arns", resources[dev.LoadBalancerOf(service)])
                .GetProperty("LoadBalancers").EnumerateArray().Should().ContainSingle(service.Name).Subject;
            loadBalancer.GetProperty("DNSName").GetString().Should().Be(loadBalancerDns);
            loadBalancer.GetProperty("AvailabilityZones").EnumerateArray().Select(z => z.GetProperty("SubnetId").GetString())
                .Should().BeEquivalentTo(privateSubnets, service.Name);
            loadBalancer.GetProperty("VpcId").GetString().Should().Be(Shared(SharedValue.VpcId));
            var ecsService = Aws("ecs", "describe-services", "--cluster", Shared(SharedValue.ClusterName), "--services", resources[dev.EcsServiceOf(service)])
                .GetProperty("services").EnumerateArray().Should().ContainSingle(service.Name).Subject;
            // The service runs the count the deploy passed (the template holds no literal count).
            ecsService.GetProperty("desiredCount").ToString().Should().Be(MotoDesiredCount.ToString(System.Globalization.CultureInfo.InvariantCulture), service.Name);

            // A caller's tasks get the used service's ALB DNS name, read from that service's parameter.
            var environment = Aws("ecs", "describe-task-definition", "--task-definition", ecsService.GetProperty("taskDefinition").GetString()!)
                .GetProperty("taskDefinition").GetProperty("containerDefinitions")[0].GetProperty("environment").EnumerateArray()
                .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString()!);
            foreach (var used in service.Uses.Select(u => dev.Catalog[u]))
                environment[used.UrlVariableName].Should().Be(
                    $"http://{parameters[DeploymentNames.ServiceParameter("dev", used.Name, ServiceValue.LoadBalancerDns)]}:{used.Port}");

            var outputs = Outputs(stack);
            if (outputs.Count > 0)
            {
                outputs[DeploymentNames.ServiceNameOutput(service.Name)].Should().NotBeNullOrEmpty();
                outputs[DeploymentNames.LoadBalancerDnsOutput(service.Name)].Should().Be(loadBalancerDns);
                outputs[DeploymentNames.AlbSecurityGroupOutput(service.Name)].Should().Be(albSecurityGroup);
            }
        }

        // Each ALB admits the VPC Link and the tasks of each service that uses it: the callers' ingress rules landed on
        // the security group their stacks read from the used service's parameter.
        var callers = dev.Services.Where(s => s.Uses.Count > 0).ToList();
        callers.Should().NotBeEmpty("the manifests declare at least one 'uses' relation");
        foreach (var service in dev.Services)
        {
            var group = parameters[DeploymentNames.ServiceParameter("dev", service.Name, ServiceValue.AlbSecurityGroupId)];
            var sources = Aws("ec2", "describe-security-groups", "--group-ids", group)
                .GetProperty("SecurityGroups")[0].GetProperty("IpPermissions").EnumerateArray()
                .SelectMany(p => p.GetProperty("UserIdGroupPairs").EnumerateArray().Select(g => g.GetProperty("GroupId").GetString()))
                .ToList();
            sources.Should().Contain(Shared(SharedValue.VpcLinkSecurityGroupId), service.Name);
            sources.Should().HaveCount(1 + dev.Services.Count(s => s.Uses.Contains(service.Name)), $"the VPC Link and the callers of {service.Name}");
        }

        var repositories = Aws("ecr", "describe-repositories").GetProperty("repositories").EnumerateArray()
            .Select(r => r.GetProperty("repositoryName").GetString()).ToList();
        repositories.Should().Contain(dev.Services.Select(s => DeploymentNames.Repository("dev", s.Name)));
    }

    /// <summary>As the pipeline deploys a new stack: a CREATE change set, wait until it is ready, execute it, wait for the stack.</summary>
    async Task DeployThroughChangeSetAsync(string stack, string templatePath, IReadOnlyDictionary<string, string> parameters)
    {
        const string changeSet = "pipeline-test";
        List<string> create =
        [
            "cloudformation", "create-change-set", "--stack-name", stack, "--change-set-name", changeSet,
            "--change-set-type", "CREATE", "--template-body", "file://" + templatePath,
            "--capabilities", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM",
        ];
        if (parameters.Count > 0)
            create.AddRange(["--parameters", .. parameters.Select(p => $"ParameterKey={p.Key},ParameterValue={p.Value}")]);
        Aws([.. create]);

        var described = await WaitUntilSettledAsync($"change set {changeSet} of {stack}",
            () => Aws("cloudformation", "describe-change-set", "--stack-name", stack, "--change-set-name", changeSet),
            c => c.GetProperty("Status").GetString()!);
        described.GetProperty("Status").GetString().Should().Be("CREATE_COMPLETE",
            $"{stack}: change set {(described.TryGetProperty("StatusReason", out var reason) ? reason.ToString() : "")}");

        Aws("cloudformation", "execute-change-set", "--stack-name", stack, "--change-set-name", changeSet);
        var status = await WaitUntilSettledAsync($"stack {stack}",
            () => Aws("cloudformation", "describe-stacks", "--stack-name", stack).GetProperty("Stacks")[0],
            s => s.GetProperty("StackStatus").GetString()!);
        status.GetProperty("StackStatus").GetString().Should().Be("CREATE_COMPLETE", stack);
    }

    static Task<JsonElement> WaitUntilSettledAsync(string what, Func<JsonElement> describe, Func<JsonElement, string> statusOf) =>
        Eventually.UntilAsync($"{what} to settle", describe,
            current => statusOf(current) is var status && !(status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) || status.EndsWith("_PENDING", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(500), describe: statusOf);

    /// <summary>The stack's outputs as CloudFormation reports them (none: empty).</summary>
    Dictionary<string, string> Outputs(string stack) =>
        Aws("cloudformation", "describe-stacks", "--stack-name", stack).GetProperty("Stacks")[0].TryGetProperty("Outputs", out var outputs)
            ? outputs.EnumerateArray().ToDictionary(o => o.GetProperty("OutputKey").GetString()!, o => o.GetProperty("OutputValue").GetString()!)
            : [];

    JsonElement Aws(params string[] args)
    {
        var start = new ProcessStartInfo("aws") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args.Concat(["--endpoint-url", moto.Endpoint.ToString(), "--output", "json"]))
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in moto.ChildEnvironment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"aws {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        var text = stdout.Result;
        return string.IsNullOrWhiteSpace(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
