using Xunit.Sdk;

namespace Pipeline.Build.Tests.TestSupport;

/// <summary>The tests' one way to wait for something: it returns the look that showed it, or fails saying what it awaited and last saw.</summary>
public sealed class EventuallyTests
{
    [Fact]
    public async Task It_returns_the_first_look_that_meets_the_condition()
    {
        var looks = 0;

        var seen = await Eventually.UntilAsync("the third look", () => ++looks, n => n >= 3, TimeSpan.FromSeconds(5), every: TimeSpan.FromMilliseconds(1));

        seen.Should().Be(3);
    }

    [Fact]
    public async Task At_the_deadline_it_fails_naming_what_it_awaited_and_what_it_last_saw()
    {
        var wait = () => Eventually.UntilAsync("the service to be ready", () => "starting", state => state == "ready",
            TimeSpan.FromMilliseconds(50), every: TimeSpan.FromMilliseconds(10), details: () => Task.FromResult("its log: booting"));

        (await wait.Should().ThrowAsync<XunitException>()).Which.Message
            .Should().StartWith("Waited 0.1 s (").And.Contain("for the service to be ready; last seen: starting").And.EndWith("\nits log: booting");
    }

    [Fact]
    public async Task A_passing_network_error_is_a_look_and_any_other_exception_ends_the_wait_at_once()
    {
        var looks = 0;
        var seen = await Eventually.UntilAsync("an answer", () => ++looks < 3 ? throw new HttpRequestException("connection refused") : looks,
            _ => true, TimeSpan.FromSeconds(5), every: TimeSpan.FromMilliseconds(1));
        seen.Should().Be(3);

        var refused = () => Eventually.UntilAsync("an answer", new Func<int>(() => throw new HttpRequestException("connection refused")), _ => true,
            TimeSpan.FromMilliseconds(30), every: TimeSpan.FromMilliseconds(10));
        (await refused.Should().ThrowAsync<XunitException>()).Which.Message.Should().Contain("last seen: HttpRequestException: connection refused");

        var stopped = () => Eventually.UntilAsync("an answer", new Func<int>(() => throw new InvalidOperationException("the server exited")), _ => true,
            TimeSpan.FromSeconds(30));
        await stopped.Should().ThrowAsync<InvalidOperationException>().WithMessage("the server exited");
    }
}
