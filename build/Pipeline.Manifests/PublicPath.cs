namespace Pipeline.Manifests;

/// <summary>
/// A path under a service that callers may reach without a token, as its manifest declares it (<c>publicPaths</c>), or the
/// service's health path, which is always public. <c>/docs</c> is that path exactly; <c>/static/*</c> is everything below
/// <c>/static/</c> (the one wildcard API Gateway routes support: a greedy last segment).
/// </summary>
/// <param name="Path">The exact path, or for a subtree the part before <c>/*</c> (e.g. <c>/static</c>), relative to the service root.</param>
/// <param name="IsSubtree">Whether everything below <see cref="Path"/> is public rather than the path alone.</param>
public sealed record PublicPath(string Path, bool IsSubtree)
{
    public const string SubtreeSuffix = "/*";

    /// <summary>Parses one manifest entry; null with a reason when it is not a path we can route publicly on both platforms.</summary>
    public static PublicPath? TryParse(string text, out string? problem)
    {
        problem = null;
        var subtree = text.EndsWith(SubtreeSuffix, StringComparison.Ordinal);
        var path = subtree ? text[..^SubtreeSuffix.Length] : text;
        if (!text.StartsWith('/'))
            problem = $"public path '{text}' must start with '/' (it is relative to the service root, e.g. /docs).";
        else if (path.Length == 0 || path == "/")
            problem = $"public path '{text}' would make the whole service public; list the paths that need no token instead.";
        else if (path.EndsWith('/'))
            problem = $"public path '{text}' must not end with '/' (use '{path.TrimEnd('/')}' for the path or '{path.TrimEnd('/')}/*' for everything below it).";
        else if (path.IndexOfAny(['*', '{', '}', '?', '#', ' ', '$']) >= 0)
            problem = $"public path '{text}' may contain no '*', '{{', '}}', '?', '#', '$' or spaces; only a trailing '/*' marks a subtree.";
        return problem is null ? new PublicPath(path, subtree) : null;
    }

    /// <summary>Whether a request path under the service root (prefix already stripped, e.g. <c>/docs</c>) needs no token.</summary>
    public bool Matches(string pathUnderService) =>
        IsSubtree
            ? pathUnderService.StartsWith(Path + "/", StringComparison.Ordinal)
            : string.Equals(pathUnderService, Path, StringComparison.Ordinal);

    public override string ToString() => IsSubtree ? Path + SubtreeSuffix : Path;
}
