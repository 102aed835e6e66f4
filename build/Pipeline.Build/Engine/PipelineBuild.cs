using System.Diagnostics;
using Pipeline.Manifests;

namespace Pipeline.Build.Engine;

/// <summary>
/// Base of a build: discovers its targets and parameters, binds the parameters, plans and runs.
/// A build declares <see cref="Target"/> properties and <see cref="ParameterAttribute"/> members; nothing else.
/// </summary>
public abstract class PipelineBuild
{
    /// <summary>The repository root (the folder that holds Pipeline.sln).</summary>
    public string RootDirectory { get; internal set; } = "";

    /// <summary>Every step only says what it would do and changes nothing.</summary>
    public bool DryRun { get; internal set; }

    /// <summary>The profile chosen with <c>--profile</c>, if any.</summary>
    public string? Profile { get; internal set; }

    /// <summary>The one log every target's step writes its progress to.</summary>
    protected internal IStepLog Log { get; } = new ConsoleStepLog();

    /// <summary>The parameter files of this repository: the defaults and the named profiles.</summary>
    protected internal ProfileFiles Profiles => new(RootDirectory);

    /// <summary>Cancelled on Ctrl+C, so long waits stop promptly and cleanup still runs.</summary>
    public CancellationToken Cancellation { get; internal set; }

    /// <summary>Which signal interrupted the run, if any (null in the engine's own tests).</summary>
    internal Interruption? Interruption { get; init; }

    /// <summary>
    /// Runs once after the last target, whatever happened (NUKE's OnBuildFinished): e.g. to record a deploy's outcome.
    /// <paramref name="outcome"/> is <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>. Its token is not the
    /// interrupted one, so it may still write what it must; keep it short.
    /// </summary>
    protected internal virtual Task OnFinishedAsync(string outcome, TimeSpan duration, CancellationToken cancellation) => Task.CompletedTask;

    /// <summary>
    /// The run's deliberate result, when a target has one (the Token target's access token): printed after the closing
    /// summary as the very last line of output, and not masked although it is registered as a secret, so that
    /// <c>$(./build.sh Token | tail -1)</c> gets it while every other line that might contain it is masked. Printed only
    /// when the run succeeded.
    /// </summary>
    protected internal string? ResultLine { get; set; }

    /// <summary>The targets named on the command line.</summary>
    public IReadOnlyCollection<string> InvokedTargets { get; internal set; } = [];

    /// <summary>Checks that the invoked targets and the parameters make sense together; runs before any plan is printed or run.</summary>
    protected internal virtual void ValidateInvocation(IReadOnlyCollection<string> invokedTargets) { }

    /// <summary>Allowed values of a string parameter; null means any value.</summary>
    protected internal virtual IReadOnlyList<string>? ValidValuesOf(string parameterName) => null;

    /// <summary>Runs the build with the process's arguments and returns the exit code.</summary>
    public static async Task<int> Execute<TBuild>(string[] args) where TBuild : PipelineBuild, new()
    {
        var output = InstallMaskingConsole();
        using var interruption = new Interruption(output);
        // Temporary files of runs that were killed; a run that ends normally deletes its own.
        ScratchFiles.RemoveAbandoned();
        try
        {
            var build = new TBuild { Cancellation = interruption.Token, Interruption = interruption };
            return await RunAsync(build, args, RepositoryRoot.Find(), Environment.GetEnvironmentVariables(), output);
        }
        finally
        {
            output.Flush();
        }
    }

    /// <summary>One run against explicit inputs; the seam the engine's own tests use.</summary>
    internal static async Task<int> RunAsync(PipelineBuild build, IReadOnlyList<string> args, string rootDirectory, System.Collections.IDictionary environment, TextWriter output)
    {
        try
        {
            return await new BuildSession(build, output, rootDirectory, environment).RunAsync(CommandLineArguments.Parse(args));
        }
        catch (Exception e) when (e is PipelineException or ManifestException)
        {
            output.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    static TextWriter InstallMaskingConsole()
    {
        SecretMasker.RegisterFromEnvironment();
        var stdout = new MaskingTextWriter(Console.Out);
        Console.SetOut(stdout);
        Console.SetError(new MaskingTextWriter(Console.Error));
        return stdout;
    }

    /// <summary>One run: bind, plan, then print help, print the plan, or execute.</summary>
    sealed class BuildSession(PipelineBuild build, TextWriter output, string rootDirectory, System.Collections.IDictionary environment)
    {
        public async Task<int> RunAsync(CommandLineArguments arguments)
        {
            build.RootDirectory = rootDirectory;
            build.DryRun = arguments.DryRun;
            build.Profile = arguments.Profile;

            var targets = TargetCatalog.Discover(build);
            var parameters = ParameterDescriptor.Discover(build.GetType());
            var binder = new ParameterBinder(parameters, build.ValidValuesOf);
            binder.Bind(build, arguments.Parameters, environment, ReadParameterFiles(arguments.Profile));
            foreach (var warning in SecretMasker.TakeWarnings())
                output.WriteLine($"warning: {warning}.");

            if (arguments.Help || arguments.Targets.Count == 0)
            {
                HelpPrinter.Write(output, targets, parameters, binder.Sources, build, build.ValidValuesOf, arguments.Profile);
                return 0;
            }

            var invoked = targets.ResolveNames(arguments.Targets, "target");
            build.InvokedTargets = invoked.Select(t => t.Name).ToList();
            build.ValidateInvocation(build.InvokedTargets);
            var skip = arguments.Skip is null
                ? SkipRequest.None
                : new SkipRequest(arguments.Skip.TargetNames.Count == 0, targets.ResolveNames(arguments.Skip.TargetNames, "target to skip").ToList());
            var plan = ExecutionPlanner.Plan(invoked, skip);
            CheckRequirements(plan, parameters);

            if (arguments.PlanFormat == "mermaid")
            {
                PlanPrinter.WriteMermaid(output, plan);
                return 0;
            }
            if (arguments.PlanFormat == "text")
            {
                PlanPrinter.WriteText(output, plan, build.DryRun);
                return 0;
            }

            output.WriteLine($"Running {string.Join(" ", invoked.Select(t => t.Name))}{(build.Profile is null ? "" : $" with profile {build.Profile}")}{(build.DryRun ? " as a dry run: nothing will be changed" : "")}.");
            var clock = Stopwatch.StartNew();
            var held = new List<IAsyncDisposable>();
            try
            {
                if (!build.DryRun)
                    foreach (var guard in plan.Where(e => !e.IsSkipped).SelectMany(e => e.Target.Definition.Guards).Distinct())
                        held.Add(await guard.AcquireAsync(build.Cancellation));
            }
            catch (OperationCanceledException) when (build.Cancellation.IsCancellationRequested)
            {
                await ReleaseAsync(held);
                output.WriteLine("Interrupted before any target ran: nothing was changed.");
                return build.Interruption?.Signal is { } signal ? Interruption.ExitCodeFor(signal) : 130;
            }
            catch
            {
                await ReleaseAsync(held);
                throw;
            }
            try
            {
                return await RunTargetsAsync(plan, clock);
            }
            finally
            {
                await ReleaseAsync(held);
            }
        }

        /// <summary>Releases what the run held, last taken first; a guard that cannot release says so itself.</summary>
        static async Task ReleaseAsync(List<IAsyncDisposable> held)
        {
            for (var i = held.Count - 1; i >= 0; i--)
                await held[i].DisposeAsync();
        }

        async Task<int> RunTargetsAsync(IReadOnlyList<PlanEntry> plan, Stopwatch clock)
        {
            var interruptedBy = () => build.Interruption?.Signal is { } signal ? $"interrupted by {Interruption.Describe(signal)}" : "cancelled";
            var outcomes = await new TargetRunner(output).RunAsync(plan, build.Cancellation, interruptedBy);
            var cancelled = outcomes.Any(o => o.Status == TargetStatus.Cancelled) || build.Cancellation.IsCancellationRequested;
            var failed = outcomes.Any(o => o.Status == TargetStatus.Failed);
            using (var finishing = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                try
                {
                    await build.OnFinishedAsync(cancelled ? "cancelled" : failed ? "failed" : "succeeded", clock.Elapsed, finishing.Token);
                }
                catch (Exception e) when (e is PipelineException or OperationCanceledException or IOException)
                {
                    output.WriteLine($"warning: finishing the run failed: {e.Message}");
                }
            }
            OutcomeReport.Write(output, outcomes, clock.Elapsed, build.DryRun);
            if (!cancelled && !failed && build.ResultLine is { } result)
            {
                if (output is MaskingTextWriter masking)
                    masking.WriteLineUnmasked(result);
                else
                    output.WriteLine(result);
            }
            if (cancelled)
            {
                if (Interruption.InFlightNow is { Count: > 0 } left)
                    output.WriteLine("Still in flight outside this process:\n  " + string.Join("\n  ", left));
                return build.Interruption?.Signal is { } signal ? Interruption.ExitCodeFor(signal) : 130;
            }
            return failed ? 1 : 0;
        }

        IReadOnlyList<ParameterFile> ReadParameterFiles(string? profile)
        {
            var profiles = new ProfileFiles(build.RootDirectory);
            var files = new List<ParameterFile>();
            if (profiles.ReadDefaults() is { } defaults)
                files.Add(defaults);
            if (profile is not null)
                files.Add(profiles.Read(profile));
            return files;
        }

        void CheckRequirements(IReadOnlyList<PlanEntry> plan, IReadOnlyList<ParameterDescriptor> parameters)
        {
            var unmet = plan
                .Where(e => !e.IsSkipped)
                .SelectMany(e => e.Target.Definition.Preconditions.Where(p => !p.IsMet()).Select(p => p.Explain(e.Target.Name)))
                .Distinct()
                .ToList();
            if (unmet.Count > 0)
                throw new PipelineException(string.Join("\n", unmet));
            var missing = plan
                .Where(e => !e.IsSkipped)
                .SelectMany(e => e.Target.Definition.Requirements.Select(r => (Entry: e, Requirement: r)))
                .Where(x => x.Requirement.Value() is null or "")
                .Select(x =>
                {
                    var parameter = parameters.FirstOrDefault(p => p.Name == x.Requirement.Expression);
                    var name = parameter is null ? x.Requirement.Expression : $"{parameter.CliName} (or {parameter.EnvironmentName})";
                    return $"{name}, needed by {x.Entry.Target.Name}";
                })
                .Distinct()
                .ToList();
            if (missing.Count > 0)
                throw new PipelineException("Missing parameters; nothing was run:\n  " + string.Join("\n  ", missing) +
                    "\nGive them on the command line, in the environment, or in .nuke/parameters*.json.");
        }
    }
}
