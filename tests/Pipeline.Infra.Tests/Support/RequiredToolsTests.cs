namespace Pipeline.Infra.Tests.Support;

public sealed class RequiredToolsTests
{
    const string NoSuchTool = "no-such-tool-4f1c";

    [Fact]
    public void Missing_tool_skips_on_a_workstation_and_fails_loudly_under_ci()
    {
        var before = Environment.GetEnvironmentVariable("CI");
        try
        {
            Environment.SetEnvironmentVariable("CI", null);
            new ToolFactAttribute(NoSuchTool).Skip.Should().Contain(NoSuchTool).And.Contain("CI=true");

            Environment.SetEnvironmentVariable("CI", "true");
            new ToolFactAttribute(NoSuchTool).Skip.Should().BeNull("under CI the test runs, and Require fails it");
            FluentActions.Invoking(() => Requirements.RequireTools(NoSuchTool))
                .Should().Throw<InvalidOperationException>().WithMessage($"*{NoSuchTool}*not installed*");
        }
        finally
        {
            Environment.SetEnvironmentVariable("CI", before);
        }
    }
}
