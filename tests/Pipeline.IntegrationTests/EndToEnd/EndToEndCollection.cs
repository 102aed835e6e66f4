namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>The end-to-end scenarios run one after the other: each builds images and compiles the pipeline, and the machine is small.</summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}
