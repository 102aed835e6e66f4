namespace Pipeline.Build.Engine;

/// <summary>
/// <c>./build.sh Deploy Cost --service mcp --skip SynthInfra --dry-run</c>: target names first,
/// then options; an option takes the words after it up to the next option.
/// </summary>
internal sealed record CommandLineArguments(
    IReadOnlyList<string> Targets,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters,
    bool Help,
    string? PlanFormat,
    bool DryRun,
    SkipOption? Skip,
    string? Profile)
{
    /// <summary>Options the engine handles itself; everything else is a build parameter.</summary>
    static readonly string[] EngineOptions = ["--help", "-h", "--plan", "--dry-run", "--skip", "--profile"];

    public static CommandLineArguments Parse(IReadOnlyList<string> args)
    {
        var targets = new List<string>();
        var options = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string>? current = null;

        foreach (var arg in args)
        {
            if (arg.StartsWith('-') && !IsNegativeNumber(arg))
            {
                var (name, inline) = SplitInline(arg);
                if (name == "-h") name = "--help";
                if (!name.StartsWith("--", StringComparison.Ordinal))
                    throw new PipelineException($"Unknown option '{arg}'. Options are spelled --name value; run ./build.sh --help.");
                if (options.ContainsKey(name))
                    throw new PipelineException($"Option {name} is given twice; give it once with all its values.");
                current = options[name] = [];
                if (inline is not null) current.Add(inline);
            }
            else if (current is null)
                targets.Add(arg);
            else
                current.Add(arg);
        }

        string? Single(string name)
        {
            if (!options.TryGetValue(name, out var values)) return null;
            if (values.Count != 1) throw new PipelineException($"Option {name} takes one value, e.g. {name} dev.");
            return values[0];
        }

        var planFormat = options.TryGetValue("--plan", out var plan)
            ? plan.Count switch
            {
                0 => "text",
                1 when plan[0] is "text" or "mermaid" => plan[0],
                _ => throw new PipelineException("--plan takes an optional format: text (default) or mermaid."),
            }
            : null;

        return new CommandLineArguments(
            targets,
            options.Where(o => !EngineOptions.Contains(o.Key, StringComparer.OrdinalIgnoreCase))
                .ToDictionary(o => o.Key, o => (IReadOnlyList<string>)o.Value, StringComparer.OrdinalIgnoreCase),
            Help: options.ContainsKey("--help"),
            PlanFormat: planFormat,
            DryRun: options.TryGetValue("--dry-run", out var dry) && (dry.Count == 0 || dry[0] is "true" or "1"),
            Skip: options.TryGetValue("--skip", out var skip) ? new SkipOption(skip) : null,
            Profile: Single("--profile"));
    }

    static (string Name, string? Inline) SplitInline(string arg)
    {
        var equals = arg.IndexOf('=');
        return equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    static bool IsNegativeNumber(string arg) => arg.Length > 1 && arg[0] == '-' && char.IsDigit(arg[1]);
}

/// <summary><c>--skip</c> alone skips everything not invoked; <c>--skip A B</c> skips those.</summary>
internal sealed record SkipOption(IReadOnlyList<string> TargetNames);
