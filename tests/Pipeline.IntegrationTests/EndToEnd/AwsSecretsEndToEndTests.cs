using System.Text.Json.Nodes;
using Pipeline.Build.Aws.Clients;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// <c>./build.sh Redeploy --profile dev</c> against moto for a service that declares a secret: while the secret does not
/// exist, the run fails before it builds, pushes or deploys anything, naming the secret, its service and the command that
/// creates it. Needs no Docker build: nothing gets that far.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class AwsSecretsEndToEndTests : IAsyncLifetime
{
    readonly MotoServer moto = new();
    IsolatedDeployment? deployment;

    public async Task InitializeAsync()
    {
        if (!Requires.InCi && EndToEndRequirements.WhyNoAwsPlatform() is not null)
            return;
        deployment = IsolatedDeployment.Create();
        var manifest = Path.Combine(deployment.Copy.ServicesDirectory, "fastapi", "service.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json["secrets"] = new JsonObject { ["API_KEY"] = "ssm:/apigw/{env}/fastapi/api-key" };
        File.WriteAllText(manifest, json.ToJsonString());
        await moto.InitializeAsync();
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_declared_secret_that_does_not_exist_fails_the_redeploy_before_anything_is_built()
    {
        var copy = deployment!;
        var environment = copy.Environment;

        var run = await copy.RunAsync(
            ["Redeploy", "--service", "fastapi", "--profile", "dev", "--deploy-environment", environment, "--registry", Requires.LocalRegistry],
            new Dictionary<string, string>
            {
                ["AWS_ENDPOINT_URL"] = moto.Endpoint.ToString().TrimEnd('/'),
                ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = MotoServer.SecretKey,
                ["AWS_REGION"] = MotoServer.Region,
            });

        run.ExitCode.Should().NotBe(0, run.Describe());
        run.Output.Should().Contain($"API_KEY of fastapi: SSM parameter /apigw/{environment}/fastapi/api-key does not exist. Create it: " +
                                    $"aws ssm put-parameter --type SecureString --name /apigw/{environment}/fastapi/api-key --value '<value>'");
        run.Output.Should().MatchRegex(@"BuildImages\s+failed", "the check is the first thing BuildImages does");
        run.Output.Should().NotContain("fastapi | ", "no image build started").And.NotContain("PushImages  succeeded")
            .And.NotContain("deploy history", "a run refused before it changed anything leaves no record");
        var stacks = await new CloudFormationClient(MotoServer.Connection(moto.Endpoint), new HttpClient()).DescribeAllStacksAsync(default);
        stacks.Keys.Should().NotContain(k => k.Contains(environment, StringComparison.Ordinal), "no stack was created or changed");
    }

    public async Task DisposeAsync()
    {
        if (deployment is not null)
            await deployment.DisposeAsync();
        await moto.DisposeAsync();
    }
}
