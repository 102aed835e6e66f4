namespace Pipeline.Build.Engine;

/// <summary>
/// The parameter files under <c>.nuke/</c>: <c>parameters.json</c> (the defaults) and one
/// <c>parameters.&lt;profile&gt;.json</c> per named profile. The one place that knows their names and reads them.
/// </summary>
public sealed class ProfileFiles(string rootDirectory)
{
    public const string Directory = ".nuke";

    string FolderPath => Path.Combine(rootDirectory, Directory);

    public string DefaultsPath => Path.Combine(FolderPath, "parameters.json");

    public string PathOf(string profile) => Path.Combine(FolderPath, $"parameters.{profile}.json");

    /// <summary>Every named profile, sorted.</summary>
    public IReadOnlyList<string> Names =>
        System.IO.Directory.Exists(FolderPath)
            ? System.IO.Directory.GetFiles(FolderPath, "parameters.*.json")
                .Select(f => Path.GetFileName(f)["parameters.".Length..^".json".Length])
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    internal ParameterFile? ReadDefaults() =>
        File.Exists(DefaultsPath) ? ParameterFile.Read(DefaultsPath, ParameterSource.ParametersFile) : null;

    /// <summary>The profile's values; an unknown profile fails and names the ones that exist.</summary>
    internal ParameterFile Read(string profile) =>
        File.Exists(PathOf(profile))
            ? ParameterFile.Read(PathOf(profile), ParameterSource.Profile)
            : throw new PipelineException(
                $"Profile '{profile}' not found: there is no {Directory}/parameters.{profile}.json. Profiles: {string.Join(", ", Names)}. " +
                $"{Suggestion.For(profile, Names)}Pass one of them to --profile, or create the file.");

    /// <summary>One value of a profile as written in its file, or null when the file does not set it.</summary>
    public string? ValueOf(string profile, string parameterName) =>
        File.Exists(PathOf(profile)) && Read(profile).Values.TryGetValue(parameterName, out var value) && value.Count == 1 ? value[0] : null;
}
