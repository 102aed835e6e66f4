using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Deployment;

public sealed class EnvironmentConfirmationTests
{
    const string Command = "./build.sh Destroy --profile dev";

    static EnvironmentConfirmation Confirmation(bool yes = false, bool ci = false, bool interactive = true, string typed = "", StringWriter? output = null) =>
        new("dev", yes, ci, interactive, new StringReader(typed), output ?? new StringWriter(), Command);

    [Fact]
    public void Under_CI_without_yes_it_fails_before_anything_with_the_command_to_run()
    {
        var require = () => Confirmation(ci: true).RequireSomeoneToConfirm();

        require.Should().Throw<PipelineException>().Which.Message.Should()
            .Contain("this is a CI run (CI=true)").And.Contain($"{Command} --yes").And.Contain($"{Command} --dry-run").And.Contain("Nothing was changed.");
    }

    [Fact]
    public void Without_an_interactive_console_it_needs_yes_too()
    {
        var require = () => Confirmation(interactive: false).RequireSomeoneToConfirm();

        require.Should().Throw<PipelineException>().Which.Message.Should().Contain("no interactive console").And.Contain("--yes");
    }

    [Fact]
    public async Task Yes_confirms_without_asking_even_under_CI()
    {
        var output = new StringWriter();
        var confirmation = Confirmation(yes: true, ci: true, interactive: false, output: output);

        confirmation.RequireSomeoneToConfirm();
        await confirmation.ConfirmAsync(default);

        output.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task Typing_the_environment_name_confirms()
    {
        var output = new StringWriter();

        await Confirmation(typed: "dev\n", output: output).ConfirmAsync(default);

        output.ToString().Should().Contain("Type the name of the environment (dev) to delete it");
    }

    [Theory]
    [InlineData("y\n", "'y' is not 'dev'")]
    [InlineData("prod\n", "'prod' is not 'dev'")]
    [InlineData("", "No answer")]
    public async Task Anything_else_stops_with_nothing_changed(string typed, string expected)
    {
        var confirm = () => Confirmation(typed: typed).ConfirmAsync(default);

        (await confirm.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain(expected).And.Contain("nothing was changed");
    }
}
