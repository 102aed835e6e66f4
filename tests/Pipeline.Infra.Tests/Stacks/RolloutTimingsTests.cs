namespace Pipeline.Infra.Tests.Stacks;

public sealed class RolloutTimingsTests
{
    [Fact]
    public void Worst_case_rollout_per_batch_beats_the_aws_defaults_and_the_original()
    {
        // healthy threshold x interval + deregistration delay
        RolloutTimings.Ours.Should().Be(2 * 5 + 35);
        RolloutTimings.AwsDefaults.Should().Be(5 * 30 + 300);
        RolloutTimings.Original.Should().Be(2 * 30 + 30);
        RolloutTimings.Ours.Should().BeLessThan(RolloutTimings.Original);
    }

    [Fact]
    public void Draining_outlasts_the_longest_mcp_response() =>
        RolloutTimings.DeregistrationDelaySeconds.Should().BeGreaterThan(30);
}
