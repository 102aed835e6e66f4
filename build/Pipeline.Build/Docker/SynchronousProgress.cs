namespace Pipeline.Build.Docker;

// Progress<T> posts to the thread pool, which reorders build output lines; this handles each message in order.
sealed class SynchronousProgress<T>(Action<T> handle) : IProgress<T>
{
    readonly Lock gate = new();

    public void Report(T value)
    {
        lock (gate) handle(value);
    }
}
