namespace Pipeline.Infra.Tests.Support;

[CollectionDefinition(Name)]
public sealed class SynthesizedInfraCollection : ICollectionFixture<SynthesizedInfra>
{
    public const string Name = "Synthesized infrastructure";
}
