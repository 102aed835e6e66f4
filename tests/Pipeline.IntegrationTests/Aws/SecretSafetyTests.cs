using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Aws;

public sealed class SecretSafetyTests(MotoServer moto) : MotoTests(moto)
{
    const string SessionToken = "FAKEsessionTOKEN-mustNeverBePrinted-987654321";

    [Fact]
    public async Task Credentials_signatures_and_registry_tokens_appear_in_no_log_line_or_error()
    {
        var connection = MotoServer.Connection(Proxy.Endpoint, SessionToken);
        var log = new RecordingStepLog();
        var seen = new List<string>();
        Proxy.Fail("DescribeStacks", times: 1, MotoFaultProxy.QueryError(400, "Throttling", "Rate exceeded"));
        var stack = StackTemplates.UniqueStackName("secrets");
        var request = new StackDeployRequest(stack, StackTemplates.Write(StackTemplates.Parameter()), new Dictionary<string, string> { ["Value"] = "v" }, new Dictionary<string, string>());

        await new StackDeployer(new CloudFormationClient(connection, Http), options: new StackDeployerOptions { PollInterval = TimeSpan.FromMilliseconds(50) })
            .DeployAsync(request, false, log, default);
        var login = await new EcrClient(connection, Http).GetAuthorizationAsync(default);
        seen.Add(login.ToString());
        foreach (var failing in new Func<Task>[]
        {
            () => new EcsClient(connection, Http).DescribeTasksAsync("missing-cluster", ["arn:aws:ecs:us-east-1:123456789012:task/x"], default),
            () => new ServiceUpdater(new EcsClient(connection, Http)).UpdateAsync("missing-cluster", ["web"], true, TimeSpan.FromSeconds(1), false, log, default),
            () => new CloudFormationClient(MotoServer.Connection(new Uri("http://127.0.0.1:9/"), SessionToken), Http).DescribeStackAsync("x", default),
        })
        {
            try
            {
                await failing();
            }
            catch (Exception e)
            {
                seen.Add(e.ToString());
            }
        }

        login.Password.Should().NotBeEmpty();
        seen.Should().HaveCountGreaterThan(2, "the failing calls must fail and be checked");
        var everything = string.Join("\n", log.Lines.Concat(seen));
        everything.Should().NotContain(MotoServer.SecretKey).And.NotContain(SessionToken).And.NotContain(login.Password)
            .And.NotContain("Signature=").And.NotContain("X-Amz-Security-Token");
    }
}
