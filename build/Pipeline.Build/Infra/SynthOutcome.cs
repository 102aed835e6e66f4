namespace Pipeline.Build.Infra;

public enum SynthOutcome
{
    /// <summary>The CDK app ran and the templates passed the security rules.</summary>
    Synthesized,

    /// <summary>Sources, manifests and parameters equal the last successful synth; the templates on disk are current.</summary>
    UpToDate,

    /// <summary>Dry run: nothing was built or written.</summary>
    DryRun,
}
