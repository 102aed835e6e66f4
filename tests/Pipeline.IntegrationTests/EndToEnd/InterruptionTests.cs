using System.Diagnostics;
using System.Text;
using Pipeline.Build.Aws.Clients;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// Real signals sent to a real <c>./build.sh Deploy --profile dev</c> while DeployInfra waits on a deliberately slow
/// CloudFormation (moto behind a proxy that keeps the shared stack in progress or its change set unfinished).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class InterruptionTests(InterruptionTests.Copy copy) : IClassFixture<InterruptionTests.Copy>, IAsyncLifetime
{
    readonly MotoServer moto = new();
    readonly HttpClient http = new();
    MotoFaultProxy proxy = null!;
    readonly string environment = "intr" + Guid.NewGuid().ToString("N")[..6];

    string SharedStack => DeploymentNames.SharedStack(environment);

    public async Task InitializeAsync()
    {
        if (!Requires.InCi && EndToEndRequirements.WhyNoAwsPlatform() is not null)
            return;
        await moto.InitializeAsync();
        proxy = new MotoFaultProxy(moto.Endpoint);
    }

    /// <summary>After the shared stack's change set runs, CloudFormation keeps reporting it in progress.</summary>
    /// <returns>Completes once the pipeline has seen the stack in progress.</returns>
    Task KeepSharedStackInProgress(TimeSpan? describeDelay = null)
    {
        var seenInProgress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executed = false;
        proxy.When("ExecuteChangeSet", call =>
        {
            if (call.RequestBody.Contains(SharedStack, StringComparison.Ordinal))
                executed = true;
            return Task.FromResult<MotoProxyReply?>(null);
        });
        proxy.When("DescribeStacks", async call =>
        {
            var real = await call.ForwardAsync();
            if (!executed || !call.RequestBody.Contains(SharedStack, StringComparison.Ordinal))
                return null;
            if (describeDelay is { } delay && seenInProgress.Task.IsCompleted)
                await Task.Delay(delay);
            seenInProgress.TrySetResult();
            return real with { Body = System.Text.RegularExpressions.Regex.Replace(real.Body, "<StackStatus>[A-Z_]+</StackStatus>", "<StackStatus>CREATE_IN_PROGRESS</StackStatus>") };
        });
        return seenInProgress.Task;
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Ctrl_C_during_a_stack_create_exits_130_names_the_stack_and_its_state_and_leaves_no_change_set()
    {
        var inProgress = KeepSharedStackInProgress();

        var run = await copy.RunAndSignalAsync(DeployArguments(), Environment(), "SIGINT", inProgress, afterSeconds: 1);

        run.ExitCode.Should().Be(130, run.Output);
        run.Output.Should().Contain("Interrupted by Ctrl-C (SIGINT)")
            .And.Contain($"stack {SharedStack}: interrupted while CREATE_IN_PROGRESS; the create continues in CloudFormation")
            .And.Contain($"aws cloudformation describe-stack-events --stack-name {SharedStack}")
            .And.MatchRegex(@"DeployInfra\s+cancelled\s+\S+\s+interrupted by Ctrl-C \(SIGINT\)");
        await NoChangeSetOfThisRunIsLeftAsync();
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task SIGTERM_while_the_change_set_is_being_made_exits_143_and_deletes_it()
    {
        var beingMade = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.When("DescribeChangeSet", async call =>
        {
            var real = await call.ForwardAsync();
            if (!call.RequestBody.Contains(SharedStack, StringComparison.Ordinal))
                return null;
            beingMade.TrySetResult();
            return real with { Body = System.Text.RegularExpressions.Regex.Replace(real.Body, "<Status>[A-Z_]+</Status>", "<Status>CREATE_IN_PROGRESS</Status>") };
        });

        var run = await copy.RunAndSignalAsync(DeployArguments(), Environment(), "SIGTERM", beingMade.Task, afterSeconds: 1);

        run.ExitCode.Should().Be(143, run.Output);
        run.Output.Should().Contain("Interrupted by SIGTERM").And.Contain($"stack {SharedStack}: interrupted before the change set ran");
        await NoChangeSetOfThisRunIsLeftAsync();
        var shared = await new CloudFormationClient(moto.Connection(), http).DescribeStackAsync(SharedStack, default);
        (shared is null || shared.Status == "DELETE_COMPLETE").Should().BeTrue("the empty stack of an unexecuted CREATE change set goes with it");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_second_Ctrl_C_exits_at_once_and_lists_what_is_still_in_flight()
    {
        // Looking up the stack's state after the first interrupt takes long, so the second one arrives meanwhile.
        var inProgress = KeepSharedStackInProgress(describeDelay: TimeSpan.FromSeconds(3));

        var run = await copy.RunAndSignalAsync(DeployArguments(), Environment(), "SIGINT", inProgress, afterSeconds: 1, secondSignalAfterSeconds: 1);

        run.ExitCode.Should().Be(130, run.Output);
        run.Output.Should().Contain("Second interrupt: exiting at once. Possibly still in flight:")
            .And.Contain($"stack {SharedStack}: create running in CloudFormation");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task After_kill_9_with_a_change_set_made_the_next_Deploy_removes_it_takes_the_lock_over_and_History_shows_the_run_abandoned()
    {
        // The change set is made (AVAILABLE in moto) but reads as still being made, so the run is killed before it executes it.
        var beingMade = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killed = false;
        proxy.When("DescribeChangeSet", async call =>
        {
            var real = await call.ForwardAsync();
            if (killed || !call.RequestBody.Contains(SharedStack, StringComparison.Ordinal))
                return null;
            beingMade.TrySetResult();
            return real with { Body = System.Text.RegularExpressions.Regex.Replace(real.Body, "<Status>[A-Z_]+</Status>", "<Status>CREATE_IN_PROGRESS</Status>") };
        });
        var environment = Environment();
        environment["PIPELINE_LOCK_LEASE_SECONDS"] = "4";

        var run = await copy.RunAndSignalAsync(DeployArguments(), environment, "SIGKILL", beingMade.Task, afterSeconds: 1);
        killed = true;

        run.ExitCode.Should().Be(137, run.Output);
        var cloudFormation = new CloudFormationClient(moto.Connection(), http);
        (await cloudFormation.ListChangeSetsAsync(SharedStack, default)).Should().Contain(c => c.ExecutionStatus == "AVAILABLE", "kill -9 leaves the change set");

        var next = await BuildScript.RunAsync(copy.Root, DeployArguments(), environment, TimeSpan.FromMinutes(10));

        next.ExitCode.Should().Be(0, next.Describe());
        next.Output.Should().Contain("environment lock: taken over from Deploy")
            .And.MatchRegex($@"stack {SharedStack}: removed change set pipeline-\d{{14}}-[0-9a-f]{{6}} \(AVAILABLE\), made by an earlier run that stopped before executing it")
            .And.Contain($"stack {SharedStack}: removed the empty stack (REVIEW_IN_PROGRESS)");
        await NoChangeSetOfThisRunIsLeftAsync();
        var again = await BuildScript.RunAsync(copy.Root, DeployArguments(), environment, TimeSpan.FromMinutes(10));
        again.ExitCode.Should().Be(0, again.Describe());
        again.Output.Should().NotContain("removed change set").And.NotMatchRegex(@"stack \S+: (created|updated)");

        await Task.Delay(TimeSpan.FromSeconds(5));
        var history = await BuildScript.RunAsync(copy.Root, ["History", "--profile", "dev", "--deploy-environment", this.environment], environment, TimeSpan.FromMinutes(2));
        history.ExitCode.Should().Be(0, history.Describe());
        history.Output.Should().MatchRegex(@"\d{8}T\d{6}Z-[0-9a-f]{4}\s+\S+ \S+\s+Deploy\s+abandoned\s+user/moto")
            .And.Contain("abandoned: the Deploy by user/moto started at");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Of_two_Deploys_of_one_environment_the_second_fails_at_once_naming_the_holder_and_changes_nothing()
    {
        var inProgress = KeepSharedStackInProgress();
        BuildScriptRun? second = null;

        var first = await copy.RunAndSignalAsync(DeployArguments(), Environment(), "SIGINT", inProgress, afterSeconds: 0,
            beforeSignal: async () => second = await BuildScript.RunAsync(copy.Root, [.. DeployArguments(), "--lock-timeout", "0"], Environment(), TimeSpan.FromMinutes(5)));

        second!.ExitCode.Should().NotBe(0, second.Describe());
        second.Output.Should().Contain($"Environment {environment} is locked by Deploy by arn:aws:sts::123456789012:user/moto on {System.Environment.MachineName}")
            .And.Contain("Nothing was changed").And.Contain($"./build.sh Unlock --profile dev --deploy-environment {environment}")
            .And.NotContain("═══ DeployInfra ═══");
        first.ExitCode.Should().Be(130, first.Output);
        // The proxy keeps the stack in progress only for the pipeline's DescribeStacks of that one stack; the table lists them all.
        first.Output.Should().Contain("Stacks when the run was interrupted:")
            .And.MatchRegex($@"{DeploymentNames.RegistryStack(environment)}\s+done: created")
            .And.MatchRegex($@"{SharedStack}\s+(in flight: CREATE_IN_PROGRESS|stopped: CREATE_COMPLETE)")
            .And.MatchRegex($@"{DeploymentNames.ServiceStack(environment, "mcp")}\s+untouched\s+does not exist");
    }

    async Task NoChangeSetOfThisRunIsLeftAsync()
    {
        var cloudFormation = new CloudFormationClient(moto.Connection(), http);
        foreach (var stack in new[] { DeploymentNames.RegistryStack(environment), SharedStack })
            (await cloudFormation.ListChangeSetsAsync(stack, default)).Should().NotContain(c => c.ExecutionStatus == "AVAILABLE",
                $"no change set of the interrupted run may stay behind on {stack}");
    }

    string[] DeployArguments() =>
        // HealthCheck too: moto leaves a stack's outputs empty after a change set, so there is no API endpoint to call.
        ["Deploy", "--profile", "dev", "--deploy-environment", environment, "--registry", Requires.LocalRegistry, "--skip", "BuildImages", "PushImages", "HealthCheck"];

    Dictionary<string, string> Environment() => new()
    {
        ["AWS_ENDPOINT_URL"] = proxy.Endpoint.ToString().TrimEnd('/'),
        ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = MotoServer.SecretKey,
        ["AWS_REGION"] = MotoServer.Region,
    };

    public async Task DisposeAsync()
    {
        if (proxy is not null) await proxy.DisposeAsync();
        await moto.DisposeAsync();
        http.Dispose();
    }

    /// <summary>One repository copy (one compile) for the class; runs ./build.sh and signals it once the slow endpoint saw what it waits for.</summary>
    public sealed class Copy : IDisposable
    {
        readonly RepositoryCopy copy = RepositoryCopy.Create();

        public string Root => copy.Root;

        public async Task<(int ExitCode, string Output)> RunAndSignalAsync(
            IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string signal,
            Task trigger, double afterSeconds, double? secondSignalAfterSeconds = null, Func<Task>? beforeSignal = null)
        {
            // Compile first, outside the signalled run, so the signal reaches the pipeline and not the compiler.
            await BuildScript.RunAsync(copy.Root, ["--help"], new Dictionary<string, string>(), TimeSpan.FromMinutes(5));
            var start = new ProcessStartInfo(Path.Combine(copy.Root, "build.sh"))
            {
                WorkingDirectory = copy.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("AWS_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
            foreach (var (name, value) in environment) start.Environment[name] = value;

            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            void Append(string? line)
            {
                if (line is null) return;
                lock (output) output.Append(line).Append('\n');
            }
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await trigger.WaitAsync(TimeSpan.FromMinutes(5));
                await Task.Delay(TimeSpan.FromSeconds(afterSeconds));
                if (beforeSignal is not null)
                    await beforeSignal();
                // build.sh execs the pipeline, so this PID is the pipeline's own process.
                Signal(process.Id, signal);
                if (secondSignalAfterSeconds is { } second)
                {
                    await Task.Delay(TimeSpan.FromSeconds(second));
                    Signal(process.Id, signal);
                }
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                lock (output) Assert.Fail($"./build.sh {string.Join(' ', arguments)} did not reach the slow call, or did not exit after {signal}:\n{output}");
            }
            lock (output) return (process.ExitCode, output.ToString());
        }

        static void Signal(int pid, string signal)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal.Replace("SIG", ""), pid.ToString()]) { UseShellExecute = false })!;
            kill.WaitForExit();
        }

        public void Dispose() => copy.Dispose();
    }
}
