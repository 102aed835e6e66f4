using System.Collections;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Deployment;

/// <summary>An environment name goes into every stack, repository, container and policy name: a bad one is refused before anything runs.</summary>
public sealed class EnvironmentNameTests
{
    [Theory]
    [InlineData("bad name!")]
    [InlineData("dev-x")]
    [InlineData("Dev")]
    [InlineData("1dev")]
    [InlineData("averyveryverylongname")]
    public async Task A_name_that_cannot_name_an_environment_stops_the_run_with_exit_code_2_and_the_rule(string name)
    {
        var output = new StringWriter();

        var code = await PipelineBuild.RunAsync(new Build(), ["Deploy", "--deploy-environment", name, "--dry-run"], RepositoryRoot.Find(), new Hashtable(), output);

        code.Should().Be(2);
        output.ToString().Should().Contain($"--deploy-environment '{name}' cannot name an environment")
            .And.Contain("lower-case letters and digits").And.Contain("no hyphen");
    }

    [Theory]
    [InlineData("local")]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("e2e1a2b3c4d")]
    [InlineData("staging2")]
    public void The_names_of_the_profiles_and_the_tests_are_accepted(string name) =>
        DeploymentNames.EnvironmentNameProblem(name).Should().BeNull();
}
