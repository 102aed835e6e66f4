using System.Collections.Concurrent;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

/// <summary>
/// The work graph that runs a deploy's and a destroy's stacks. Units are held at gates the test opens, so what runs at
/// the same time is decided by the test, not by timing.
/// </summary>
public sealed class WorkGraphTests
{
    /// <summary>Only a guard against a hang: every wait below ends as soon as what it awaits happens.</summary>
    static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    sealed record Outcome(string Key, string State, string Note = "")
    {
        public IReadOnlyList<string> Dependencies { get; init; } = [];
    }

    static WorkGraph<string, Outcome> Graph(int maxParallel = 4, UnknownDependencies? unknown = null, Action? onNotStarted = null) =>
        new(maxParallel, unknown ?? UnknownDependencies.Ignored,
            succeeded: outcome => outcome.State == "ok",
            notStarted: (key, cause, dependency) =>
            {
                onNotStarted?.Invoke();
                return new Outcome(key, "not started", cause switch
                {
                    NotStartedCause.DependencyDidNotSucceed => $"{dependency} did not succeed",
                    NotStartedCause.AnotherFailedFirst => "another unit failed first",
                    _ => "interrupted before it started",
                });
            });

    static WorkUnit<string> Unit(string key, params string[] dependsOn) => new(key, dependsOn, key);

    /// <summary>Units that run until the test lets them finish; records the order they start in and how many ran at once.</summary>
    sealed class Gates
    {
        readonly ConcurrentDictionary<string, TaskCompletionSource<Outcome>> finish = new();
        readonly ConcurrentDictionary<string, TaskCompletionSource> started = new();
        readonly List<string> starts = [];
        int running;

        public int MostAtOnce { get; private set; }

        public IReadOnlyList<string> Starts
        {
            get { lock (starts) return starts.ToList(); }
        }

        public async Task<Outcome> RunAsync(string key, IReadOnlyList<Outcome> dependencies, CancellationToken _)
        {
            lock (starts)
            {
                starts.Add(key);
                MostAtOnce = Math.Max(MostAtOnce, ++running);
            }
            Started(key).TrySetResult();
            try
            {
                return (await Finish(key).Task) with { Dependencies = [.. dependencies.Select(d => d.Key)] };
            }
            finally
            {
                lock (starts) running--;
            }
        }

        public Task HasStarted(string key) => Started(key).Task.WaitAsync(Guard);

        public void Succeed(string key) => Finish(key).SetResult(new Outcome(key, "ok"));

        public void Fail(string key) => Finish(key).SetResult(new Outcome(key, "failed", $"{key} broke"));

        public void Throw(string key, Exception e) => Finish(key).SetException(e);

        TaskCompletionSource Started(string key) => started.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

        TaskCompletionSource<Outcome> Finish(string key) => finish.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Units that finish at once, each as the test says beforehand; records when each starts and ends.</summary>
    sealed class Immediate(params string[] failing)
    {
        readonly ConcurrentQueue<string> events = new();

        public IReadOnlyList<string> Events => events.ToList();

        public async Task<Outcome> RunAsync(string key, IReadOnlyList<Outcome> dependencies, CancellationToken _)
        {
            events.Enqueue("start " + key);
            await Task.Yield();
            events.Enqueue("end " + key);
            return new Outcome(key, failing.Contains(key) ? "failed" : "ok") { Dependencies = [.. dependencies.Select(d => d.Key)] };
        }
    }

    [Fact]
    public async Task A_unit_starts_only_after_its_dependencies_succeeded_and_sees_their_results()
    {
        var units = new Immediate();

        var results = await Graph().RunAsync([Unit("c", "a", "b"), Unit("b", "a"), Unit("a"), Unit("d")], units.RunAsync, default);

        results.Select(r => (r.Key, r.State)).Should().Equal(("c", "ok"), ("b", "ok"), ("a", "ok"), ("d", "ok"));
        var events = units.Events.ToList();
        events.IndexOf("start b").Should().BeGreaterThan(events.IndexOf("end a"));
        events.IndexOf("start c").Should().BeGreaterThan(events.IndexOf("end b"));
        results[0].Dependencies.Should().Equal(["a", "b"], "a unit sees its dependencies' results in the order it lists them");
    }

    [Fact]
    public async Task Among_ready_units_the_one_declared_first_starts_first()
    {
        var units = new Immediate();

        await Graph(maxParallel: 1).RunAsync([Unit("late", "early"), Unit("other"), Unit("early")], units.RunAsync, default);

        units.Events.Where(e => e.StartsWith("start ")).Should().Equal("start other", "start early", "start late");
    }

    [Fact]
    public async Task No_more_units_than_the_bound_run_at_once()
    {
        var gates = new Gates();
        string[] keys = ["a", "b", "c", "d", "e", "f"];

        var run = Graph(maxParallel: 2).RunAsync([.. keys.Select(k => Unit(k))], gates.RunAsync, default);
        await gates.HasStarted("a");
        await gates.HasStarted("b");
        // Each finished unit frees the slot the next one takes: two run at every point.
        for (var i = 0; i < keys.Length; i++)
        {
            gates.Succeed(keys[i]);
            if (i + 2 < keys.Length)
                await gates.HasStarted(keys[i + 2]);
        }
        var results = await run.WaitAsync(Guard);

        gates.MostAtOnce.Should().Be(2);
        gates.Starts.Should().Equal(keys);
        results.Should().OnlyContain(r => r.State == "ok");
    }

    [Fact]
    public async Task A_failure_stops_new_starts_while_running_units_finish()
    {
        var gates = new Gates();
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = Graph(maxParallel: 2, onNotStarted: () => decided.TrySetResult()).RunAsync([Unit("a"), Unit("b"), Unit("c"), Unit("d", "b")], gates.RunAsync, default);
        await gates.HasStarted("a");
        await gates.HasStarted("b");
        gates.Fail("a");
        await decided.Task.WaitAsync(Guard);
        run.IsCompleted.Should().BeFalse("b still runs, and the run waits for it");
        gates.Succeed("b");
        var results = await run.WaitAsync(Guard);

        gates.Starts.Should().Equal("a", "b");
        results.Select(r => (r.Key, r.State, r.Note)).Should().Equal(
            ("a", "failed", "a broke"),
            ("b", "ok", ""),
            ("c", "not started", "another unit failed first"),
            ("d", "not started", "another unit failed first"));
    }

    [Fact]
    public async Task Units_after_a_failed_unit_are_not_started_and_name_the_dependency_that_did_not_succeed()
    {
        var units = new Immediate(failing: "a");

        var results = await Graph().RunAsync([Unit("a"), Unit("b", "a"), Unit("c", "b"), Unit("d")], units.RunAsync, default);

        results.Select(r => (r.Key, r.State, r.Note)).Should().Equal(
            ("a", "failed", ""),
            ("b", "not started", "a did not succeed"),
            ("c", "not started", "b did not succeed"),
            ("d", "ok", ""));
        units.Events.Where(e => e.StartsWith("start ")).Should().Equal("start a", "start d");
    }

    [Fact]
    public async Task Cancellation_starts_nothing_new_not_even_a_unit_waiting_for_a_slot_and_awaits_the_running_ones()
    {
        var gates = new Gates();
        using var interrupt = new CancellationTokenSource();
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = Graph(maxParallel: 1, onNotStarted: () => decided.TrySetResult()).RunAsync([Unit("a"), Unit("b"), Unit("c", "a")], gates.RunAsync, interrupt.Token);
        await gates.HasStarted("a");
        await interrupt.CancelAsync();
        await decided.Task.WaitAsync(Guard);

        run.IsCompleted.Should().BeFalse("a still runs, and the run waits for it");
        gates.Succeed("a");
        var results = await run.WaitAsync(Guard);

        gates.Starts.Should().Equal("a");
        results.Select(r => (r.Key, r.State, r.Note)).Should().Equal(
            ("a", "ok", ""),
            ("b", "not started", "interrupted before it started"),
            ("c", "not started", "interrupted before it started"));
    }

    [Fact]
    public async Task An_action_that_throws_stops_new_starts_and_its_exception_is_rethrown_once_the_running_units_finished()
    {
        var gates = new Gates();
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = Graph(maxParallel: 2, onNotStarted: () => decided.TrySetResult()).RunAsync([Unit("a"), Unit("b"), Unit("c")], gates.RunAsync, default);
        await gates.HasStarted("a");
        await gates.HasStarted("b");
        gates.Throw("a", new InvalidOperationException("a threw"));
        await decided.Task.WaitAsync(Guard);

        run.IsCompleted.Should().BeFalse("b still runs");
        gates.Succeed("b");
        await run.Awaiting(r => r.WaitAsync(Guard)).Should().ThrowAsync<InvalidOperationException>().WithMessage("a threw");
        gates.Starts.Should().Equal("a", "b");
    }

    [Fact]
    public async Task A_cycle_is_reported_with_its_units_before_anything_starts()
    {
        var units = new Immediate();

        var run = () => Graph().RunAsync([Unit("e", "a"), Unit("a", "c"), Unit("b", "a"), Unit("c", "b"), Unit("d")], units.RunAsync, default);

        (await run.Should().ThrowAsync<PipelineException>()).Which.Message.Should()
            .Be("Units depend on each other in a cycle (each waits for the next): a -> c -> b -> a. None of them can start; remove one of these dependencies.");
        units.Events.Should().BeEmpty();
    }

    [Fact]
    public async Task A_unit_that_depends_on_itself_is_a_cycle()
    {
        var run = () => Graph().RunAsync([Unit("a", "a")], new Immediate().RunAsync, default);

        (await run.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain(": a -> a.");
    }

    [Fact]
    public async Task An_unknown_dependency_is_a_bug_when_the_graph_says_so_and_nothing_starts()
    {
        var units = new Immediate();
        var graph = Graph(unknown: UnknownDependencies.AreABug((unit, dependency) => $"{unit} depends on {dependency}, which is not here."));

        var run = () => graph.RunAsync([Unit("a"), Unit("b", "a", "gone")], units.RunAsync, default);

        (await run.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Be("b depends on gone, which is not here.");
        units.Events.Should().BeEmpty();
    }

    [Fact]
    public async Task An_unknown_dependency_is_left_out_when_the_graph_ignores_them()
    {
        var results = await Graph(unknown: UnknownDependencies.Ignored).RunAsync([Unit("a"), Unit("b", "gone", "a")], new Immediate().RunAsync, default);

        results.Should().OnlyContain(r => r.State == "ok");
        results[1].Dependencies.Should().Equal("a");
    }

    [Fact]
    public void The_closing_table_shows_a_note_s_first_line_cut_to_100_characters_and_a_blank_duration_where_there_is_none()
    {
        var lines = WorkGraphTable.Lines(
            [("apigw-dev-shared", "FAILED", (TimeSpan?)TimeSpan.FromSeconds(12.34), "first line\nsecond line"), ("apigw-dev-api", "not started", null, new string('x', 120))],
            row => row);

        lines.Should().Equal(
            "Stack             Result       Duration  Note",
            $"----------------  -----------  --------  {new string('-', 100)}",
            "apigw-dev-shared  FAILED       12.3s     first line",
            $"apigw-dev-api     not started            {new string('x', 97)}...");
    }
}
