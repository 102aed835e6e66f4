namespace Pipeline.Build.Engine;

/// <summary><c>./build.sh --help</c>: targets with descriptions, parameters with their current value and its source.</summary>
internal static class HelpPrinter
{
    public static void Write(
        TextWriter writer,
        TargetCatalog targets,
        IReadOnlyList<ParameterDescriptor> parameters,
        IReadOnlyDictionary<string, ParameterSource> sources,
        object build,
        Func<string, IReadOnlyList<string>?> validValuesOf,
        string? profile)
    {
        writer.WriteLine("Usage: ./build.sh <Target>... [--parameter value]... [--profile NAME] [--plan [text|mermaid]] [--dry-run] [--skip [Target...]]");
        writer.WriteLine();
        writer.WriteLine("Targets:");
        var targetTable = new TextTable("Target", "Description", "Depends on");
        foreach (var t in targets.Targets.Where(t => !t.Definition.IsUnlisted))
            targetTable.Add(t.Name, t.Description, string.Join(", ", t.Dependencies.Select(d => d.Name)));
        targetTable.WriteTo(writer);

        writer.WriteLine();
        writer.WriteLine($"Parameters (profile: {profile ?? "none"}; precedence: command line > environment > profile file > .nuke/parameters.json > default):");
        var parameterTable = new TextTable("Option", "Environment", "Value", "From", "Description");
        foreach (var p in parameters)
        {
            var value = p.GetValue(build);
            var shown = value is null ? "" : p.IsSecret ? SecretMasker.Mask : Format(value);
            var valid = validValuesOf(p.Name) ?? EnumValues(p.Type);
            var description = p.Description + (valid is null ? "" : $" ({string.Join("|", valid)})");
            parameterTable.Add(p.CliName, p.EnvironmentName, shown, SourceLabel(sources.GetValueOrDefault(p.Name)), description);
        }
        parameterTable.WriteTo(writer);

        writer.WriteLine();
        writer.WriteLine("Engine options:");
        var options = new TextTable("Option", "Description");
        options.Add("--profile NAME", "also read .nuke/parameters.NAME.json (local, dev, prod ship with the repo)");
        options.Add("--plan [text|mermaid]", "print the ordered plan and why each target is in it, then exit; runs nothing");
        options.Add("--dry-run", "run the plan, but every step only says what it would do; changes nothing");
        options.Add("--skip [Target...]", "skip the named targets; with no names, skip all but the invoked ones");
        options.Add("--help", "this text");
        options.WriteTo(writer);
        writer.WriteLine();
        writer.WriteLine("Example: ./build.sh Redeploy --service fastapi");
    }

    static IReadOnlyList<string>? EnumValues(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsEnum ? Enum.GetNames(t).Select(n => n.ToLowerInvariant()).ToList() : null;
    }

    static string Format(object value) => value switch
    {
        Array a => string.Join(",", a.Cast<object>()),
        Enum e => e.ToString().ToLowerInvariant(),
        bool b => b ? "true" : "false",
        TimeSpan t => $"{t.TotalSeconds:0.#}s",
        _ => value.ToString() ?? "",
    };

    static string SourceLabel(ParameterSource source) => source switch
    {
        ParameterSource.CommandLine => "cli",
        ParameterSource.Environment => "env",
        ParameterSource.Profile => "profile",
        ParameterSource.ParametersFile => "parameters.json",
        _ => "default",
    };
}
