using System.Collections;
using Pipeline.Build.Deployment.Locking;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Deployment.Locking;

/// <summary>Unlock and the lock on the local platform, through the real build: who holds it is shown, breaking it needs a confirmation.</summary>
public sealed class UnlockTests : IDisposable
{
    readonly string environment = "unl" + Guid.NewGuid().ToString("N")[..6];
    readonly string root = RepositoryRoot.Find();

    LocalEnvironmentLockStore Store => new(Path.Combine(root, "artifacts", environment));

    async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var code = await PipelineBuild.RunAsync(new Build(), [.. args, "--deploy-environment", environment], root, new Hashtable(), output);
        return (code, output.ToString());
    }

    async Task LockedByALiveRunAsync() =>
        await Store.TryCreateAsync(new LockHolder
        {
            RunId = "r1",
            Environment = environment,
            Target = "Deploy",
            Who = "alice",
            Host = "laptop",
            ProcessId = Environment.ProcessId,
            // This test's own process: alive, so nothing takes the lock over.
            Process = RunningProcess.Current(),
            Since = DateTimeOffset.UtcNow,
            LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(2),
        }, default);

    [Fact]
    public async Task A_target_that_changes_the_environment_is_refused_while_a_live_run_holds_its_lock()
    {
        await LockedByALiveRunAsync();

        var (code, output) = await RunAsync("Down", "--lock-timeout", "0");

        code.Should().Be(2);
        output.Should().Contain($"Environment {environment} is locked by Deploy by alice on laptop").And.Contain("Nothing was changed")
            .And.Contain($"./build.sh Unlock --deploy-environment {environment}").And.NotContain("═══ Down ═══");
    }

    [Fact]
    public async Task Unlock_breaks_the_lock_with_yes_and_the_next_run_takes_it()
    {
        await LockedByALiveRunAsync();

        var (code, output) = await RunAsync("Unlock", "--yes");

        code.Should().Be(0, output);
        (await Store.ReadAsync(default)).Should().BeNull();
        (await RunAsync("Down", "--lock-timeout", "0")).Code.Should().Be(0);
    }

    [Fact]
    public async Task Unlock_without_yes_where_nobody_can_answer_breaks_nothing()
    {
        await LockedByALiveRunAsync();

        var (code, output) = await RunAsync("Unlock");

        code.Should().NotBe(0);
        output.Should().Contain("Pass --yes to break its lock without asking").And.Contain("Nothing was changed");
        (await Store.ReadAsync(default))!.Holder!.Who.Should().Be("alice");
    }

    [Fact]
    public async Task Unlock_of_an_environment_that_is_not_locked_changes_nothing()
    {
        var (code, output) = await RunAsync("Unlock", "--yes");

        code.Should().Be(0, output);
        File.Exists(Store.Path).Should().BeFalse();
    }

    public void Dispose()
    {
        var directory = Path.Combine(root, "artifacts", environment);
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }
}
