using System.Collections;

namespace Pipeline.Build.Engine;

/// <summary>
/// Binds every parameter of a build from its sources, highest precedence first:
/// command line, environment, profile file, <c>.nuke/parameters.json</c>, then the member's own default.
/// Any bad value fails here, before a single target runs.
/// </summary>
internal sealed class ParameterBinder(
    IReadOnlyList<ParameterDescriptor> parameters,
    Func<string, IReadOnlyList<string>?> validValuesOf)
{
    public IReadOnlyDictionary<string, ParameterSource> Sources => sources;

    readonly Dictionary<string, ParameterSource> sources = new(StringComparer.OrdinalIgnoreCase);

    public void Bind(
        object build,
        IReadOnlyDictionary<string, IReadOnlyList<string>> commandLine,
        IDictionary environment,
        IReadOnlyList<ParameterFile> files)
    {
        RejectUnknown(commandLine.Keys, "command-line option", p => p.CliName);
        foreach (var file in files)
            RejectUnknown(file.Values.Keys, $"key in {file.Path}", p => p.Name);

        // Lowest precedence first; each layer overwrites what the one below set.
        foreach (var file in files.OrderBy(f => f.Source))
            foreach (var parameter in parameters)
                if (file.Values.TryGetValue(parameter.Name, out var raw))
                    Set(build, parameter, raw, file.Source);

        foreach (var parameter in parameters)
            if (environment[parameter.EnvironmentName] is string value && value.Length > 0)
                Set(build, parameter, [value], ParameterSource.Environment);

        foreach (var parameter in parameters)
            if (commandLine.TryGetValue(parameter.CliName, out var raw))
                Set(build, parameter, raw, ParameterSource.CommandLine);

        // Defaults may come from member initialisers; validate them too, then mask secrets.
        foreach (var parameter in parameters)
        {
            sources.TryAdd(parameter.Name, ParameterSource.Default);
            if (parameter.IsSecret && parameter.GetValue(build) is string secret)
                SecretMasker.Register(secret, parameter.CliName);
        }
    }

    void Set(object build, ParameterDescriptor parameter, IReadOnlyList<string> raw, ParameterSource source)
    {
        var value = ValueConverter.Convert(raw, parameter.Type, parameter.CliName, validValuesOf(parameter.Name));
        RequireInRange(parameter, value, source);
        parameter.SetValue(build, value);
        sources[parameter.Name] = source;
        if (parameter.IsSecret && value is string secret)
            SecretMasker.Register(secret, parameter.CliName);
    }

    static void RequireInRange(ParameterDescriptor parameter, object? value, ParameterSource source)
    {
        if (value is not (int or long or double) || value is double and double.NaN)
            return;
        var number = System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        if (number >= parameter.Minimum && number <= parameter.Maximum)
            return;
        var range = double.IsNegativeInfinity(parameter.Minimum) ? $"at most {parameter.Maximum}"
            : double.IsPositiveInfinity(parameter.Maximum) ? $"at least {parameter.Minimum}"
            : $"between {parameter.Minimum} and {parameter.Maximum}";
        throw new PipelineException(
            $"{parameter.CliName} (or {parameter.EnvironmentName}) is {value}{FromWhere(source)}, but it must be {range}. " +
            $"{parameter.Description}. Give a value in that range; nothing was run.");
    }

    static string FromWhere(ParameterSource source) => source switch
    {
        ParameterSource.Environment => " (from the environment)",
        ParameterSource.Profile => " (from the profile file)",
        ParameterSource.ParametersFile => " (from .nuke/parameters.json)",
        _ => "",
    };

    void RejectUnknown(IEnumerable<string> given, string what, Func<ParameterDescriptor, string> nameOf)
    {
        var known = parameters.Select(nameOf).ToList();
        foreach (var name in given)
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new PipelineException(
                    $"Unknown {what} '{name}'. {Suggestion.For(name, known)}Run ./build.sh --help for the parameters.");
    }
}

/// <summary>Where a parameter's value came from, shown by <c>--help</c>.</summary>
public enum ParameterSource
{
    Default,
    ParametersFile,
    Profile,
    Environment,
    CommandLine,
}
