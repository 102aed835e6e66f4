namespace Pipeline.Build.Local;

public enum LocalServiceOutcome
{
    /// <summary>The running container already had this image and configuration and was healthy; nothing was touched.</summary>
    Unchanged,

    /// <summary>No container existed; one was started.</summary>
    Started,

    /// <summary>The old container was stopped and a new one started in its place.</summary>
    Replaced,
}
