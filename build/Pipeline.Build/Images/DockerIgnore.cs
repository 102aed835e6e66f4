using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Build.Images;

/// <summary>
/// The rules of a <c>.dockerignore</c> file, with Docker's semantics: glob patterns (<c>*</c>, <c>?</c>, <c>[…]</c>,
/// <c>**</c> for any number of folders), <c>!</c> exceptions, the last matching rule wins, and a pattern that matches
/// a folder excludes everything below it. Paths are relative to the build context and use forward slashes.
/// </summary>
public sealed class DockerIgnore
{
    public const string FileName = ".dockerignore";

    readonly IReadOnlyList<Rule> rules;

    DockerIgnore(IReadOnlyList<Rule> rules) => this.rules = rules;

    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>Whether some rule re-includes paths (then an excluded folder must still be walked).</summary>
    public bool HasExceptions => rules.Any(r => r.IsException);

    public static DockerIgnore Load(string contextDirectory)
    {
        var path = Path.Combine(contextDirectory, FileName);
        return File.Exists(path) ? Parse(File.ReadAllText(path)) : Empty;
    }

    public static DockerIgnore Parse(string text)
    {
        var rules = new List<Rule>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var isException = line.StartsWith('!');
            if (isException)
                line = line[1..].Trim();
            var pattern = Normalize(line);
            if (pattern.Length == 0)
                continue;
            rules.Add(new Rule(pattern, isException, ToRegex(pattern)));
        }
        return new DockerIgnore(rules);
    }

    /// <summary>Whether <paramref name="relativePath"/> (forward slashes, no leading slash) stays out of the context.</summary>
    public bool IsExcluded(string relativePath)
    {
        var path = Normalize(relativePath);
        var segments = path.Split('/');
        var excluded = false;
        foreach (var rule in rules)
        {
            // A rule that names a folder also covers everything below it.
            var matches = rule.Regex.IsMatch(path) ||
                Enumerable.Range(1, segments.Length - 1).Any(n => rule.Regex.IsMatch(string.Join('/', segments.Take(n))));
            if (matches)
                excluded = !rule.IsException;
        }
        return excluded;
    }

    static string Normalize(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/'))
        {
            if (segment is "" or ".")
                continue;
            if (segment == ".." && segments.Count > 0)
                segments.RemoveAt(segments.Count - 1);
            else if (segment != "..")
                segments.Add(segment);
        }
        return string.Join('/', segments);
    }

    static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                        regex.Append("(.*/)?");
                    }
                    else
                        regex.Append(".*");
                    break;
                case '*':
                    regex.Append("[^/]*");
                    break;
                case '?':
                    regex.Append("[^/]");
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        regex.Append(@"\[");
                        break;
                    }
                    var set = pattern[(i + 1)..end];
                    if (set.StartsWith('!'))
                        set = "^" + set[1..];
                    regex.Append('[').Append(set.Replace(@"\", @"\\")).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < pattern.Length:
                    regex.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }

    sealed record Rule(string Pattern, bool IsException, Regex Regex);
}
