using Pipeline.Build.Aws.Clients;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// One repository copy for the AWS scenario: a moto server of its own, the local registry for images, and the same copy
/// deployed on the local platform, whose gateway serves the same content tags and so is a real target for HealthCheck.
/// Every AWS run gets a long, unique fake secret key, so a test can prove it is never printed.
/// </summary>
public sealed class AwsDeploymentFixture : IAsyncLifetime
{
    readonly SemaphoreSlim gate = new(1, 1);
    readonly MotoServer moto = new();
    readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };
    readonly List<BuildScriptRun> awsRuns = [];
    IsolatedDeployment? deployment;
    BuildScriptRun? localDeploy;
    BuildScriptRun? firstAwsDeploy;
    bool motoStarted;

    public string SecretKey { get; } = $"FAKE/SECRET+KEY/{Guid.NewGuid():N}/{Guid.NewGuid():N}";

    public IsolatedDeployment Deployment => deployment ?? throw new InvalidOperationException(
        "The end-to-end copy was not created: " + EndToEndRequirements.WhyNoAwsPlatform());

    public string RegistryStack => DeploymentNames.RegistryStack(Deployment.Environment);

    public string SharedStack => DeploymentNames.SharedStack(Deployment.Environment);

    public string ServiceStack(string service) => DeploymentNames.ServiceStack(Deployment.Environment, service);

    /// <summary>Every AWS run so far (each with <see cref="SecretKey"/> in its environment).</summary>
    public IReadOnlyList<BuildScriptRun> AwsRuns
    {
        get
        {
            lock (awsRuns) return awsRuns.ToList();
        }
    }

    public CloudFormationClient CloudFormation => new(MotoServer.Connection(moto.Endpoint), http);

    public EcrRepositories Repositories => new(MotoServer.Connection(moto.Endpoint), http);

    public EcrClient Ecr => new(MotoServer.Connection(moto.Endpoint), http);

    public async Task InitializeAsync()
    {
        if (!Requires.InCi && EndToEndRequirements.WhyNoAwsPlatform() is not null)
            return;
        deployment = IsolatedDeployment.Create();
        await moto.InitializeAsync();
        motoStarted = true;
    }

    /// <summary>The copy on the local platform (once): the address HealthCheck of the AWS runs checks.</summary>
    public async Task<BuildScriptRun> LocallyDeployedAsync()
    {
        Requires.DockerEngineAndRegistry();
        await gate.WaitAsync();
        try
        {
            localDeploy ??= await Deployment.RunLocalAsync("Deploy");
        }
        finally
        {
            gate.Release();
        }
        localDeploy.ExitCode.Should().Be(0, "the local deploy that AWS health checks go to must succeed:\n" + localDeploy.Describe());
        return localDeploy;
    }

    /// <summary>The first full AWS Deploy (once), after the local one.</summary>
    public async Task<BuildScriptRun> DeployedOnAwsAsync()
    {
        await LocallyDeployedAsync();
        await gate.WaitAsync();
        try
        {
            firstAwsDeploy ??= await RunOnAwsAsync("Deploy");
        }
        finally
        {
            gate.Release();
        }
        firstAwsDeploy.ExitCode.Should().Be(0, firstAwsDeploy.Describe());
        return firstAwsDeploy;
    }

    /// <summary>
    /// <c>./build.sh</c> with the dev profile against moto, images to the local registry, and HealthCheck through
    /// the local gateway of the same copy.
    /// </summary>
    public Task<BuildScriptRun> RunOnAwsAsync(params string[] arguments) => RunOnAwsAsync(new Dictionary<string, string>(), arguments);

    /// <inheritdoc cref="RunOnAwsAsync(string[])"/>
    /// <param name="environment">More variables for the run (<c>CI=true</c>, say).</param>
    public async Task<BuildScriptRun> RunOnAwsAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var run = await Deployment.RunAsync(
            [.. arguments, "--profile", "dev", "--deploy-environment", Deployment.Environment,
             "--registry", Requires.LocalRegistry, "--health-url", Deployment.GatewayUrl.ToString(), "--health-timeout", "60s"],
            new Dictionary<string, string>(environment)
            {
                ["AWS_ENDPOINT_URL"] = moto.Endpoint.ToString().TrimEnd('/'),
                ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
                ["AWS_REGION"] = MotoServer.Region,
            });
        lock (awsRuns) awsRuns.Add(run);
        return run;
    }

    public async Task<StackDescription> StackAsync(string name) =>
        await CloudFormation.DescribeStackAsync(name, CancellationToken.None)
        ?? throw new InvalidOperationException($"Stack {name} does not exist in moto at {moto.Endpoint}.");

    public async Task DisposeAsync()
    {
        try
        {
            if (deployment is not null)
                await deployment.DisposeAsync();
        }
        finally
        {
            if (motoStarted)
                await moto.DisposeAsync();
            http.Dispose();
        }
    }
}
