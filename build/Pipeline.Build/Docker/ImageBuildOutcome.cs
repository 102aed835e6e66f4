namespace Pipeline.Build.Docker;

public enum ImageBuildOutcome
{
    /// <summary>Built by this run.</summary>
    Built,

    /// <summary>The target registry already has this tag: not rebuilt (nor pushed later).</summary>
    AlreadyInRegistry,

    /// <summary>The local engine already has this tag: not rebuilt.</summary>
    AlreadyLocal,

    /// <summary>Dry run: would have been built.</summary>
    WouldBuild,
}
