using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

public sealed class PollTests
{
    static Poll StackPoll(TimeSpan deadline, TimeSpan interval) => new("Stack apigw-dev-app", deadline, interval)
    {
        Continues = "the operation continues in AWS",
        Command = "./build.sh Status --profile dev",
    };

    [Fact]
    public async Task A_condition_met_on_the_third_poll_returns_that_observation()
    {
        var observations = 0;

        var result = await StackPoll(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1)).UntilAsync(
            (attempt, _) => Task.FromResult((Attempt: attempt.Number, Status: ++observations == 3 ? "UPDATE_COMPLETE" : "UPDATE_IN_PROGRESS")),
            observed => observed.Status == "UPDATE_COMPLETE",
            observed => observed.Status,
            default);

        result.Should().Be((3, "UPDATE_COMPLETE"));
        observations.Should().Be(3);
    }

    [Fact]
    public async Task A_passed_deadline_fails_with_the_last_state_what_continues_and_the_command()
    {
        var states = new Queue<string>(["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"]);
        var last = "";

        var poll = () => StackPoll(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(5)).UntilAsync(
            (_, _) => Task.FromResult(last = states.Count > 0 ? states.Dequeue() : last),
            _ => false,
            status => status,
            default);

        (await poll.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Be(
            "Stack apigw-dev-app is still UPDATE_COMPLETE_CLEANUP_IN_PROGRESS after 0.2 s; the operation continues in AWS; " +
            "run ./build.sh Status --profile dev to see it.");
    }

    [Fact]
    public void The_timeout_message_ends_with_the_next_step_and_writes_minutes_and_seconds_one_way()
    {
        var poll = StackPoll(TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(5)) with { NextStep = "run the deploy again once it has finished" };

        poll.TimeoutMessage("UPDATE_IN_PROGRESS").Should().Be(
            "Stack apigw-dev-app is still UPDATE_IN_PROGRESS after 30 min; the operation continues in AWS; " +
            "run ./build.sh Status --profile dev to see it, then run the deploy again once it has finished.");
        Poll.Format(TimeSpan.FromSeconds(45)).Should().Be("45 s");
        Poll.Format(TimeSpan.FromSeconds(90)).Should().Be("90 s");
        Poll.Format(TimeSpan.FromMilliseconds(200)).Should().Be("0.2 s");
    }

    [Fact]
    public async Task Cancelling_during_the_wait_ends_it_with_OperationCanceledException()
    {
        using var cancellation = new CancellationTokenSource();

        var poll = () => StackPoll(TimeSpan.FromHours(1), TimeSpan.FromHours(1)).UntilAsync(
            (_, _) => Task.FromResult("UPDATE_IN_PROGRESS"),
            _ => false,
            status => status,
            cancellation.Token,
            announce: _ => cancellation.CancelAfter(TimeSpan.FromMilliseconds(20)));

        await poll.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Waiting_is_announced_once_with_the_first_observation()
    {
        var announcements = new List<string>();
        var observations = 0;

        await StackPoll(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1)).UntilAsync(
            (_, _) => Task.FromResult(++observations),
            observed => observed == 4,
            observed => observed.ToString(),
            default,
            announce: observed => announcements.Add($"busy at observation {observed}"));

        announcements.Should().Equal("busy at observation 1");
    }

    [Fact]
    public async Task Nothing_is_announced_when_the_first_observation_is_done()
    {
        var announced = false;

        await StackPoll(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1)).UntilAsync(
            (_, _) => Task.FromResult("CREATE_COMPLETE"), _ => true, status => status, default, announce: _ => announced = true);

        announced.Should().BeFalse();
    }

    [Fact]
    public async Task With_a_maximum_interval_each_wait_doubles_up_to_it()
    {
        var waits = new List<TimeSpan>();
        var observations = 0;

        var backingOff = StackPoll(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1)) with { MaxInterval = TimeSpan.FromMilliseconds(4) };

        await backingOff.UntilAsync((_, _) => Task.FromResult(++observations), observed => observed == 5, observed => observed.ToString(), default,
            beforeEachWait: (_, wait) => waits.Add(wait));

        waits.Select(w => w.TotalMilliseconds).Should().Equal(1, 2, 4, 4);
    }
}
