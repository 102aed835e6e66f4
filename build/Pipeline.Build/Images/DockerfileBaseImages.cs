using System.Text.RegularExpressions;

namespace Pipeline.Build.Images;

/// <summary>
/// The base images a Dockerfile's FROM lines resolve to for given build arguments
/// (<c>ARG</c>s declared before the first FROM, with their defaults, and <c>${NAME}</c>/<c>$NAME</c> references).
/// References to earlier build stages are not base images and are left out.
/// </summary>
public static partial class DockerfileBaseImages
{
    public static IReadOnlyList<string> Resolve(string dockerfileText, IReadOnlyDictionary<string, string> buildArgs)
    {
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var stageNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var baseImages = new List<string>();
        var seenFrom = false;
        foreach (var instruction in Instructions(dockerfileText))
        {
            var parts = instruction.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var keyword = parts[0].ToUpperInvariant();
            if (keyword == "ARG" && !seenFrom)
            {
                foreach (var (name, value) in Declarations(parts.Skip(1)))
                    globalArgs[name] = buildArgs.TryGetValue(name, out var given) ? given : value;
            }
            else if (keyword == "FROM")
            {
                seenFrom = true;
                var operands = parts.Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
                if (operands.Count == 0)
                    continue;
                var image = Substitute(operands[0], globalArgs);
                if (!stageNames.Contains(image))
                    baseImages.Add(image);
                if (operands.Count >= 3 && operands[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
                    stageNames.Add(operands[2]);
            }
        }
        return baseImages;
    }

    /// <summary>The names and default values an ARG instruction declares (its operands, e.g. <c>NAME=value</c>).</summary>
    internal static IEnumerable<(string Name, string Value)> Declarations(IEnumerable<string> operands)
    {
        foreach (var declaration in operands)
        {
            var equals = declaration.IndexOf('=');
            yield return equals < 0 ? (declaration, "") : (declaration[..equals], Unquote(declaration[(equals + 1)..]));
        }
    }

    /// <summary>The instructions of a Dockerfile, continuation lines joined, comments and blank lines left out.</summary>
    internal static IEnumerable<string> Instructions(string text)
    {
        var current = "";
        foreach (var rawLine in text.Replace("\r\n", "\n").Split('\n'))
        {
            // Like Docker: leading whitespace goes, a trailing backslash joins the next line as is.
            var line = rawLine.TrimStart().TrimEnd('\r', '\n');
            if (line.StartsWith('#'))
                continue;
            if (line.TrimEnd().EndsWith('\\'))
            {
                current += line.TrimEnd()[..^1];
                continue;
            }
            current += line;
            if (current.Trim().Length > 0)
                yield return current.Trim();
            current = "";
        }
        if (current.Trim().Length > 0)
            yield return current.Trim();
    }

    internal static string Substitute(string value, IReadOnlyDictionary<string, string> args) =>
        VariableReference().Replace(value, match =>
        {
            var name = match.Groups["braced"].Success ? match.Groups["braced"].Value : match.Groups["plain"].Value;
            var hasValue = args.TryGetValue(name, out var argValue) && argValue.Length > 0;
            if (match.Groups["fallback"].Success)
                return hasValue ? argValue! : match.Groups["fallback"].Value;
            return argValue ?? "";
        });

    static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'')
            ? value[1..^1]
            : value;

    [GeneratedRegex(@"\$\{(?<braced>[A-Za-z_][A-Za-z0-9_]*)(:-(?<fallback>[^}]*))?\}|\$(?<plain>[A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariableReference();
}
