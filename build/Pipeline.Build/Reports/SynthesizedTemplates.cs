using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Reports;

/// <summary>A parsed CloudFormation template and the name of the stack it deploys.</summary>
public sealed record StackTemplate(string Name, JsonDocument Template)
{
    const string Suffix = ".template.json";

    /// <summary><c>cdk.out/apigw-dev-shared.template.json</c> → <c>apigw-dev-shared</c>.</summary>
    public static string StackNameOf(string file)
    {
        var name = Path.GetFileName(file);
        return name.EndsWith(Suffix, StringComparison.Ordinal) ? name[..^Suffix.Length] : name;
    }
}

/// <summary>The CloudFormation templates of one synth output folder, parsed, in file-name order.</summary>
public sealed class SynthesizedTemplates : IDisposable
{
    SynthesizedTemplates(string directory, IReadOnlyList<string> files, IReadOnlyList<JsonDocument> documents)
    {
        Directory = directory;
        Files = files;
        Documents = documents;
        Stacks = files.Zip(documents, (file, document) => new StackTemplate(StackTemplate.StackNameOf(file), document)).ToList();
    }

    public string Directory { get; }

    public IReadOnlyList<string> Files { get; }

    public IReadOnlyList<JsonDocument> Documents { get; }

    /// <summary><see cref="Documents"/> with their stack names.</summary>
    public IReadOnlyList<StackTemplate> Stacks { get; }

    public static bool ExistIn(string directory) =>
        System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFiles(directory, "*.template.json").Any();

    public static SynthesizedTemplates Read(string directory)
    {
        if (!ExistIn(directory))
            throw new PipelineException($"There are no *.template.json files in {directory}. Synthesize them first (./build.sh SynthInfra with the same environment), then run the report again.");
        var files = System.IO.Directory.GetFiles(directory, "*.template.json").Order(StringComparer.Ordinal).ToList();
        var documents = new List<JsonDocument>();
        foreach (var file in files)
        {
            try
            {
                documents.Add(JsonDocument.Parse(File.ReadAllText(file)));
            }
            catch (JsonException e)
            {
                documents.ForEach(d => d.Dispose());
                throw new PipelineException($"{file} is not valid JSON ({e.Message}). Delete it and synthesize again.");
            }
        }
        return new SynthesizedTemplates(directory, files, documents);
    }

    public void Dispose()
    {
        foreach (var document in Documents)
            document.Dispose();
    }
}
