namespace Pipeline.Build.Docker;

public enum ImagePushOutcome
{
    /// <summary>Pushed by this run (only the layers the registry lacked were sent).</summary>
    Pushed,

    /// <summary>The registry already had this tag: nothing sent.</summary>
    AlreadyInRegistry,

    /// <summary>Dry run: would have been pushed.</summary>
    WouldPush,
}
