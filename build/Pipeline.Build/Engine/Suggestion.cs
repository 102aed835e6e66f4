namespace Pipeline.Build.Engine;

/// <summary>"Did you mean …?" for mistyped target and parameter names.</summary>
internal static class Suggestion
{
    public static string For(string typed, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (Candidate: c, Distance: Distance(typed.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= Math.Max(2, typed.Length / 3))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Candidate is null ? "" : $"Did you mean '{best.Candidate}'? ";
    }

    static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
