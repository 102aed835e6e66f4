using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment.Locking;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Aws.Locking;

/// <summary>
/// The AWS environment lock against moto's S3 over HTTP: the conditional create (If-None-Match: *), renew and takeover
/// (If-Match), the conditional delete, and the bucket made on the first lock of an account.
/// </summary>
public sealed class S3EnvironmentLockTests(MotoServer moto) : MotoTests(moto)
{
    readonly string environment = "l" + Guid.NewGuid().ToString("N")[..8];
    readonly RecordingStepLog log = new();

    S3EnvironmentLockStore Store(string account = "123456789012") =>
        new(AwsSdkClients.CreateS3(Connection), TemplateStore.ForAccount(Connection, account), environment, log);

    LockHolder Holder(string who) => new()
    {
        RunId = Guid.NewGuid().ToString("N"),
        Environment = environment,
        Target = "Deploy",
        Who = who,
        Host = "ci-runner",
        ProcessId = 4242,
        Process = "another-machine/pid:[1]/4242/1",
        Since = DateTimeOffset.UtcNow,
        LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(2),
    };

    [Fact]
    public async Task Only_one_create_succeeds_and_replace_and_delete_need_the_version_that_was_read()
    {
        // A bucket of its own: the first lock of an account creates it.
        var store = Store(account: Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString());

        var created = await store.TryCreateAsync(Holder("alice"), default);
        var again = await store.TryCreateAsync(Holder("bob"), default);

        created.Should().NotBeNull();
        again.Should().BeNull("If-None-Match: * refuses a second create");
        var read = (await store.ReadAsync(default))!;
        read.Holder!.Who.Should().Be("alice");
        read.Version.Should().Be(created);
        log.Lines.Should().Contain(l => l.Contains("created template bucket"));

        var renewed = await store.TryReplaceAsync(Holder("alice"), read.Version, default);
        renewed.Should().NotBeNull();
        (await store.TryReplaceAsync(Holder("bob"), read.Version, default)).Should().BeNull("the lock changed since bob read it");
        (await store.TryDeleteAsync(read.Version, default)).Should().BeFalse("a stale version deletes nothing");
        (await store.ReadAsync(default))!.Holder!.Who.Should().Be("alice");

        (await store.TryDeleteAsync(renewed!, default)).Should().BeTrue();
        (await store.ReadAsync(default)).Should().BeNull();
    }

    [Fact]
    public async Task Two_runs_racing_for_the_lock_get_it_one_at_a_time_and_an_expired_lease_is_taken_over()
    {
        var first = Store();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            try
            {
                return await new EnvironmentLocker(Store(), log).AcquireAsync(Holder($"run{i}"), TimeSpan.Zero, "./build.sh Unlock", default);
            }
            catch (PipelineException)
            {
                return null;
            }
        })));
        var held = attempts.Where(a => a is not null).ToList();
        held.Should().ContainSingle();
        await held[0]!.DisposeAsync();
        (await first.ReadAsync(default)).Should().BeNull("released");

        // A holder killed on another machine: its lease has passed, nobody renews it.
        (await first.TryCreateAsync(Holder("killed") with { LeaseUntil = DateTimeOffset.UtcNow.AddSeconds(-5) }, default)).Should().NotBeNull();
        await using var taken = await new EnvironmentLocker(Store(), log).AcquireAsync(Holder("next"), TimeSpan.Zero, "./build.sh Unlock", default);

        (await first.ReadAsync(default))!.Holder!.Who.Should().Be("next");
        log.Lines.Should().Contain(l => l.Contains("taken over from Deploy by killed on ci-runner"));
    }
}
