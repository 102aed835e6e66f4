using Pipeline.Build.Engine;

namespace Pipeline.Build.Deployment;

/// <summary>
/// Runs one piece of work per service concurrently. One service failing does not cancel the others:
/// every failure is reported together once all have finished.
/// </summary>
public static class PerService
{
    public static async Task<IReadOnlyList<TResult>> RunAllAsync<TResult>(IReadOnlyList<Task<TResult>> work, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(work);
        }
        catch when (work.All(w => w.IsCompleted))
        {
            var failures = work.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!).ToList();
            // A cancelled task is not faulted, but it did not finish its work either: an interrupt ends the whole step.
            if (cancellationToken.IsCancellationRequested && (work.Any(w => w.IsCanceled) || failures.OfType<OperationCanceledException>().Any()))
                throw new OperationCanceledException(cancellationToken);
            failures.AddRange(work.Where(w => w.IsCanceled).Select(_ => new PipelineException("a step was cancelled without an interrupt (a timeout)")));
            throw failures.Count == 1 && failures[0] is PipelineException single
                ? single
                : new PipelineException(string.Join("\n\n", failures.Select(f => f.Message).Distinct()));
        }
        return work.Select(w => w.Result).ToList();
    }
}
