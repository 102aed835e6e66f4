namespace Pipeline.Build.Workflows;

/// <summary>
/// Every third-party action the generated workflows use, pinned to the full commit SHA of a released tag, with the tag
/// in a comment. A tag can be moved to other code at any time, and that code would run with the deploy role; a commit
/// SHA cannot. This is the one place the SHAs live: to update an action, look up the commit its new release tag points
/// to (<c>git rev-parse vX.Y.Z^{commit}</c> in a clone of the action) and change its row here, then regenerate.
/// </summary>
public static class PinnedActions
{
    public const string Checkout = "actions/checkout";
    public const string SetupDotnet = "actions/setup-dotnet";
    public const string SetupNode = "actions/setup-node";
    public const string ConfigureAwsCredentials = "aws-actions/configure-aws-credentials";

    public static IReadOnlyDictionary<string, PinnedAction> All { get; } = new SortedDictionary<string, PinnedAction>(StringComparer.Ordinal)
    {
        [Checkout] = new("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
        [SetupDotnet] = new("a98b56852c35b8e3190ac28c8c2271da59106c68", "v6.0.0"),
        [SetupNode] = new("820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
        [ConfigureAwsCredentials] = new("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    };

    /// <summary>The value of a <c>uses:</c> key, e.g. <c>actions/checkout@3d3c…b1 # v7.0.1</c>.</summary>
    public static string Uses(string action) =>
        All.TryGetValue(action, out var pin)
            ? $"{action}@{pin.Sha} # {pin.Version}"
            : throw new ArgumentException($"Action {action} is not pinned: add its release's commit SHA to {nameof(PinnedActions)}.{nameof(All)}.", nameof(action));
}

/// <summary>A released version of an action: the full 40-hex commit its tag points to, and the tag.</summary>
public sealed record PinnedAction(string Sha, string Version);
