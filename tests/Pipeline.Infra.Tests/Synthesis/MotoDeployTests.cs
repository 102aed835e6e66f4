using System.Diagnostics;
using System.Text.Json;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;
using Pipeline.TestSupport;

namespace Pipeline.Infra.Tests.Synthesis;

/// <summary>
/// The templates deploy as written. moto skips API Gateway, alarms, autoscaling and standalone security-group
/// egress rules (it creates no such resources); everything else (network, ALBs, ECS, IAM, logs, ECR) must come up.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class MotoDeployTests(SynthesizedInfra infra, MotoServer moto) : IClassFixture<MotoServer>
{
    [ToolFact("node", "moto", "aws")]
    public void Both_stacks_deploy_to_create_complete_on_moto()
    {
        RequiredTools.Require("node", "moto", "aws");
        var dev = infra.Dev;
        var registry = DeploymentNames.RegistryStack("dev");
        var app = DeploymentNames.AppStack("dev");

        CreateStack(registry, dev.RegistryTemplatePath);
        CreateStack(app, dev.AppTemplatePath);

        StackStatus(registry).Should().Be("CREATE_COMPLETE");
        StackStatus(app).Should().Be("CREATE_COMPLETE");

        var created = Aws("cloudformation", "list-stack-resources", "--stack-name", app)
            .GetProperty("StackResourceSummaries").EnumerateArray()
            .Where(r => r.GetProperty("LogicalResourceId").GetString() != "")
            .ToDictionary(r => r.GetProperty("LogicalResourceId").GetString()!, r => r.GetProperty("ResourceStatus").GetString()!);
        var expected = dev.AppJson.Root.GetProperty("Resources").EnumerateObject()
            .Where(r => !SkippedByMoto.Any(prefix => r.Value.GetProperty("Type").GetString()!.StartsWith(prefix, StringComparison.Ordinal)))
            .Select(r => r.Name)
            .ToList();
        expected.Should().HaveCountGreaterThan(50);
        // By logical id: moto lists each resource it skipped as an empty entry.
        foreach (var logicalId in expected)
            created.Should().Contain(logicalId, "CREATE_COMPLETE", "everything moto supports must come up");

        var outputs = Aws("cloudformation", "describe-stacks", "--stack-name", app)
            .GetProperty("Stacks")[0].GetProperty("Outputs").EnumerateArray()
            .ToDictionary(o => o.GetProperty("OutputKey").GetString()!, o => o.GetProperty("OutputValue").GetString()!);
        outputs["ApiEndpoint"].Should().StartWith("https://").And.Contain(".execute-api.us-east-1.");
        foreach (var service in dev.Services)
            outputs[DeploymentNames.ServiceNameOutput(service.Name)].Should().NotBeNullOrEmpty();

        var repositories = Aws("ecr", "describe-repositories").GetProperty("repositories").EnumerateArray()
            .Select(r => r.GetProperty("repositoryName").GetString()).ToList();
        repositories.Should().Contain(dev.Services.Select(s => DeploymentNames.Repository("dev", s.Name)));
    }

    // moto 5.2 has no CloudFormation support for these; it skips them with a warning.
    static readonly string[] SkippedByMoto =
        ["AWS::ApiGatewayV2::", "AWS::CloudWatch::Alarm", "AWS::ApplicationAutoScaling::", "AWS::EC2::SecurityGroupEgress"];

    void CreateStack(string name, string templatePath) =>
        Aws("cloudformation", "create-stack", "--stack-name", name,
            "--template-body", "file://" + templatePath,
            "--capabilities", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM");

    string StackStatus(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = Aws("cloudformation", "describe-stacks", "--stack-name", name)
                .GetProperty("Stacks")[0].GetProperty("StackStatus").GetString()!;
            if (!status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                return status;
            Thread.Sleep(500);
        }
    }

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
