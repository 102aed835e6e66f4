namespace Pipeline.Manifests;

/// <summary>
/// The environment of every process that runs the CDK app (whose constructs run in node, through the jsii runtime): what
/// the pipeline passes to the synth it starts, and what the CDK app sets for itself before its runtime starts, so an
/// in-process synth (the tests') is as quiet as one the pipeline runs.
/// </summary>
/// <remarks>
/// The jsii runtime prints a boxed banner to stderr when node is past or near its end of life. Node 20 is the only node
/// these machines can install (no Node 22 package), so the banner would open every synth and bury its real output. jsii's
/// check-node (the copy inside Amazon.JSII.Runtime 1.103) reads two variables: <c>JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION</c>
/// (any value) silences the "approaching end-of-life" banner, and <c>JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION</c>, a
/// comma-separated list of major versions, silences the end-of-life banner for exactly those. Node 20 passed its end of life
/// on 2026-04-30, so only the second one silences it now; both are set, and only for Node 20, so another end-of-life node
/// still says so.
/// </remarks>
public static class JsiiEnvironment
{
    public const string SilenceDeprecatedNode = "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION";

    public const string SilenceEndOfLifeNode = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION";

    /// <summary>The node major version the machines run (Debian's package).</summary>
    public const string ServedNodeMajorVersion = "20";

    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [SilenceDeprecatedNode] = "1",
        [SilenceEndOfLifeNode] = ServedNodeMajorVersion,
    };

    /// <summary>
    /// Sets <see cref="Variables"/> in this process where they are not set already, before the jsii runtime starts (it
    /// inherits this process's environment); a value someone set on purpose is kept.
    /// </summary>
    public static void ApplyToThisProcess()
    {
        foreach (var (name, value) in Variables)
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
                Environment.SetEnvironmentVariable(name, value);
    }
}
