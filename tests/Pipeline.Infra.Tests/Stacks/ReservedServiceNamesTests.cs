using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>A service's stack is <c>apigw-&lt;env&gt;-&lt;service&gt;</c>, so a service may not take the name of another stack.</summary>
public sealed class ReservedServiceNamesTests : IDisposable
{
    readonly DirectoryInfo _services = Directory.CreateTempSubdirectory("pipeline-reserved-");

    [Theory]
    [InlineData("registry", "apigw-<env>-registry", "ECR registry stack")]
    [InlineData("shared", "apigw-<env>-shared", "shared environment stack")]
    [InlineData("app", "apigw-<env>-app", "legacy single application stack")]
    public void A_service_named_like_another_stack_is_rejected_naming_its_folder_and_why(string name, string stack, string taken)
    {
        Write("fastapi", 8000);
        var folder = Write(name, 8001);

        FluentActions.Invoking(() => ServiceCatalog.Load(_services.FullName))
            .Should().Throw<ManifestException>()
            .WithMessage($"*{name}: the service folder '{folder}' has a reserved name*{stack}*{taken}*Rename the folder*");
    }

    [Fact]
    public void Names_that_merely_start_like_a_stack_are_fine()
    {
        Write("shared-cache", 8000);
        Write("app-api", 8001);

        ServiceCatalog.Load(_services.FullName).Names.Should().Equal("app-api", "shared-cache");
    }

    [Fact]
    public void Reserved_names_are_exactly_the_other_stacks_of_an_environment()
    {
        DeploymentNames.ReservedServiceNames.Keys.Select(n => DeploymentNames.ServiceStack("dev", n)).Should().BeEquivalentTo(
            [DeploymentNames.RegistryStack("dev"), DeploymentNames.SharedStack("dev"), DeploymentNames.AppStack("dev")]);
    }

    string Write(string name, int port)
    {
        var folder = Path.Combine(_services.FullName, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ServiceCatalog.ManifestFileName),
            $$"""{ "name": "{{name}}", "port": {{port}}, "routePrefix": "/api/{{name}}" }""");
        return Path.GetFullPath(folder);
    }

    public void Dispose() => _services.Delete(recursive: true);
}
