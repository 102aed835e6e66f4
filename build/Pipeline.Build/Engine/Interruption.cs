using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Pipeline.Build.Engine;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM, which CI runners send on cancel or timeout. The first signal stops new work: the build's
/// cancellation token fires, every step stops waiting, cleans up what it can (a change set not yet executed is deleted)
/// and says what it leaves in flight. A second signal exits at once (130 for SIGINT, 143 for SIGTERM), listing the
/// operations that may still be running elsewhere, each with the command to follow it.
/// </summary>
public sealed class Interruption : IDisposable
{
    static readonly ConcurrentDictionary<long, string> InFlightOperations = new();
    static long nextOperation;

    readonly CancellationTokenSource source = new();
    readonly TextWriter output;
    readonly List<PosixSignalRegistration> registrations = [];
    int signals;

    public Interruption(TextWriter output)
    {
        this.output = output;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
    }

    public CancellationToken Token => source.Token;

    /// <summary>The first signal received, or null while the run was not interrupted.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>The conventional exit code of a process ended by <see cref="Signal"/>: 128 + its number.</summary>
    public static int ExitCodeFor(PosixSignal signal) => signal == PosixSignal.SIGTERM ? 143 : 130;

    public static string Describe(PosixSignal signal) => signal == PosixSignal.SIGTERM ? "SIGTERM" : "Ctrl-C (SIGINT)";

    /// <summary>
    /// Records an operation that goes on outside this process (a stack update, an ECS rollout) while it is watched;
    /// dispose the result when it has settled.
    /// </summary>
    /// <param name="description">What and in which state, with the command to follow it.</param>
    public static IDisposable InFlight(string description)
    {
        var id = Interlocked.Increment(ref nextOperation);
        InFlightOperations[id] = description;
        return new Ending(() => InFlightOperations.TryRemove(id, out _));
    }

    public static IReadOnlyList<string> InFlightNow => InFlightOperations.OrderBy(p => p.Key).Select(p => p.Value).ToList();

    void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: the steps end themselves and the outcome table is still printed.
        context.Cancel = true;
        if (Interlocked.Increment(ref signals) == 1)
        {
            Signal = context.Signal;
            output.WriteLine();
            output.WriteLine($"Interrupted by {Describe(context.Signal)}: no new work starts; the running step stops and cleans up. Press Ctrl-C again to exit at once.");
            output.Flush();
            source.Cancel();
            return;
        }
        var left = InFlightNow;
        output.WriteLine();
        output.WriteLine(left.Count == 0
            ? "Second interrupt: exiting at once. Nothing was in flight outside this process."
            : "Second interrupt: exiting at once. Possibly still in flight:\n  " + string.Join("\n  ", left));
        output.Flush();
        Environment.Exit(ExitCodeFor(Signal ?? context.Signal));
    }

    public void Dispose()
    {
        foreach (var registration in registrations)
            registration.Dispose();
        source.Dispose();
    }

    sealed class Ending(Action end) : IDisposable
    {
        int ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref ended, 1) == 0) end();
        }
    }
}
